/**
 * The bag's path rule (src/export/paths.ts) has a fast path, one regex for the whole path; it must
 * decide exactly as the rule written per segment does. The reference below is written from the
 * rule's text, not from the code.
 */
import { bagPathProblem, BagPathSet, type PathHash } from '../../src/export/paths';

function reference(path: string): boolean {
  if (path.length === 0) return false;
  return path
    .split('/')
    .every(
      (seg) =>
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(seg) &&
        !/^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i.test(seg),
    );
}

const SAMPLES = [
  'data/records/trade/2026/11/30/T-1.json',
  'data/evidence/proofs/T-1.tlog-proof',
  'bagit.txt',
  'a',
  'A/b/C',
  `${'x'.repeat(255)}/y`,
  `${'x'.repeat(256)}/y`,
  '',
  '/a',
  'a/',
  'a//b',
  '.hidden',
  'a/../b',
  'a/./b',
  '-x',
  '_x',
  'a b',
  'a\nb',
  'é',
  'data/records/CON',
  'data/records/con.json',
  'data/records/Com1.tar.gz',
  'data/records/lpt9',
  'data/records/console.json',
  'data/records/nul.',
  'data/records/auxiliary/x',
  'CON/x',
  'x/prn/y',
  'com10',
  'a*b',
  'a%0Ab',
  'a\\b',
];

test('the fast path decides exactly as the rule per segment, and every refusal says why', () => {
  for (const path of SAMPLES) {
    const problem = bagPathProblem(path);
    expect({ path, ok: problem === null }).toEqual({ path, ok: reference(path) });
    if (problem !== null) expect(problem.length).toBeGreaterThan(10);
  }
  // Random paths over an alphabet that hits every branch.
  const alphabet = ['a', 'Z', '0', '.', '_', '-', '/', 'con', 'COM1', 'lpt', 'nul', ' ', 'é', '.txt'];
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < 20_000; i++) {
    let path = '';
    const n = next() % 9;
    for (let k = 0; k < n; k++) path += alphabet[next() % alphabet.length];
    expect({ path, ok: bagPathProblem(path) === null }).toEqual({ path, ok: reference(path) });
  }
});

test('a bag path set refuses a case-insensitive duplicate and a broken path', () => {
  const set = new BagPathSet();
  expect(set.add('data/records/a.json')).toBeNull();
  expect(set.add('data/records/A.JSON')).toMatch(/already holds/);
  expect(set.add('data/records/aux.json')).toMatch(/Windows device name/);
});

/** The set as the rule states it: every folded path kept as a string. */
class ReferenceSet {
  private readonly seen = new Set<string>();
  add(path: string): string | null {
    const problem = bagPathProblem(path);
    if (problem !== null) return problem;
    if (this.seen.has(path.toLowerCase()))
      return `the bag already holds ${JSON.stringify(path)} (letter case aside)`;
    this.seen.add(path.toLowerCase());
    return null;
  }
}

/** A bag's paths in its order: each record's file, then its proof. */
function bagPaths(records: number): string[] {
  const out = ['bagit.txt', 'data/README.txt', 'data/evidence/checkpoint.txt'];
  for (let i = 0; i < records; i++) {
    const id = `BENCH-${String(i).padStart(6, '0')}`;
    const day = String(1 + Math.floor((i * 30) / records)).padStart(2, '0');
    out.push(`data/records/trade/2026/11/${day}/${id}.json`, `data/evidence/proofs/${id}.tlog-proof`);
  }
  return out;
}

const flipCase = (path: string, seed: number): string =>
  [...path].map((c, i) => ((i + seed) % 3 === 0 ? c.toUpperCase() : c.toLowerCase())).join('');

/** Hashes that collide on purpose: the set must decide as the reference does all the same. */
const HASHES: [string, PathHash | undefined][] = [
  ['the default hash', undefined],
  ['one hash for every path', () => [7, 7]],
  ['the hash of an empty slot for every path', () => [0, 0]],
  ['a hash of the length only', (folded) => [folded.length, 0]],
  ['a hash of the last character only', (folded) => [folded.charCodeAt(folded.length - 1), 1]],
];

describe.each(HASHES)('a bag path set with %s', (_name, hash) => {
  // Past several growths of the table and blocks of the log. Each duplicate reads the whole log
  // (in a build, the first one fails the export): a few dozen of them are checked.
  const records = hash === undefined ? 5_000 : 400;

  test('takes every path of a valid bag, and refuses each again in any letter case', () => {
    const set = new BagPathSet(hash);
    const paths = bagPaths(records);
    for (const p of paths) expect(set.add(p)).toBeNull();
    const every = Math.ceil(paths.length / 30);
    paths.forEach((p, i) => {
      if (i % every !== 0 && i !== paths.length - 1) return;
      const again = flipCase(p, i);
      expect(set.add(again)).toBe(`the bag already holds ${JSON.stringify(again)} (letter case aside)`);
    });
    // Paths near the others (one character off) are still new.
    for (const p of paths.slice(0, 50)) expect(set.add(`${p}x`)).toBeNull();
  });

  test('decides exactly as a set of folded strings, over random paths with duplicates', () => {
    const set = new BagPathSet(hash);
    const reference = new ReferenceSet();
    const alphabet = ['a', 'B', 'c', '0', '/', '.', '-', 'x', 'Y', 'con', '//'];
    let seed = 11;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const n = 1500;
    for (let i = 0; i < n; i++) {
      let path = 'data/';
      for (let k = next() % 7; k >= 0; k--) path += alphabet[next() % alphabet.length];
      expect({ path, answer: set.add(path) }).toEqual({ path, answer: reference.add(path) });
    }
  });
});

test('a path longer than a block of the log is kept and found like any other', () => {
  const long = Array.from({ length: 300 }, (_, i) => `s${i}`.padEnd(250, 'q')).join('/');
  const set = new BagPathSet(() => [1, 2]);
  expect(set.add('data/a.json')).toBeNull();
  expect(set.add(long)).toBeNull();
  expect(set.add('data/b.json')).toBeNull();
  expect(set.add(long.toUpperCase())).toMatch(/already holds/);
  expect(set.add('DATA/B.json')).toMatch(/already holds/);
  expect(set.add(`${long}/c`)).toBeNull();
});

test("a broken path is refused with the rule's own reason, whatever the set holds", () => {
  const set = new BagPathSet(() => [3, 3]);
  expect(set.add('data/records/a.json')).toBeNull();
  for (const p of ['data/records/aux.json', 'a//b', '', 'data/é', '.hidden'])
    expect(set.add(p)).toBe(bagPathProblem(p));
  // A refused path is not kept: the same path, once fixed, is new.
  expect(set.add('data/records/b.json')).toBeNull();
});
