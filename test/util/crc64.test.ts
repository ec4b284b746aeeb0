import { randomBytes } from 'node:crypto';
import { Crc64, crc64, crc64Combine } from '../../src/util/crc64';

/** Bit-at-a-time reference implementation straight from the CRC-64/XZ definition (BigInt). */
function referenceCrc64(data: Uint8Array): string {
  const poly = 0xc96c5795d7870f42n;
  let crc = 0xffffffffffffffffn;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return (crc ^ 0xffffffffffffffffn).toString(10);
}

describe('crc64 (CRC-64/XZ, as x-oss-hash-crc64ecma)', () => {
  it('gives the catalogued check value for "123456789"', () => {
    expect(crc64(Buffer.from('123456789'))).toBe('11051210869376104954');
  });

  it('is 0 for empty input', () => {
    expect(crc64(Buffer.alloc(0))).toBe('0');
  });

  it('agrees with the bit-at-a-time reference for every length 0..100 and a large buffer', () => {
    const data = randomBytes(4096 + 13);
    for (let n = 0; n <= 100; n++) {
      expect(crc64(data.subarray(0, n))).toBe(referenceCrc64(data.subarray(0, n)));
    }
    expect(crc64(data)).toBe(referenceCrc64(data));
  });

  it('is the same fed in odd-sized chunks as in one piece', () => {
    const data = randomBytes(10_007);
    const inc = new Crc64();
    for (let i = 0; i < data.length; i += 333) inc.update(data.subarray(i, i + 333));
    expect(inc.digest()).toBe(crc64(data));
    expect(inc.bytes).toBe(data.length);
  });

  it('combines part CRCs into the CRC of the whole', () => {
    const a = randomBytes(1000);
    const b = randomBytes(777);
    const c = randomBytes(1);
    const ab = crc64Combine(crc64(a), crc64(b), b.length);
    expect(ab).toBe(crc64(Buffer.concat([a, b])));
    expect(crc64Combine(ab, crc64(c), 1)).toBe(crc64(Buffer.concat([a, b, c])));
    expect(crc64Combine(crc64(a), crc64(Buffer.alloc(0)), 0)).toBe(crc64(a));
  });

  it('combines at every length as the CRC of the concatenation, and associatively past 4 GiB', () => {
    const data = Buffer.alloc(70_001);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
    for (const cut of [1, 2, 3, 7, 8, 9, 255, 256, 4096, 65_535, 65_536, 70_000]) {
      const a = data.subarray(0, data.length - cut);
      const b = data.subarray(data.length - cut);
      expect(crc64Combine(crc64(a), crc64(b), b.length)).toBe(crc64(data));
    }
    // (A+B)+C = A+(B+C), with B and C of lengths no buffer here could hold.
    const [a, b, c] = ['17', '123456789', '987654321987654321'];
    const [lb, lc] = [5 * 2 ** 30 + 3, 2 ** 33 + 1];
    expect(crc64Combine(crc64Combine(a, b, lb), c, lc)).toBe(
      crc64Combine(a, crc64Combine(b, c, lc), lb + lc),
    );
  });

  it('detects a single flipped bit', () => {
    const data = randomBytes(2048);
    const before = crc64(data);
    data[1000] = (data[1000] as number) ^ 0x10;
    expect(crc64(data)).not.toBe(before);
  });
});
