/**
 * The bag's path rule (src/export/paths.ts) has a fast path, one regex for the whole path; it must
 * decide exactly as the rule written per segment does. The reference below is written from the
 * rule's text, not from the code.
 */
import { bagPathProblem, BagPathSet } from '../../src/export/paths';

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
