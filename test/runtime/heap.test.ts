import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { applyHeapGrowth } from '../../src/runtime/heap';

const DIST_HEAP = path.resolve(__dirname, '../../dist/runtime/heap.js');

/**
 * The peak heap of a child that keeps ~50 MB live and promotes short-lived garbage (objects that
 * outlive a few scavenges, as an export build's per-record objects do), with applyHeapGrowth(percent).
 */
function peakHeapMb(percent: number): number {
  const script = `
    require(${JSON.stringify(DIST_HEAP)}).applyHeapGrowth(${percent});
    const live = [];
    for (let i = 0; i < 400000; i++) live.push({ a: 'x' + i, b: [i, i + 1] });
    const keep = [];
    let peak = 0;
    (async () => {
      for (let round = 0; round < 3000; round++) {
        for (let i = 0; i < 2000; i++) keep.push({ s: 'y' + round + '-' + i, arr: new Array(8).fill(round) });
        if (keep.length > 60000) keep.splice(0, 20000);
        if (round % 50 === 0) await new Promise((r) => setImmediate(r));
        peak = Math.max(peak, process.memoryUsage().heapTotal);
      }
      console.log(JSON.stringify({ peak, live: live.length }));
    })();
  `;
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return (JSON.parse(out) as { peak: number }).peak / (1024 * 1024);
}

describe('applyHeapGrowth', () => {
  it('keeps the heap closer to what is live than V8 left to itself does', () => {
    const own = peakHeapMb(0);
    const capped = peakHeapMb(30);
    // Measured on the 2-core machine: about 250 MB against 105 MB.
    expect(capped).toBeLessThan(own * 0.7);
  });

  it('refuses what is not a percentage it can set', () => {
    expect(() => applyHeapGrowth(-1)).toThrow(RangeError);
    expect(() => applyHeapGrowth(1.5)).toThrow(RangeError);
    expect(() => applyHeapGrowth(301)).toThrow(RangeError);
    expect(() => applyHeapGrowth(0)).not.toThrow();
  });
});
