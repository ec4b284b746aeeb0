import { OffsetClock } from '../../src/util/clock';
import {
  expectOssError,
  makeClient,
  startTestEmulator,
  uniqueBucket,
  type Client,
  type TestEmulator,
} from './helpers';

let emu: TestEmulator;
const clock = new OffsetClock();
let bucket: string;
let c: Client;

beforeAll(async () => {
  emu = await startTestEmulator({ clock });
  bucket = uniqueBucket('sign');
  c = emu.client({ bucket });
  await c.putBucket(bucket);
  await c.put('dir/a b.txt', Buffer.from('signed content'));
});
afterAll(async () => {
  await emu.stop();
});

test.each([false, true])(
  'a wrong secret is 403 SignatureDoesNotMatch; an unknown key is 403 (v4=%s)',
  async (v4) => {
    const wrong = emu.client({ bucket, secret: 'not-the-secret', v4 });
    const err = await expectOssError(() => wrong.get('dir/a b.txt'));
    expect(err.status).toBe(403);
    expect(err.code).toBe('SignatureDoesNotMatch');
    const unknown = makeClient(emu.handle.url, 'LTAIunknownkey', emu.accessKeySecret, { v4, bucket });
    const err2 = await expectOssError(() => unknown.get('dir/a b.txt'));
    expect(err2.status).toBe(403);
    expect(err2.code).toBe('InvalidAccessKeyId');
    // A refused write stores nothing.
    await expectOssError(() => wrong.put('planted', Buffer.from('x')));
    expect((await expectOssError(() => c.head('planted'))).status).toBe(404);
  },
);

test('signed URLs (V1 signatureUrl, V4 signatureUrlV4) work with fetch, and tampering is refused', async () => {
  const v1 = c.signatureUrl('dir/a b.txt', {
    expires: 600,
    response: { 'content-disposition': 'attachment' },
  });
  const ok1 = await fetch(v1);
  expect(ok1.status).toBe(200);
  expect(await ok1.text()).toBe('signed content');
  expect(ok1.headers.get('content-disposition')).toBe('attachment');

  const v4client = emu.client({ bucket, v4: true });
  const v4 = await v4client.signatureUrlV4('GET', 600, undefined, 'dir/a b.txt');
  const ok4 = await fetch(v4);
  expect(ok4.status).toBe(200);
  expect(await ok4.text()).toBe('signed content');

  const u1 = new URL(v1);
  const sig = u1.searchParams.get('Signature') as string;
  u1.searchParams.set('Signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
  const t1 = await fetch(u1);
  expect(t1.status).toBe(403);
  expect(await t1.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

  const u4 = new URL(v4);
  const sig4 = u4.searchParams.get('x-oss-signature') as string;
  u4.searchParams.set('x-oss-signature', (sig4[0] === 'a' ? 'b' : 'a') + sig4.slice(1));
  expect((await fetch(u4)).status).toBe(403);

  // The signature covers the key: the same query on another object is refused.
  const other = v1.replace('/dir/a%20b.txt', '/dir/other.txt');
  expect(other).not.toBe(v1);
  expect((await fetch(other)).status).toBe(403);
});

test('expired signed URLs are 403 (expiry judged by the emulator clock)', async () => {
  const v1 = c.signatureUrl('dir/a b.txt', { expires: 60 });
  const v4 = await emu.client({ bucket, v4: true }).signatureUrlV4('GET', 60, undefined, 'dir/a b.txt');
  expect((await fetch(v1)).status).toBe(200);
  expect((await fetch(v4)).status).toBe(200);
  clock.advance(5 * 60 * 1000);
  const e1 = await fetch(v1);
  expect(e1.status).toBe(403);
  expect(await e1.text()).toContain('<Code>AccessDenied</Code>');
  expect((await fetch(v4)).status).toBe(403);
  // Header-signed requests are unaffected by the emulator's clock.
  expect((await c.get('dir/a b.txt')).content.toString()).toBe('signed content');
});
