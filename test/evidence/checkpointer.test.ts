import path from 'node:path';
import Database from 'better-sqlite3';
import { CatalogAlertSink } from '../../src/alerts/sink';
import { leafData, leafHash, type Catalog } from '../../src/catalog';
import { Checkpointer } from '../../src/evidence/checkpointer';
import {
  integrate,
  ObjectTileStore,
  publishCheckpoint,
  signerVerifierKey,
  verifyLog,
  type TileStore,
} from '../../src/ledger';
import { silentLogger } from '../../src/log';
import type { AliOssStore } from '../../src/storage/ali-oss-store';
import { makeRecord, ingestEvent, sha256Of } from '../catalog/fixtures';
import { tempCatalog, type TempCatalog } from '../helpers/common';
import { ed25519Signer } from '../ledger/signers';
import { emulatorTarget, type Target } from '../storage/helpers/targets';

const ORIGIN = 'strongroom/test-checkpointer';
const signer = ed25519Signer(Buffer.alloc(32, 7));

let t: Target;
let oss: AliOssStore;
beforeAll(async () => {
  t = await emulatorTarget('v4').open();
  oss = t.store();
});
afterAll(async () => {
  await t.close();
});

interface Setup {
  temp: TempCatalog;
  catalog: Catalog;
  store: TileStore;
  alerts: CatalogAlertSink;
  checkpointer(): Checkpointer;
  sql(text: string): void;
  close(): Promise<void>;
}

let buckets = 0;
async function setup(): Promise<Setup> {
  const temp = await tempCatalog(undefined, 'checkpointer');
  const bucket = t.bucketName(`cp${++buckets}`);
  await oss.createBucket(bucket);
  const store = new ObjectTileStore({ store: oss, bucket });
  const alerts = new CatalogAlertSink(temp.catalog, silentLogger());
  return {
    temp,
    catalog: temp.catalog,
    store,
    alerts,
    checkpointer: () =>
      new Checkpointer({
        catalog: temp.catalog,
        store,
        signer,
        origin: ORIGIN,
        alerts,
        logger: silentLogger(),
      }),
    sql(text) {
      const db = new Database(path.join(temp.dir, 'catalog.sqlite'));
      try {
        db.exec(text);
      } finally {
        db.close();
      }
    },
    close: () => temp.cleanup(),
  };
}

async function commit(catalog: Catalog, ids: string[]): Promise<void> {
  for (const id of ids) await catalog.commitRecord(makeRecord({ recordId: id }), ingestEvent(id));
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('the checkpointer', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(async () => {
    await s.close();
  });

  test('signs when the tree grew, indexes the checkpoint, and the bucket alone verifies', async () => {
    const cp = s.checkpointer();
    expect(await cp.run()).toEqual({ kind: 'unchanged', checkpoint: null });
    await commit(s.catalog, ids('A', 300));
    const first = await cp.run();
    expect(first).toMatchObject({ kind: 'checkpointed', checkpoint: { treeSize: 300 } });
    expect(await cp.run()).toMatchObject({ kind: 'unchanged', checkpoint: { treeSize: 300 } });
    await commit(s.catalog, ids('B', 20));
    expect(await cp.run()).toMatchObject({ kind: 'checkpointed', checkpoint: { treeSize: 320 } });
    expect((await s.catalog.checkpointRows({ limit: 10 })).map((c) => c.treeSize)).toEqual([300, 320]);
    const report = await verifyLog({ store: s.store, key: await signerVerifierKey(ORIGIN, signer) });
    expect(report).toMatchObject({ ok: true, size: 320n, checkpoints: 2 });
    expect(await s.catalog.openAlertCount()).toBe(0);
  });

  test('a crash after the tiles, or after the checkpoint but before its index, is continued', async () => {
    await commit(s.catalog, ids('C', 40));
    const leaves = (await s.catalog.ledgerLeaves()).map((l) =>
      leafData({ kind: l.kind, id: l.recordId, sha256: l.sha256 }),
    );
    // Tiles of the first 25 leaves written, then the process died before signing.
    await integrate({ store: s.store, fromSize: 0n, leaves: leaves.slice(0, 25) });
    // ... and, another time, a checkpoint of 30 signed and stored but not indexed.
    const part = await integrate({ store: s.store, fromSize: 0n, leaves: leaves.slice(0, 30) });
    await publishCheckpoint({ store: s.store, signer, origin: ORIGIN, size: part.size, root: part.root });
    expect(await s.catalog.latestCheckpointRow()).toBeUndefined();

    const out = await s.checkpointer().run();
    expect(out).toMatchObject({ kind: 'checkpointed', checkpoint: { treeSize: 40 } });
    expect((await s.catalog.checkpointRows({ limit: 10 })).map((c) => c.treeSize)).toEqual([30, 40]);
    expect(await verifyLog({ store: s.store, key: await signerVerifierKey(ORIGIN, signer) })).toMatchObject({
      ok: true,
      size: 40n,
    });
  });

  test('a catalog ledger row changed after its checkpoint: found at start-up, alerted, nothing more signed', async () => {
    await commit(s.catalog, ids('D', 12));
    await s.checkpointer().run();
    // An intruder with DDL rights rewrites leaf 5 (hash and all, so the row is self-consistent).
    const forged = sha256Of('forged');
    const forgedHash = leafHash({ kind: 'record', id: 'D-5', sha256: forged });
    s.sql(
      `drop trigger ledger_leaves_no_update; update ledger_leaves set sha256 = '${forged}', leaf_hash = '${forgedHash}' where seq = 5`,
    );
    await commit(s.catalog, ids('E', 3));
    const restarted = s.checkpointer();
    const out = await restarted.run();
    expect(out.kind).toBe('refused');
    expect(restarted.refused).toMatch(/leaf 5/);
    const [alert] = await s.catalog.listAlerts({ limit: 10 });
    expect(alert).toMatchObject({
      source: 'ledger',
      kind: 'catalog_mismatch',
      dedupeKey: 'ledger:catalog_mismatch:5',
    });
    expect(alert?.details).toMatchObject({ index: 5, catalog: { id: 'D-5', sha256: forged } });
    expect(String(alert?.details.bucket)).toMatch(/^strongroom-leaf-v1\nrecord\nD-5\n[0-9a-f]{64}\n$/);
    // Runs again: still refused, the same alert (deduped), no checkpoint past 12.
    expect((await restarted.run()).kind).toBe('refused');
    expect(await s.catalog.openAlertCount()).toBe(1);
    expect((await s.catalog.latestCheckpointRow())?.treeSize).toBe(12);
    expect((await s.alerts.posture()).ok).toBe(false);
  });

  test('a row changed while serving is found by the rolling re-check; a row inconsistent with its own hash is refused', async () => {
    await commit(s.catalog, ids('F', 8));
    const cp = new Checkpointer({
      catalog: s.catalog,
      store: s.store,
      signer,
      origin: ORIGIN,
      alerts: s.alerts,
      logger: silentLogger(),
      recheckPerRun: 4,
    });
    expect((await cp.run()).kind).toBe('checkpointed');
    s.sql(`drop trigger ledger_leaves_no_update; update ledger_leaves set record_id = 'F-X' where seq = 6`);
    // Window 0..3 clean, then 4..7 finds leaf 6.
    expect((await cp.run()).kind).toBe('unchanged');
    const out = await cp.run();
    expect(out).toMatchObject({ kind: 'refused' });
    expect(cp.refused).toMatch(/leaf 6/);

    const s2 = await setup();
    try {
      await commit(s2.catalog, ids('G', 3));
      s2.sql(
        `drop trigger ledger_leaves_no_update; update ledger_leaves set sha256 = '${sha256Of('x')}' where seq = 2`,
      );
      const cp2 = s2.checkpointer();
      expect((await cp2.run()).kind).toBe('refused');
      expect(cp2.refused).toMatch(/leaf_hash/);
      expect(await s2.catalog.latestCheckpointRow()).toBeUndefined();
    } finally {
      await s2.close();
    }
  });
});
