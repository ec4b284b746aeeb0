/**
 * Two `strongroom serve` processes on one PostgreSQL and one OSS emulator process, ingesting at
 * the same time, checkpointing every second; the leader of the checkpointer is SIGKILLed (at
 * whatever it is doing: integrating, writing tiles, signing) and started again, twice. Then:
 * the bucket's log verifies from the tiles alone, every checkpoint is a prefix of the one tree
 * (verifyLog checks each root against the tiles and each checkpoint's consistency with the
 * next), and every record acknowledged has a tlog-proof that verifies offline.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { leafData } from '../../src/catalog';
import { parseConfig } from '../../src/config';
import { LocalEd25519Signer } from '../../src/cloud/signer-local';
import {
  latestCheckpoint,
  makeTlogProof,
  ObjectTileStore,
  parseLeafData,
  readLeaves,
  signerVerifierKey,
  TileReader,
  verifyLog,
  verifyTlogProof,
} from '../../src/ledger';
import { openStore } from '../../src/runtime/store';
import { canonicalSha, freshPostgresDatabase, postJson, TEST_DATABASE_URL } from '../integration/helpers';
import { trade } from '../../src/records/fixtures';
import { cleanEnv, ensureBuilt, killAll, startEmulatorProcess, startServe, type Child } from './harness';

const REGION = 'cn-hongkong';
const creds = { accessKeyId: 'LTAILEDGERTEST000001', accessKeySecret: 'ledger-test-secret-00000000000000' };
const describePg = TEST_DATABASE_URL ? describe : describe.skip;
if (!TEST_DATABASE_URL)
  console.warn('ledger-leader: SKIPPED (needs TEST_DATABASE_URL for two serves on one PostgreSQL)');

jest.setTimeout(240_000);
afterAll(() => killAll());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describePg('the checkpointer with two serves on one PostgreSQL, its leader killed', () => {
  test('every checkpoint consistent with every later one; every record provable', async () => {
    ensureBuilt();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-ledger-leader-'));
    const db = await freshPostgresDatabase();
    const emulator = await startEmulatorProcess(path.join(dataDir, 'oss'), creds, REGION);
    const configFile = path.join(dataDir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify({ ledger: { checkpointSeconds: 1 }, databaseUrl: db.url }));
    const env = cleanEnv({
      STRONGROOM_CONFIG: configFile,
      STRONGROOM_OSS_ENDPOINT: emulator.url,
      STRONGROOM_OSS_ACCESS_KEY_ID: creds.accessKeyId,
      STRONGROOM_OSS_ACCESS_KEY_SECRET: creds.accessKeySecret,
      STRONGROOM_OSS_REGION: REGION,
    });
    try {
      // One after the other: the second finds the first's key and tokens in the shared data directory.
      let a: Child = await startServe(dataDir, env);
      const b: Child = await startServe(dataDir, env);
      const tokens = JSON.parse(fs.readFileSync(path.join(dataDir, 'bootstrap-tokens.json'), 'utf8')) as {
        ingest: { token: string };
        admin: { token: string };
      };
      const ingestAuth = { authorization: `Bearer ${tokens.ingest.token}` };
      const acked: string[] = [];
      let n = 0;
      const ingestSome = async (count: number) => {
        for (let i = 0; i < count; i++) {
          const id = `LL-${n++}`;
          // Both instances take writes; a refused connection (the one just killed) is retried on the other.
          for (const target of n % 2 === 0 ? [a, b] : [b, a]) {
            try {
              const res = await postJson(`${target.url}/v1/records`, trade(id), ingestAuth);
              if (res.status === 201) {
                acked.push(id);
                break;
              }
            } catch {
              // killed: try the other
            }
          }
        }
      };
      for (let round = 0; round < 2; round++) {
        await ingestSome(120);
        // `a` was started first: it leads (or `b` took over after the previous kill, then `a` is restarted anyway).
        a.proc.kill('SIGKILL');
        await a.exited;
        await ingestSome(60);
        a = await startServe(dataDir, env);
      }
      await ingestSome(30);

      // The store, the key, and a checkpoint covering everything (asked of whichever leads).
      const config = parseConfig({
        dataDir,
        oss: { endpoint: emulator.url, region: REGION, ...creds },
      });
      const handle = await openStore(config, {});
      const adminAuth = { authorization: `Bearer ${tokens.admin.token}` };
      let latestSize = 0;
      for (let tries = 0; tries < 60 && latestSize < acked.length; tries++) {
        const res = await fetch(`${b.url}/v1/ledger/checkpoint`, { method: 'POST', headers: adminAuth });
        if (res.ok) latestSize = ((await res.json()) as { treeSize: number }).treeSize;
        if (latestSize < acked.length) await sleep(500);
      }
      expect(latestSize).toBe(acked.length);
      const store = new ObjectTileStore({ store: handle.store, bucket: 'strongroom-audit' });
      const vkey = await signerVerifierKey('strongroom/strongroom', LocalEd25519Signer.open(dataDir));

      const report = await verifyLog({ store, key: vkey });
      expect(report).toMatchObject({ ok: true, size: BigInt(acked.length) });
      if (report.ok) expect(report.checkpoints).toBeGreaterThan(2);

      const latest = await latestCheckpoint(store, vkey);
      if (!latest) throw new Error('no checkpoint');
      const reader = new TileReader(store, latest.size);
      const leaves = new Map<string, number>();
      for await (const { index, data } of readLeaves(store, latest.size)) {
        const parsed = parseLeafData(data);
        if (parsed.ok) leaves.set(parsed.entry.id, Number(index));
      }
      for (const id of acked) {
        const index = leaves.get(id);
        expect({ id, inLog: index !== undefined }).toEqual({ id, inLog: true });
        const proof = await makeTlogProof({
          source: reader,
          index: BigInt(index ?? 0),
          checkpoint: latest.note,
        });
        const data = leafData({ kind: 'record', id, sha256: canonicalSha(trade(id)) });
        expect({ id, ok: verifyTlogProof(proof, { key: vkey, leafData: data }).ok }).toEqual({
          id,
          ok: true,
        });
      }
      await handle.close();
      for (const c of [a, b]) c.proc.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    } finally {
      killAll();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
