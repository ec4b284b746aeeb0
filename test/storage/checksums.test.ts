import { createHash, randomBytes } from 'node:crypto';
import { digestBuffer, md5Base64 } from '../../src/storage/checksums';
import { Crc64, crc64 } from '../../src/util/crc64';

/** Bit-at-a-time CRC-64/XZ straight from the definition (BigInt): the reference. */
function referenceCrc64(data: Uint8Array): string {
  const poly = 0xc96c5795d7870f42n;
  let crc = 0xffffffffffffffffn;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return (crc ^ 0xffffffffffffffffn).toString(10);
}

describe('CRC-64 kernels (src/util/crc64.ts) as the storage adapter uses them', () => {
  // Lengths around every kernel switch (64: JS words, 256: WebAssembly) and the 64 KiB WebAssembly
  // window, at every alignment of the input's byteOffset.
  const lengths = [63, 64, 65, 255, 256, 257, 1031, 65_535, 65_536, 65_537, 131_073];
  const data = randomBytes(131_073 + 8);
  it.each(lengths)('length %i at offsets 0..7 agrees with the bit-level reference', (n) => {
    const expected = new Map<number, string>();
    for (let off = 0; off < 8; off++) {
      const slice = data.subarray(off, off + n);
      const want = n <= 1031 ? referenceCrc64(slice) : undefined;
      const got = crc64(slice);
      if (want !== undefined) expect(got).toBe(want);
      expected.set(off, got);
    }
    // Long inputs: the reference is slow, so check them against a bytewise feed instead.
    if (n > 1031) {
      for (const [off, got] of expected) {
        const inc = new Crc64();
        const slice = data.subarray(off, off + n);
        for (let i = 0; i < slice.length; i += 63) inc.update(slice.subarray(i, i + 63));
        expect(got).toBe(inc.digest());
      }
    }
  });

  it('mixes kernels within one incremental CRC', () => {
    const big = randomBytes(200_000);
    const inc = new Crc64();
    const sizes = [1, 70, 300, 65_536 + 3, 5, 100_000];
    let pos = 0;
    for (const s of sizes) {
      inc.update(big.subarray(pos, pos + s));
      pos += s;
    }
    inc.update(big.subarray(pos));
    expect(inc.digest()).toBe(crc64(big));
    expect(referenceCrc64(big.subarray(0, 3000))).toBe(crc64(big.subarray(0, 3000)));
  });
});

describe('digestBuffer', () => {
  it('gives SHA-256 hex, MD5 base64 and CRC-64 decimal of the same bytes', () => {
    const b = Buffer.from('123456789');
    expect(digestBuffer(b)).toEqual({
      size: 9,
      sha256: createHash('sha256').update(b).digest('hex'),
      md5: createHash('md5').update(b).digest('base64'),
      crc64: '11051210869376104954',
    });
    expect(md5Base64(b)).toBe(createHash('md5').update(b).digest('base64'));
  });
});
