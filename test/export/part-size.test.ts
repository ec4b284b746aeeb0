import { bagPartSize } from '../../src/export/builder';
import { SPOOL_MEMORY_BYTES, spoolMemoryFor } from '../../src/export/spool';
import { OSS_LIMITS } from '../../src/storage/limits';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe('bagPartSize', () => {
  it('is 4 MiB for the bags of ordinary requests', () => {
    expect(bagPartSize(1, 500)).toBe(4 * MIB);
    expect(bagPartSize(100_000, 60 * MIB)).toBe(4 * MIB);
    expect(bagPartSize(1, GIB)).toBe(4 * MIB);
  });

  it('grows so that the largest export the defaults allow fits in 9,000 parts', () => {
    // exports.maxRecords and exports.maxBytes by default: 200,000 records, 100 GiB.
    const records = 200_000;
    const bytes = 100 * GIB;
    const part = bagPartSize(records, bytes);
    expect(part).toBeGreaterThan(8 * MIB);
    expect(Math.ceil((bytes + records * 16 * 1024 + 64 * MIB) / part)).toBeLessThanOrEqual(9000);
    expect(Number.isSafeInteger(part)).toBe(true);
  });

  it('stays within what OSS accepts for a part', () => {
    expect(bagPartSize(1, 10_000 * 5 * GIB)).toBe(OSS_LIMITS.maxPartBytes);
    expect(bagPartSize(0, 0)).toBeGreaterThanOrEqual(OSS_LIMITS.minPartBytes);
  });
});

describe('spoolMemoryFor', () => {
  it('keeps the spools in memory for a bag whose spools fit the budget (the 10,000-record benchmark)', () => {
    expect(spoolMemoryFor(0)).toBe(SPOOL_MEMORY_BYTES);
    expect(spoolMemoryFor(10_000)).toBe(SPOOL_MEMORY_BYTES);
    expect(spoolMemoryFor(Math.floor(SPOOL_MEMORY_BYTES / 2048))).toBe(SPOOL_MEMORY_BYTES);
  });

  it('puts them on disk from the start when they would spill anyway', () => {
    expect(spoolMemoryFor(Math.floor(SPOOL_MEMORY_BYTES / 2048) + 1)).toBe(0);
    expect(spoolMemoryFor(100_000)).toBe(0);
  });
});
