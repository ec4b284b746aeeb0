/**
 * Issue 9's OSS fix: a path-style bucket request to `/bucket` (no slash after the bucket, as the
 * older aliyun-sdk lists) is signed over `/bucket`, and `/bucket/` over `/bucket/`: the resource
 * is what the client addressed, never both forms for one path. Signed by the test's own V1
 * signer (raw-http.ts), not by the emulator's code.
 */
import { exchange, head, signV1 } from './raw-http';
import { startTestEmulator, uniqueBucket, type TestEmulator } from './helpers';

let emu: TestEmulator;
let bucket: string;
beforeAll(async () => {
  emu = await startTestEmulator();
  bucket = uniqueBucket('pathstyle');
  const c = emu.client();
  await c.putBucket(bucket);
  c.useBucket(bucket);
  await c.put('a.txt', Buffer.from('a'));
  await c.put('b/c.txt', Buffer.from('c'));
});
afterAll(async () => {
  await emu.stop();
});

async function get(target: string, resource: string): Promise<{ status: number; body: string }> {
  const headers = signV1({
    accessKeyId: emu.accessKeyId,
    secret: emu.accessKeySecret,
    method: 'GET',
    resource,
    headers: { host: new URL(emu.handle.url).host },
  });
  const [answer] = await exchange(emu.handle.url, head('GET', target, headers));
  if (answer === undefined) throw new Error(`no answer to GET ${target}`);
  return { status: answer.status, body: answer.body.toString('utf8') };
}

test('GET /bucket?prefix= signed over /bucket lists the bucket (aliyun-sdk)', async () => {
  const r = await get(`/${bucket}?prefix=b%2F`, `/${bucket}`);
  expect(r.status).toBe(200);
  expect(r.body).toContain(`<Name>${bucket}</Name>`);
  expect(r.body).toContain('<Key>b/c.txt</Key>');
  expect(r.body).not.toContain('<Key>a.txt</Key>');
});

test('sub-resources follow the same rule: /bucket?acl is signed over /bucket?acl', async () => {
  expect((await get(`/${bucket}?acl`, `/${bucket}?acl`)).status).toBe(200);
  expect((await get(`/${bucket}?acl`, `/${bucket}/?acl`)).status).toBe(403);
});

test('never both forms: each path accepts only the resource it names', async () => {
  const bare = await get(`/${bucket}?prefix=b%2F`, `/${bucket}/`);
  expect(bare.status).toBe(403);
  expect(bare.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  const slashed = await get(`/${bucket}/?prefix=b%2F`, `/${bucket}`);
  expect(slashed.status).toBe(403);
  expect(slashed.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  expect((await get(`/${bucket}/?prefix=b%2F`, `/${bucket}/`)).status).toBe(200);
});
