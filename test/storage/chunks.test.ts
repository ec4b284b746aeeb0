import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { PartwiseDigests, digestBuffer } from '../../src/storage/checksums';
import { fixedChunks, handOver } from '../../src/storage/chunks';
import { ValidationError } from '../../src/errors';

async function collect(source: AsyncIterable<unknown>, size: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of fixedChunks(source, size)) out.push(c);
  return out;
}

describe('fixedChunks', () => {
  it.each([1, 7, 100, 1000, 4096, 10_000])('cuts chunks of %i bytes into exact parts', async (chunk) => {
    const data = randomBytes(10_000);
    const pieces: Buffer[] = [];
    for (let i = 0; i < data.length; i += chunk) pieces.push(data.subarray(i, i + chunk));
    const parts = await collect(Readable.from(pieces), 3000);
    expect(parts.map((p) => p.length)).toEqual([3000, 3000, 3000, 1000]);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });

  it('yields nothing for an empty stream and no empty last part', async () => {
    expect(await collect(Readable.from([]), 10)).toEqual([]);
    expect((await collect(Readable.from([Buffer.alloc(20)]), 10)).map((p) => p.length)).toEqual([10, 10]);
  });

  it('accepts strings and Uint8Arrays, refuses objects', async () => {
    const parts = await collect(Readable.from(['ab', new Uint8Array([99, 100])]), 3);
    expect(Buffer.concat(parts).toString()).toBe('abcd');
    await expect(collect(Readable.from([{ a: 1 }]), 3)).rejects.toThrow(ValidationError);
  });

  it('parts never share memory with the input chunks or with each other', async () => {
    const input = randomBytes(9000);
    const parts = await collect(Readable.from([input.subarray(0, 4500), input.subarray(4500)]), 3000);
    const copy = Buffer.concat(parts);
    input.fill(0); // the caller reuses its buffer
    expect(Buffer.concat(parts).equals(copy)).toBe(true);
    expect(new Set(parts.map((p) => p.buffer)).size).toBe(parts.length);
  });

  it('takes a chunk handed over whole, of exactly the part size, on a part boundary, as the part', async () => {
    /** `n` random bytes in a buffer that is its whole ArrayBuffer (not a slice of Node's pool). */
    const own = (n: number): Buffer => {
      const b = Buffer.allocUnsafeSlow(n);
      randomBytes(n).copy(b);
      return b;
    };
    const a = handOver(own(3000));
    const b = handOver(own(3000));
    const view = handOver(own(6000).subarray(0, 3000)); // a view: never taken as it is
    const plain = own(3000); // not handed over: copied
    const input = [a, b, view, plain, Buffer.from('xy'), handOver(own(3000))];
    const parts = await collect(Readable.from(input), 3000);
    expect(parts[0]).toBe(a);
    expect(parts[1]).toBe(b);
    expect(parts[2]).not.toBe(view);
    expect(parts[2]?.buffer).not.toBe(view.buffer);
    expect(parts[3]).not.toBe(plain);
    // After 'xy' the handed-over chunk is off the boundary: its bytes are copied.
    expect(parts.includes(input[5] as Buffer)).toBe(false);
    expect(Buffer.concat(parts).equals(Buffer.concat(input))).toBe(true);
    expect(parts.map((p) => p.length)).toEqual([3000, 3000, 3000, 3000, 3000, 2]);
  });

  it('destroys the source when the consumer stops early', async () => {
    const source = Readable.from([randomBytes(100), randomBytes(100), randomBytes(100)]);
    for await (const _part of fixedChunks(source, 50)) break;
    expect(source.destroyed).toBe(true);
  });
});

describe('PartwiseDigests', () => {
  it('gives the same digests as hashing the whole at once', () => {
    const data = randomBytes(25_000);
    const d = new PartwiseDigests();
    const partSums = [0, 10_000, 20_000].map((start) => d.addPart(data.subarray(start, start + 10_000)));
    expect(d.digest()).toEqual(digestBuffer(data));
    expect(partSums[2]).toEqual({
      md5: digestBuffer(data.subarray(20_000)).md5,
      crc64: digestBuffer(data.subarray(20_000)).crc64,
    });
  });
});
