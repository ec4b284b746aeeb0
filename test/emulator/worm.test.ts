import { Readable } from 'node:stream';
import { ManualClock } from '../../src/util/clock';
import {
  expectOssError,
  signedRaw,
  startTestEmulator,
  uniqueBucket,
  type Client,
  type TestEmulator,
} from './helpers';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

let emu: TestEmulator;
const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));

beforeAll(async () => {
  emu = await startTestEmulator({ clock });
});
afterAll(async () => {
  await emu.stop();
});

async function bucketClient(label: string): Promise<{ c: Client; bucket: string }> {
  const bucket = uniqueBucket(label);
  const c = emu.client();
  await c.putBucket(bucket);
  c.useBucket(bucket);
  return { c, bucket };
}

test('days must be 1..25550; GET without a policy is 404 NoSuchWORMConfiguration', async () => {
  const { c, bucket } = await bucketClient('worm-args');
  const none = await expectOssError(() => c.getBucketWorm(bucket));
  expect(none.status).toBe(404);
  expect(none.code).toBe('NoSuchWORMConfiguration');
  for (const days of [0, 25551, -1]) {
    const err = await expectOssError(() => c.initiateBucketWorm(bucket, days));
    expect(err.status).toBe(400);
    expect(err.code).toBe('InvalidArgument');
  }
  const max = await c.initiateBucketWorm(bucket, 25550);
  expect(max.status).toBe(200);
});

test('lifecycle: InProgress -> Locked; abort only while InProgress; extend only when Locked and never shorter', async () => {
  const { c, bucket } = await bucketClient('worm-life');
  const init = await c.initiateBucketWorm(bucket, 30);
  expect(init.wormId).toMatch(/^[0-9A-F]{32}$/);
  const got = await c.getBucketWorm(bucket);
  expect(got).toMatchObject({ wormId: init.wormId, state: 'InProgress', days: '30' });
  expect(got.creationDate).toBe('2030-01-01T00:00:00');
  const again = await expectOssError(() => c.initiateBucketWorm(bucket, 10));
  expect(again.status).toBe(409);

  const extendInProgress = await expectOssError(() => c.extendBucketWorm(bucket, init.wormId, 40));
  expect(extendInProgress.status).toBe(400);
  expect(extendInProgress.code).toBe('InvalidWORMConfiguration');

  // Abort works while InProgress; a new policy can then be made.
  expect((await c.abortBucketWorm(bucket)).status).toBe(204);
  expect((await expectOssError(() => c.getBucketWorm(bucket))).code).toBe('NoSuchWORMConfiguration');
  // Completing the aborted policy fails (ali-oss does not throw here: check the status).
  expect((await c.completeBucketWorm(bucket, init.wormId)).status).toBe(404);

  const second = await c.initiateBucketWorm(bucket, 30);
  const locked = await c.completeBucketWorm(bucket, second.wormId);
  expect(locked.status).toBe(200);
  expect((await c.getBucketWorm(bucket)).state).toBe('Locked');

  const abort = await c.abortBucketWorm(bucket);
  expect(abort.status).toBe(403);
  expect(String(abort.res.data)).toContain('<Code>WORMConfigurationLocked</Code>');
  expect((await c.getBucketWorm(bucket)).state).toBe('Locked');

  const shorter = await expectOssError(() => c.extendBucketWorm(bucket, second.wormId, 29));
  expect(shorter.status).toBe(400);
  expect(shorter.code).toBe('InvalidWORMConfiguration');
  const wrongId = await expectOssError(() => c.extendBucketWorm(bucket, 'NOT-THE-ID', 60));
  expect(wrongId.status).toBe(404);
  expect((await c.extendBucketWorm(bucket, second.wormId, 60)).status).toBe(200);
  expect((await c.getBucketWorm(bucket)).days).toBe('60');

  // A Locked policy does not lapse.
  clock.advance(3 * DAY);
  expect((await c.getBucketWorm(bucket)).state).toBe('Locked');
});

test('protected objects refuse overwrite, copy onto, multipart completion onto and delete with 409 FileImmutable', async () => {
  const { c, bucket } = await bucketClient('worm-prot');
  await c.put('rec', Buffer.from('original'));
  await c.put('source', Buffer.from('other'));
  const { wormId } = await c.initiateBucketWorm(bucket, 1);
  expect((await c.completeBucketWorm(bucket, wormId)).status).toBe(200);

  const checks: Array<[string, () => Promise<unknown>]> = [
    ['overwrite', () => c.put('rec', Buffer.from('changed'))],
    [
      'overwrite with forbid-overwrite false',
      () => c.put('rec', Buffer.from('changed'), { headers: { 'x-oss-forbid-overwrite': 'false' } }),
    ],
    ['copy onto', () => c.copy('rec', 'source')],
    ['delete', () => c.delete('rec')],
  ];
  for (const [what, fn] of checks) {
    const err = await expectOssError(fn);
    expect([what, err.status, err.code]).toEqual([what, 409, 'FileImmutable']);
  }
  const err = await expectOssError(() => c.put('rec', Buffer.from('changed')));
  expect(err.message).toBe('The object you specified is immutable.');

  const up = await c.initMultipartUpload('rec');
  const part = await c._uploadPart('rec', up.uploadId, 1, {
    stream: Readable.from([Buffer.from('mp')]),
    size: 2,
  });
  const mp = await expectOssError(() =>
    c.completeMultipartUpload('rec', up.uploadId, [{ number: 1, etag: part.etag }]),
  );
  expect(mp.code).toBe('FileImmutable');
  await c.abortMultipartUpload('rec', up.uploadId);

  const multi = await c.deleteMulti(['rec', 'source']);
  expect(multi.deleted).toEqual([]);
  // Per-key errors are in the answer, in quiet mode too (ali-oss only reads <Deleted>).
  const quiet = await signedRaw(emu.handle.url, emu.accessKeyId, emu.accessKeySecret, 'POST', bucket, '', {
    subresource: 'delete',
    body: Buffer.from(
      '<Delete><Quiet>true</Quiet><Object><Key>rec</Key></Object><Object><Key>never-existed</Key></Object></Delete>',
    ),
  });
  expect(quiet.status).toBe(200);
  const text = quiet.body.toString();
  expect(text).toContain(
    '<Error><Key>rec</Key><Code>FileImmutable</Code><Message>The object you specified is immutable.</Message></Error>',
  );
  expect(text).not.toContain('<Deleted>');
  expect((await c.get('rec')).content.toString()).toBe('original');
  expect((await c.get('source')).content.toString()).toBe('other');

  // New keys can still be written (12 hours later); the bucket cannot be deleted.
  clock.advance(12 * HOUR);
  await c.put('new', Buffer.from('n'));
  expect((await expectOssError(() => c.deleteBucket(bucket))).code).toBe('BucketNotEmpty');

  // Still protected one second before last-modified + 1 day; deletable after.
  clock.advance(12 * HOUR - 1000);
  expect((await expectOssError(() => c.delete('rec'))).code).toBe('FileImmutable');
  clock.advance(2000);
  expect((await c.delete('rec')).res.status).toBe(204);
  expect((await c.delete('source')).res.status).toBe(204);
  // 'new' was written later: still protected.
  expect((await expectOssError(() => c.delete('new'))).code).toBe('FileImmutable');
  clock.advance(DAY);
  await c.put('new', Buffer.from('overwrite allowed after the period'));
  expect((await c.get('new')).content.toString()).toBe('overwrite allowed after the period');
});

test('an InProgress policy protects objects, and lapses (as if absent) after 24 hours of injected time', async () => {
  const { c, bucket } = await bucketClient('worm-lapse');
  await c.put('k', Buffer.from('x'));
  const { wormId } = await c.initiateBucketWorm(bucket, 30);
  expect((await expectOssError(() => c.delete('k'))).code).toBe('FileImmutable');
  const got = await c.getBucketWorm(bucket);
  expect(got.expirationDate).toBe(new Date(clock.now().getTime() + DAY).toISOString().slice(0, 19));

  clock.advance(DAY - 1000);
  expect((await c.getBucketWorm(bucket)).state).toBe('InProgress');
  clock.advance(1000);
  const lapsed = await expectOssError(() => c.getBucketWorm(bucket));
  expect(lapsed.code).toBe('NoSuchWORMConfiguration');
  // Too late to complete it; the object is no longer protected; a new policy may be made.
  expect((await c.completeBucketWorm(bucket, wormId)).status).toBe(404);
  expect((await c.delete('k')).res.status).toBe(204);
  expect((await c.initiateBucketWorm(bucket, 5)).status).toBe(200);
});

test('with a Locked policy the bucket holding protected objects cannot be deleted; an empty one can', async () => {
  const { c, bucket } = await bucketClient('worm-del');
  const { wormId } = await c.initiateBucketWorm(bucket, 1);
  await c.completeBucketWorm(bucket, wormId);
  await c.put('p', Buffer.from('x'));
  expect((await expectOssError(() => c.deleteBucket(bucket))).status).toBe(409);
  clock.advance(DAY + 1000);
  await c.delete('p');
  expect((await c.deleteBucket(bucket)).res.status).toBe(204);
});
