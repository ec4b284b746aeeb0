import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  verifyLedgerCommand,
  verifyProofCommand,
  verifyRecordCommand,
} from '../../src/cli/commands/verify-ledger';
import { leafHash } from '../../src/catalog';
import { buildProgram } from '../../src/cli/main';
import {
  bearer,
  canonicalSha,
  postJson,
  sha256,
  startTestArchive,
  tempDir,
  type TestArchive,
} from '../integration/helpers';
import { trade } from '../../src/records/fixtures';

/**
 * `strongroom verify ledger | record | proof` against what a real archive wrote (the composition
 * root, its embedded emulator, a SQLite catalog), then a catalog ledger row changed by hand:
 * verify names it, and the next `serve` alerts and refuses to sign.
 */
describe('strongroom verify ledger, record, proof', () => {
  let dataDir: string;
  let a: TestArchive | undefined;
  let out: string[];
  let spy: jest.SpyInstance;
  let verifierKey: string;
  let proofFile: string;

  beforeAll(async () => {
    dataDir = tempDir('verify-ledger');
    a = await startTestArchive({ db: 'sqlite', dataDir });
    for (let i = 0; i < 5; i++)
      expect((await postJson(`${a.url}/v1/records`, trade(`VL-${i}`), bearer(a.ingestToken))).status).toBe(
        201,
      );
    const cp = await fetch(`${a.url}/v1/ledger/checkpoint`, {
      method: 'POST',
      headers: bearer(a.adminToken),
    });
    expect(cp.status).toBe(200);
    verifierKey = await a.archive.evidence.ledger.verifierKeyText();
    proofFile = path.join(dataDir, 'VL-2.tlog-proof');
    fs.writeFileSync(proofFile, (await a.archive.evidence.ledger.recordProof('VL-2')).proof);
    await a.close();
    a = undefined;
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  });
  beforeEach(() => {
    out = [];
  });
  afterAll(async () => {
    spy?.mockRestore();
    await a?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('verify ledger: the bucket alone, then with the catalog, and from a remembered state', async () => {
    const bucketOnly = await verifyLedgerCommand({ data: dataDir, bucket: true, key: verifierKey });
    expect(bucketOnly).toMatchObject({ ok: true, facts: { leaves: '5', checkpoints: 1 } });
    expect(out.join('')).toContain('verify ledger: VERIFIED');
    const state = path.join(dataDir, 'auditor-state.json');
    // Without --key: the archive's own key from the data directory.
    const full = await verifyLedgerCommand({ data: dataDir, state });
    expect(full.ok).toBe(true);
    expect(String(full.facts.catalog)).toMatch(/first 5 ledger rows agree/);
    expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toMatchObject({ size: '5' });
    const again = await verifyLedgerCommand({ data: dataDir, state, json: true });
    expect(again.facts.consistentWithState).toMatch(/^5 /);
    // A state from another log's root: named.
    fs.writeFileSync(state, JSON.stringify({ size: '5', root: 'ab'.repeat(32) }));
    const wrong = await verifyLedgerCommand({ data: dataDir, state, bucket: true });
    expect(wrong).toMatchObject({ ok: false, problem: { what: 'state_mismatch' } });
  });

  test('verify record and verify proof (offline): verified; the wrong key or bytes are not', async () => {
    expect(await verifyRecordCommand('VL-3', { data: dataDir, key: verifierKey })).toMatchObject({
      ok: true,
      facts: { ledgerIndex: 3, treeSize: '5' },
    });
    const sha = canonicalSha(trade('VL-2'));
    expect(verifyProofCommand(proofFile, { key: verifierKey, id: 'VL-2', sha256: sha })).toMatchObject({
      ok: true,
      facts: { index: '2' },
    });
    const other = verifyProofCommand(proofFile, { key: verifierKey, id: 'VL-2', sha256: sha256('other') });
    expect(other).toMatchObject({ ok: false, problem: { what: 'root_mismatch' } });
    expect(out.join('')).toContain('NOT VERIFIED');
    const wrongKey = 'strongroom/x+00000000+AQ' + 'A'.repeat(42) + '=';
    expect(() => verifyProofCommand(proofFile, { key: wrongKey, id: 'VL-2', sha256: sha })).toThrow(/key/);
    // Exit codes through main's program: 4 for not verified.
    let outcome = '';
    await buildProgram((o) => (outcome = o)).parseAsync([
      'node',
      'strongroom',
      'verify',
      'proof',
      proofFile,
      '--key',
      verifierKey,
      '--id',
      'VL-2',
      '--sha256',
      sha256('other'),
    ]);
    expect(outcome).toBe('not-verified');
  });

  test('a catalog ledger row changed: verify names it; serve alerts, reports it and signs nothing more', async () => {
    const file = path.join(dataDir, 'catalog.sqlite');
    const db = new Database(file);
    const forged = sha256('forged');
    db.exec(
      `drop trigger ledger_leaves_no_update; update ledger_leaves set sha256 = '${forged}', leaf_hash = '${leafHash({ kind: 'record', id: 'VL-1', sha256: forged })}' where seq = 1`,
    );
    db.close();
    const v = await verifyLedgerCommand({ data: dataDir, key: verifierKey });
    expect(v).toMatchObject({
      ok: false,
      problem: { what: 'catalog_mismatch', where: 'catalog ledger row 1' },
    });
    expect(out.join('')).toMatch(/catalog ledger row 1/);

    a = await startTestArchive({ db: 'sqlite', dataDir });
    expect((await postJson(`${a.url}/v1/records`, trade('VL-9'), bearer(a.ingestToken))).status).toBe(201);
    const cp = await fetch(`${a.url}/v1/ledger/checkpoint`, {
      method: 'POST',
      headers: bearer(a.adminToken),
    });
    expect(cp.status).toBe(409);
    expect(((await cp.json()) as { error: { message: string } }).error.message).toMatch(/leaf 1/);
    const ready = await fetch(`${a.url}/readyz`);
    expect(ready.status).toBe(503);
    const report = (await ready.json()) as { checks: { name: string; ok: boolean; detail: string }[] };
    expect(report.checks.find((c) => c.name === 'alerts')).toMatchObject({ ok: false });
    expect(report.checks.find((c) => c.name === 'alerts')?.detail).toMatch(/catalog_mismatch/);
    expect((await a.catalog.latestCheckpointRow())?.treeSize).toBe(5);
    const [alert] = await a.catalog.listAlerts({ limit: 1 });
    expect(alert).toMatchObject({ source: 'ledger', kind: 'catalog_mismatch', details: { index: 1 } });
    await a.close();
    a = undefined;
    expect((await verifyLedgerCommand({ data: dataDir, bucket: true, key: verifierKey })).ok).toBe(true);
  });
});
