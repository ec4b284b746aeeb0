import { createHash } from 'node:crypto';
import { EMPTY_ROOT, hashLeaf, rangeNodes } from '../../src/ledger/hash';
import { consistencyProof, inclusionProof, treeRoot } from '../../src/ledger/proof';
import { verifyConsistency, verifyInclusion } from '../../src/ledger/verify-proof';
import { NaiveTree, REFERENCE_LEAVES } from './naive';
import { b64, loadVectors } from './vectors';

const vectors = loadVectors();

describe('RFC 9162 tree hashing', () => {
  it('the empty tree is SHA-256 of nothing', async () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect((await treeRoot(new NaiveTree([]).source(0), 0n)).equals(EMPTY_ROOT)).toBe(true);
  });

  it('roots of the first N reference leaves (docs/EVIDENCE.md)', async () => {
    const prefixes = [
      '6e340b9c',
      'fac54203',
      'aeb6bcfe',
      'd37ee418',
      '4e3bbb1f',
      '76e67dad',
      'ddb89be4',
      '5dc9da79',
    ];
    const tree = new NaiveTree(REFERENCE_LEAVES.map(hashLeaf));
    for (let n = 1; n <= 8; n++) {
      const root = await treeRoot(tree.source(n), BigInt(n));
      expect(root.toString('hex').slice(0, 8)).toBe(prefixes[n - 1]);
      expect(root.equals(NaiveTree.ofData(REFERENCE_LEAVES.slice(0, n)).root(n))).toBe(true);
    }
  });

  it('the leaf hash is SHA-256(0x00 || data)', () => {
    const d = Buffer.from('strongroom');
    expect(
      hashLeaf(d).equals(
        createHash('sha256')
          .update(Buffer.from([0]))
          .update(d)
          .digest(),
      ),
    ).toBe(true);
  });

  it('ranges decompose into perfect subtrees, largest first', () => {
    expect(rangeNodes(0n, 7n)).toEqual([
      { level: 2, index: 0n },
      { level: 1, index: 2n },
      { level: 0, index: 6n },
    ]);
    expect(rangeNodes(1n << 40n, (1n << 40n) + 3n)).toEqual([
      { level: 1, index: 1n << 39n },
      { level: 0, index: (1n << 40n) + 2n },
    ]);
  });
});

const h = (s: string): Buffer => b64(s);
const hs = (p: string[] | null): Buffer[] => (p ?? []).map(h);

(vectors ? describe : describe.skip)(
  `transparency-dev/merkle vectors (${vectors?.dir ?? 'not found'})`,
  () => {
    const inc = vectors?.inclusion ?? [];
    const con = vectors?.consistency ?? [];

    it('has every vector', () => {
      expect(inc.length).toBe(98);
      expect(con.length).toBe(98);
    });

    it.each(inc.map((v) => [v.file, v] as const))('inclusion %s', (_f, v) => {
      const r = verifyInclusion(BigInt(v.leafIdx), BigInt(v.treeSize), h(v.leafHash), hs(v.proof), h(v.root));
      expect(r.ok).toBe(!v.wantErr);
    });

    it.each(con.map((v) => [v.file, v] as const))('consistency %s', (_f, v) => {
      const r = verifyConsistency(BigInt(v.size1), BigInt(v.size2), hs(v.proof), h(v.root1), h(v.root2));
      expect(r.ok).toBe(!v.wantErr);
    });

    it('our generated proofs equal the valid vectors, byte for byte', async () => {
      const tree = new NaiveTree(REFERENCE_LEAVES.map(hashLeaf));
      let compared = 0;
      for (const v of inc.filter(
        (x) => !x.wantErr && x.treeSize <= 8 && x.leafHash === tree.leaves[x.leafIdx]?.toString('base64'),
      )) {
        const p = await inclusionProof(tree.source(v.treeSize), BigInt(v.leafIdx), BigInt(v.treeSize));
        expect(p.map((x) => x.toString('base64'))).toEqual(v.proof ?? []);
        compared++;
      }
      for (const v of con.filter((x) => !x.wantErr && x.size1 > 0 && x.size1 < x.size2 && x.size2 <= 8)) {
        const p = await consistencyProof(tree.source(v.size2), BigInt(v.size1), BigInt(v.size2));
        expect(p.map((x) => x.toString('base64'))).toEqual(v.proof ?? []);
        compared++;
      }
      expect(compared).toBeGreaterThan(8);
    });
  },
);
if (!vectors)
  console.warn(
    'merkle.test.ts: the transparency-dev/merkle vectors were SKIPPED: none found ' +
      '(set STRONGROOM_MERKLE_TESTDATA; see test/fixtures/transparency-dev-merkle/README.md).',
  );
