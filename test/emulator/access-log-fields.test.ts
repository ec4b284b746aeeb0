/**
 * Who and when in access-log lines: AccessKeyID is the key whose signature verified, for V1 and
 * V4 header signatures and V1 and V4 signed URLs; RequesterAliyunID is that key's user id;
 * neither is claimed for a request that failed authentication. Objects are named after the
 * hour of the requests they hold.
 */
import { randomBytes } from 'node:crypto';
import { listOssLogObjects, parseOssAccessLog, type OssAccessLogEntry } from '../../src/audit/oss-access-log';
import { startEmulator } from '../../src/emulator';
import type { EmulatorHandle } from '../../src/emulator/types';
import { ManualClock } from '../../src/util/clock';
import { expectOssError, makeClient, tempDir } from './helpers';

const ROOT = { accessKeyId: 'LTAIrootkey000001', accessKeySecret: randomBytes(12).toString('hex') };
const USER = {
  accessKeyId: 'LTAIuserkey000001',
  accessKeySecret: randomBytes(12).toString('hex'),
  userId: '2000000000000042',
};
const BUCKET = 'fields-bucket';

let emu: EmulatorHandle;
const clock = new ManualClock(new Date('2031-03-04T05:59:58Z'));
beforeAll(async () => {
  emu = await startEmulator({ dataDir: tempDir('fields'), credentials: [ROOT, USER], clock });
  const c = makeClient(emu.url, ROOT.accessKeyId, ROOT.accessKeySecret, { bucket: BUCKET });
  await c.putBucket(BUCKET);
  await c.putBucketLogging(BUCKET, 'log/');
});
afterAll(async () => {
  await emu.close();
});

async function delivered(): Promise<{ names: string[]; lines: OssAccessLogEntry[] }> {
  await emu.flushAccessLogs();
  const c = makeClient(emu.url, ROOT.accessKeyId, ROOT.accessKeySecret, { bucket: BUCKET });
  const keys = (await c.listV2({ prefix: 'log/', 'max-keys': 1000 })).objects.map((o) => o.name);
  const ordered = listOssLogObjects(keys, { prefix: 'log/', sourceBucket: BUCKET });
  const lines: OssAccessLogEntry[] = [];
  for (const o of ordered) {
    for (const { lineNumber, result } of parseOssAccessLog((await c.get(o.key)).content.toString('utf8'))) {
      if (!result.ok) throw new Error(`${o.key}:${lineNumber}: ${result.reason}`);
      lines.push(result.entry);
    }
  }
  return { names: ordered.map((o) => o.stamp), lines };
}

test('every way of signing logs the key that signed; a failed signature logs none', async () => {
  const v1 = makeClient(emu.url, USER.accessKeyId, USER.accessKeySecret, { bucket: BUCKET });
  const v4 = makeClient(emu.url, USER.accessKeyId, USER.accessKeySecret, { bucket: BUCKET, v4: true });
  const marks: Record<string, string> = {};
  const rid = (r: { res: { headers: Record<string, string | undefined> } }): string =>
    r.res.headers['x-oss-request-id'] as string;
  marks.v1Header = rid(await v1.put('who/v1.txt', Buffer.from('1')));
  marks.v4Header = rid(await v4.put('who/v4.txt', Buffer.from('4')));
  const v1Url = (await fetch(v1.signatureUrl('who/v1.txt', { expires: 3600 * 24 * 3650 }))).headers;
  marks.v1Url = v1Url.get('x-oss-request-id') as string;
  // V4 signed URLs carry their signing time, checked against the emulator's clock: align it.
  clock.set(new Date());
  const v4Signed = await v4.signatureUrlV4('GET', 3600, undefined, 'who/v4.txt');
  marks.v4Url = (await fetch(v4Signed)).headers.get('x-oss-request-id') as string;
  const wrong = makeClient(emu.url, USER.accessKeyId, 'not-the-secret', { bucket: BUCKET });
  marks.badSignature = (await expectOssError(() => wrong.get('who/v1.txt'))).requestId ?? '';

  const { lines } = await delivered();
  const byId = new Map(lines.map((l) => [l.requestId, l]));
  for (const name of ['v1Header', 'v4Header', 'v1Url', 'v4Url']) {
    const l = byId.get(marks[name] as string);
    expect([name, l?.status, l?.accessKeyId, l?.requesterId]).toEqual([
      name,
      200,
      USER.accessKeyId,
      USER.userId,
    ]);
  }
  const bad = byId.get(marks.badSignature as string);
  expect(bad).toMatchObject({
    status: 403,
    errorCode: 'SignatureDoesNotMatch',
    accessKeyId: null,
    requesterId: null,
    ownerId: '1000000000000000',
  });
  // No signature or secret in any line.
  const text = JSON.stringify(lines);
  expect(text).not.toContain(USER.accessKeySecret);
  expect(text).not.toContain(new URL(v4Signed).searchParams.get('x-oss-signature') as string);
});

test('lines go to the object of their hour; the names list in order', async () => {
  const c = makeClient(emu.url, ROOT.accessKeyId, ROOT.accessKeySecret, { bucket: BUCKET });
  clock.set(new Date('2031-03-04T06:59:59Z'));
  const before = (await c.put('hour/06.txt', Buffer.from('6'))).res.headers['x-oss-request-id'];
  clock.set(new Date('2031-03-04T07:00:00Z'));
  const after = (await c.put('hour/07.txt', Buffer.from('7'))).res.headers['x-oss-request-id'];
  const { names, lines } = await delivered();
  expect(names).toEqual([...names].sort());
  expect(names).toEqual(expect.arrayContaining(['2031-03-04-06-00-00', '2031-03-04-07-00-00']));
  const lineOf = (id: string | undefined): OssAccessLogEntry | undefined =>
    lines.find((l) => l.requestId === id);
  expect(lineOf(before)?.time.toISOString()).toBe('2031-03-04T06:59:59.000Z');
  expect(lineOf(after)?.time.toISOString()).toBe('2031-03-04T07:00:00.000Z');
  // Chronological: the object of 06:00 comes before the one of 07:00, so these lines do too.
  expect(lines.indexOf(lineOf(before) as OssAccessLogEntry)).toBeLessThan(
    lines.indexOf(lineOf(after) as OssAccessLogEntry),
  );
});

test('a request cut before any answer is logged with HTTPStatus "-"', async () => {
  const c = makeClient(emu.url, ROOT.accessKeyId, ROOT.accessKeySecret, { bucket: BUCKET });
  await c.put('cut.txt', Buffer.from('cut'));
  emu.setFaults({ seed: 1, rules: [{ operation: 'GetObject', probability: 1, reset: true }] });
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    await expect(c.get('cut.txt')).rejects.toThrow();
  } finally {
    emu.setFaults(null);
    warn.mockRestore();
  }
  const { lines } = await delivered();
  const cut = lines.filter((l) => l.operation === 'GetObject' && l.objectKey === 'cut.txt');
  expect(cut.map((l) => [l.status, l.sentBytes, l.errorCode])).toEqual([[null, 0, 'InjectedReset']]);
});
