import path from 'node:path';
import Database from 'better-sqlite3';
import { startEmulator } from '../../src/emulator';
import { makeClient, tempDir } from './helpers';

const KEY = { accessKeyId: 'LTAImigration0001', accessKeySecret: 'migration-secret' };

test('a data directory written by the previous schema (version 1) opens, upgraded, with its objects', async () => {
  const dataDir = tempDir('migrate');
  const first = await startEmulator({ dataDir, credentials: [KEY] });
  const c1 = makeClient(first.url, KEY.accessKeyId, KEY.accessKeySecret, { bucket: 'old-bucket' });
  await c1.putBucket('old-bucket');
  await c1.put('old.txt', Buffer.from('written before'));
  await first.close();

  // Back to version 1 as it was: no storage classes, no pending access-log lines, no bucket
  // encryption or policy (version 3).
  const db = new Database(path.join(dataDir, 'index.sqlite'));
  db.exec(`ALTER TABLE objects DROP COLUMN storage_class;
    ALTER TABLE uploads DROP COLUMN storage_class;
    DROP TABLE access_log_pending;
    ALTER TABLE buckets DROP COLUMN sse_algorithm;
    ALTER TABLE buckets DROP COLUMN sse_key_id;
    ALTER TABLE buckets DROP COLUMN policy;
    PRAGMA user_version = 1;`);
  db.close();

  const again = await startEmulator({ dataDir, credentials: [KEY] });
  try {
    const c2 = makeClient(again.url, KEY.accessKeyId, KEY.accessKeySecret, { bucket: 'old-bucket' });
    expect((await c2.get('old.txt')).content.toString()).toBe('written before');
    expect((await c2.head('old.txt')).res.headers['x-oss-storage-class']).toBe('Standard');
    await c2.put('new.txt', Buffer.from('new'), { headers: { 'x-oss-storage-class': 'IA' } });
    expect((await c2.head('new.txt')).res.headers['x-oss-storage-class']).toBe('IA');
    await c2.putBucketLogging('old-bucket', 'log/');
    await c2.get('old.txt');
    await again.flushAccessLogs();
    expect((await c2.listV2({ prefix: 'log/' })).objects).toHaveLength(1);
    const getInfo = async (): Promise<unknown> =>
      ((await c2.getBucketInfo('old-bucket')).bucket.ServerSideEncryptionRule as Record<string, unknown>)
        .SSEAlgorithm;
    expect(await getInfo()).toBe('None');
  } finally {
    await again.close();
  }
  const check = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
  expect(check.pragma('user_version', { simple: true })).toBe(3);
  expect((check.pragma('table_info(buckets)') as { name: string }[]).map((c) => c.name)).toEqual(
    expect.arrayContaining(['sse_algorithm', 'sse_key_id', 'policy']),
  );
  check.close();
});
