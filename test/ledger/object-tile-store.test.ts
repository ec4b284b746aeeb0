import { randomBytes } from 'node:crypto';
import { ConflictError } from '../../src/errors';
import { integrate } from '../../src/ledger/integrate';
import { publishCheckpoint } from '../../src/ledger/log';
import { verifyLog } from '../../src/ledger/log-verify';
import { signerVerifierKey } from '../../src/ledger/note';
import { inclusionProof } from '../../src/ledger/proof';
import { readLeaves, TileReader } from '../../src/ledger/reader';
import { ObjectTileStore } from '../../src/ledger/object-tile-store';
import { checkpointKey, tileKey } from '../../src/ledger/tiles';
import type { AliOssStore } from '../../src/storage/ali-oss-store';
import { emulatorTarget, type Target } from '../storage/helpers/targets';
import { NaiveTree } from './naive';
import { ed25519Signer } from './signers';

/** The ledger's TileStore over the archive's ObjectStore, against the OSS emulator through ali-oss. */
describe('ObjectTileStore on the OSS emulator', () => {
  let t: Target;
  let oss: AliOssStore;
  let bucket: string;
  let store: ObjectTileStore;

  beforeAll(async () => {
    t = await emulatorTarget('v4').open();
    oss = t.store();
    bucket = t.bucketName('ledger');
    await oss.createBucket(bucket);
    store = new ObjectTileStore({ store: oss, bucket });
  });
  afterAll(async () => {
    await t.close();
  });

  it('writes create-only: the same bytes again are fine, other bytes are a ConflictError', async () => {
    const b = randomBytes(64);
    expect(await store.create('ledger/tile/0/000.p/2', b)).toBe('created');
    expect(await store.create('ledger/tile/0/000.p/2', b)).toBe('existed');
    await expect(store.create('ledger/tile/0/000.p/2', randomBytes(64))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await store.get('ledger/tile/0/000.p/2'))?.equals(b)).toBe(true);
    expect(await store.get('ledger/tile/0/001')).toBeNull();
    const keys: string[] = [];
    for await (const k of store.list('ledger/tile/0/')) keys.push(k);
    expect(keys).toEqual(['ledger/tile/0/000.p/2']);
  });

  it('an object another run left (a crash before its checkpoint) is accepted when its bytes are ours', async () => {
    const b = randomBytes(32);
    await oss.putBuffer(bucket, 'ledger/tile/3/000.p/1', b);
    expect(await store.create('ledger/tile/3/000.p/1', b)).toBe('existed');
    expect(await store.create('ledger/tile/3/000.p/1', Buffer.from(b))).toBe('existed');
    await expect(store.create('ledger/tile/3/000.p/1', b.subarray(1))).rejects.toBeInstanceOf(ConflictError);
  });

  it('holds a whole log: integrate, checkpoint, proofs, leaves and verifyLog through ali-oss', async () => {
    const logBucket = t.bucketName('log');
    await oss.createBucket(logBucket);
    const log = new ObjectTileStore({ store: oss, bucket: logBucket });
    const signer = ed25519Signer(randomBytes(32));
    const origin = 'strongroom.test/ledger';
    const data = Array.from({ length: 600 }, (_, i) => Buffer.from(`leaf ${i}`));
    let at = 0n;
    for (const n of [100, 256, 600]) {
      const r = await integrate({ store: log, fromSize: at, leaves: data.slice(Number(at), n) });
      await publishCheckpoint({ store: log, signer, origin, size: r.size, root: r.root });
      at = r.size;
    }
    const head = await oss.head(logBucket, checkpointKey(600n));
    expect(head.contentType).toMatch(/^text\/plain/);
    expect((await oss.head(logBucket, tileKey(0, 0n))).size).toBe(8192);
    const naive = NaiveTree.ofData(data);
    expect(await inclusionProof(new TileReader(log, 600n), 300n, 600n)).toEqual(naive.inclusion(300, 600));
    const back: Buffer[] = [];
    for await (const e of readLeaves(log, 600n)) back.push(e.data);
    expect(back).toEqual(data);
    const report = await verifyLog({ store: log, key: await signerVerifierKey(origin, signer) });
    expect(report).toMatchObject({ ok: true, size: 600n, checkpoints: 3 });
  });
});
