import { ledgerEvidenceChecker } from '../../src/evidence/bag-checker';
import { verifyBag } from '../../src/export';
import { buildFixtureBag, removeDir, type BuiltBag } from '../export/fixtures';

/**
 * The ledger's EvidenceChecker (src/evidence/bag-checker.ts) on a bag whose evidence was made by
 * an independent, hand-written RFC 9162 / signed-note implementation (test/export/evidence.ts).
 */
describe('verify bag with the ledger evidence checker', () => {
  let bag: BuiltBag;
  beforeAll(async () => {
    bag = await buildFixtureBag();
  });
  afterAll(async () => {
    await removeDir(bag.dir);
  });

  it('verifies a good bag: every proof and the checkpoint signature checked', async () => {
    const v = await verifyBag(bag.zip, { checker: ledgerEvidenceChecker, key: bag.ledger.verifierKey });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.summary.proofsChecked).toBe(bag.records.length);
  });

  it('refuses another key, a proof of other bytes, and a proof against another checkpoint', async () => {
    const wrongKey = 'strongroom.test/ledger+00000000+AQ' + 'A'.repeat(42) + '=';
    const v = await verifyBag(bag.zip, { checker: ledgerEvidenceChecker, key: wrongKey });
    expect(v.ok).toBe(false);
    expect(v.problems.some((p) => p.file === 'data/evidence/checkpoint.txt')).toBe(true);

    const r = bag.records[0]?.meta;
    if (!r) throw new Error('no record');
    const proof = bag.ledger.proofFor(r.recordId);
    const base = { recordId: r.recordId, proof, proofFile: 'p', checkpoint: bag.ledger.checkpoint };
    expect(await ledgerEvidenceChecker.proof({ ...base, sha256: r.sha256 })).toEqual([]);
    const other = await ledgerEvidenceChecker.proof({ ...base, sha256: 'f'.repeat(64) });
    expect(other).toEqual([
      expect.objectContaining({ file: 'p', what: expect.stringMatching(/not proven/) }),
    ]);
    const body = bag.ledger.checkpoint.slice(0, bag.ledger.checkpoint.indexOf('\n\n') + 1).split('\n');
    body[2] = Buffer.alloc(32, 9).toString('base64');
    const forged = bag.ledger.signNote(body.join('\n'));
    const against = await ledgerEvidenceChecker.proof({ ...base, sha256: r.sha256, checkpoint: forged });
    expect(against.map((p) => p.what).join(' ')).toMatch(/not the bag's/);
  });
});
