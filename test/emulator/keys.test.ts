import fs from 'node:fs';
import path from 'node:path';
import { startEmulator } from '../../src/emulator';
import type { EmulatorHandle } from '../../src/emulator/types';
import { expectOssError, listFiles, makeClient, signedRaw, tempDir, uniqueBucket } from './helpers';

/**
 * Keys with dot segments: ali-oss cannot send them at all (urllib folds `..` and `.` out of the
 * path, so the signature no longer matches what it signed); they go through signedRaw.
 */
const DOT_KEYS = [
  '../../../../etc/passwd',
  '..',
  '.',
  'a/../../b',
  './x/./y',
  '../../../../../../../../tmp/strongroom-escape',
];

const HOSTILE_KEYS = [
  '....//....//z',
  '%00',
  '%2F..%2F..%2Fescape',
  'nul\u0000byte',
  'ctl\u0001\u0002\u001f\u007fend',
  'tab\tnew\nline\rcr',
  'spaces and + plus & amp = eq ? q # hash',
  'C:\\Windows\\System32\\x',
  '\u4e2d\u6587/\ud834\udd1e/\ud83d\ude00 emoji',
  'k'.repeat(1023),
  '\u4e2d'.repeat(341), // 1023 bytes of UTF-8
  'trailing/',
  'a//b///c',
  '<xml>&"\'',
];

let handle: EmulatorHandle;
let root: string;
let dataDir: string;
const AK = 'LTAIkeystest';
const SK = 'keys-test-secret';

beforeAll(async () => {
  root = tempDir('keys');
  dataDir = path.join(root, 'data');
  handle = await startEmulator({ dataDir, credentials: [{ accessKeyId: AK, accessKeySecret: SK }] });
});
afterAll(async () => {
  await handle.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe.each([
  ['V1', false],
  ['V4', true],
])('hostile keys with %s signatures', (_n, v4) => {
  test('round-trip through put, get, head, list (encoding-type=url) and delete, and touch no path outside the data directory', async () => {
    const bucket = uniqueBucket('keys');
    const c = makeClient(handle.url, AK, SK, { v4 });
    await c.putBucket(bucket);
    c.useBucket(bucket);
    const bodies = new Map<string, Buffer>();
    HOSTILE_KEYS.forEach((k, i) => bodies.set(k, Buffer.from(`body ${i} ${'x'.repeat(i * 10000)}`)));
    for (const [k, body] of bodies) {
      await c.put(k, body);
    }
    const raw = (method: string, key: string, body?: Buffer) =>
      signedRaw(handle.url, AK, SK, method, bucket, key, body ? { body } : {});
    for (const [i, k] of DOT_KEYS.entries()) {
      const body = Buffer.from(`dot body ${i} ${'y'.repeat(i * 20000)}`);
      const put = await raw('PUT', k, body);
      expect([k, put.status]).toEqual([k, 200]);
      bodies.set(k, body);
    }
    for (const k of DOT_KEYS) {
      const got = await raw('GET', k);
      expect([k, got.status, got.body.equals(bodies.get(k) as Buffer)]).toEqual([k, 200, true]);
    }
    for (const [k, body] of bodies) {
      if (DOT_KEYS.includes(k)) continue;
      const got = await c.get(k);
      expect([k, got.content.equals(body)]).toEqual([k, true]);
      const head = await c.head(k);
      expect(head.res.headers['content-length']).toBe(String(body.length));
    }
    const listed: string[] = [];
    let token: string | null = null;
    do {
      const q: Record<string, string | number> = { 'encoding-type': 'url', 'max-keys': 7 };
      if (token) q['continuation-token'] = token;
      const page = await c.listV2(q);
      listed.push(...page.objects.map((o) => decodeURIComponent(o.name)));
      token = page.isTruncated ? page.nextContinuationToken : null;
    } while (token);
    const expected = [...bodies.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(listed).toEqual(expected);

    // Nothing outside the data directory; inside it, only the index, blobs named by random ids, and tmp.
    expect(fs.readdirSync(root)).toEqual(['data']);
    for (const file of listFiles(dataDir)) {
      const rel = path.relative(dataDir, file);
      expect(rel).toMatch(
        /^(index\.sqlite(-wal|-shm|-journal)?|blobs\/[0-9a-f]{2}\/[0-9a-f]{32}|control-plane\/(sts-token\.key|(trail|kms)\.sqlite(-wal|-shm|-journal)?))$/,
      );
    }
    expect(fs.existsSync('/tmp/strongroom-escape')).toBe(false);
    for (const k of bodies.keys()) {
      if (DOT_KEYS.includes(k)) expect((await raw('DELETE', k)).status).toBe(204);
      else await c.delete(k);
    }
    expect((await c.listV2({})).objects).toEqual([]);
  });
});

test('keys over 1023 bytes are 400 KeyTooLong; keys starting with a backslash are 400 InvalidObjectName', async () => {
  const bucket = uniqueBucket('keys-long');
  const c = makeClient(handle.url, AK, SK);
  await c.putBucket(bucket);
  c.useBucket(bucket);
  const long = await expectOssError(() => c.put('k'.repeat(1024), Buffer.from('x')));
  expect(long.status).toBe(400);
  expect(long.code).toBe('KeyTooLong');
  const longUtf8 = await expectOssError(() => c.put('\u4e2d'.repeat(342), Buffer.from('x')));
  expect(longUtf8.code).toBe('KeyTooLong');
  const backslash = await expectOssError(() => c.put('\\abs', Buffer.from('x')));
  expect(backslash.status).toBe(400);
  expect(backslash.code).toBe('InvalidObjectName');
  expect((await c.listV2({})).objects).toEqual([]);
});
