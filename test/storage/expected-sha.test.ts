import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { NotFoundError, ValidationError } from '../../src/errors';
import { emulatorTarget, KiB, type Target } from './helpers/targets';

/** putStream with a declared SHA-256: checked before the object is created, so a wrong one stores nothing. */
describe('putStream expectedSha256', () => {
  let t: Target;
  let bucket: string;
  beforeAll(async () => {
    t = await emulatorTarget('v4').open();
    bucket = t.bucketName('expected-sha');
    await t.store().createBucket(bucket);
  });
  afterAll(() => t.close());

  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const stream = (b: Buffer): Readable => Readable.from([b.subarray(0, 1000), b.subarray(1000)]);

  it.each([
    ['one PUT', 10 * KiB],
    ['multipart', 700 * KiB],
  ])('%s: the right hash stores the object, a wrong one stores nothing', async (_how, size) => {
    const store = t.store();
    const data = randomBytes(size);
    const ok = await store.putStream(bucket, `ok-${size}`, stream(data), { expectedSha256: sha(data) });
    expect(ok.sha256).toBe(sha(data));
    expect(ok.multipart).toBe(size > 256 * KiB);

    const wrong = sha(Buffer.from('not this'));
    const err = await store
      .putStream(bucket, `bad-${size}`, stream(data), { expectedSha256: wrong })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).details).toEqual({ received: sha(data), declared: wrong });
    await expect(store.head(bucket, `bad-${size}`)).rejects.toBeInstanceOf(NotFoundError);
  });
});
