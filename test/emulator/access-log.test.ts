import { parseOssAccessLog, type OssAccessLogEntry } from '../../src/audit/oss-access-log';
import { startEmulator } from '../../src/emulator';
import { ManualClock } from '../../src/util/clock';
import {
  expectOssError,
  makeClient,
  startTestEmulator,
  uniqueBucket,
  type Client,
  type TestEmulator,
} from './helpers';

const LOG_NAME = /^logs\/(.+?)(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})-([0-9A-F]+)$/;

/** Every line of a log object, parsed; fails the test on a line the parser refuses. */
function entries(text: string): OssAccessLogEntry[] {
  return parseOssAccessLog(text).map(({ lineNumber, result }) => {
    if (!result.ok) throw new Error(`line ${lineNumber}: ${result.reason}`);
    return result.entry;
  });
}

function loggingXml(target: string, prefix: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><BucketLoggingStatus><LoggingEnabled><TargetBucket>${target}</TargetBucket><TargetPrefix>${prefix}</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`;
}

async function putLogging(c: Client, bucket: string, target: string, prefix: string): Promise<void> {
  const raw = c as unknown as { request(p: Record<string, unknown>): Promise<{ status: number }> };
  await raw.request({
    method: 'PUT',
    bucket,
    subres: 'logging',
    content: loggingXml(target, prefix),
    mime: 'xml',
    successStatuses: [200],
  });
}

async function logObjects(c: Client, logsBucket: string): Promise<Array<{ name: string; text: string }>> {
  const page = await c.listV2({ prefix: 'logs/' });
  const out: Array<{ name: string; text: string }> = [];
  for (const o of page.objects)
    out.push({ name: o.name, text: (await c.get(o.name)).content.toString('utf8') });
  void logsBucket;
  return out;
}

describe('access logging', () => {
  let emu: TestEmulator;
  const clock = new ManualClock(new Date('2031-03-04T05:06:07Z'));
  beforeAll(async () => {
    emu = await startTestEmulator({ clock });
  });
  afterAll(async () => {
    await emu.stop();
  });

  test('GET/PUT/DELETE ?logging with ali-oss (self target)', async () => {
    const c = emu.client();
    const b = uniqueBucket('logself');
    await c.putBucket(b);
    expect((await c.getBucketLogging(b)).enable).toBe(false);
    await c.putBucketLogging(b, 'mylogs/');
    expect(await c.getBucketLogging(b)).toMatchObject({ enable: true, prefix: 'mylogs/' });
    await c.deleteBucketLogging(b);
    expect((await c.getBucketLogging(b)).enable).toBe(false);
    const raw = c as unknown as { request(p: Record<string, unknown>): Promise<{ status: number }> };
    const bad = await expectOssError(() =>
      raw.request({
        method: 'PUT',
        bucket: b,
        subres: 'logging',
        content: loggingXml('no-such-target-bucket', ''),
        mime: 'xml',
        successStatuses: [200],
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.code).toBe('InvalidTargetBucketForLogging');
  });

  test('requests to a logged bucket become OSS-format lines in objects of the target bucket', async () => {
    const c = emu.client();
    const source = uniqueBucket('src');
    const logs = uniqueBucket('logs');
    await c.putBucket(source);
    await c.putBucket(logs);
    await putLogging(c, source, logs, 'logs/');
    c.useBucket(source);
    await c.put('dir/rec 1.json', Buffer.from('{"a":1}'));
    await c.get('dir/rec 1.json');
    await expectOssError(() => c.get('missing'));
    // The emulator's clock stands in 2031: the URL must outlive it.
    const url = c.signatureUrl('dir/rec 1.json', { expires: 10 * 365 * 24 * 3600 });
    const signature = new URL(url).searchParams.get('Signature') as string;
    expect(
      (
        await fetch(url, {
          headers: { 'User-Agent': 'auditor "quoted" agent', Referer: 'https://example.test/x' },
        })
      ).status,
    ).toBe(200);
    await emu.handle.flushAccessLogs();

    const lc = emu.client({ bucket: logs });
    const objects = await logObjects(lc, logs);
    expect(objects).toHaveLength(1);
    const obj = objects[0] as { name: string; text: string };
    // Named after the hour of its requests: <prefix><source>YYYY-mm-DD-HH-00-00-<unique>.
    const m = LOG_NAME.exec(obj.name);
    expect(m?.[1]).toBe(source);
    expect(m?.[2]).toBe('2031-03-04-05-00-00');

    // Every line has the 29 fields of the official format, in order, quoted as OSS quotes them.
    for (const raw of obj.text.trimEnd().split('\n')) {
      expect(raw).toMatch(
        /^\S+ - - \[[^\]]+\] "[^"]*" \d{3} (\d+|-) \d+ "[^"]*" "[^"]*" "[^"]*" "[0-9A-F]{24}" "true" "[^"]*" "[A-Za-z]+" "[a-z0-9-]+" "[^"]*" (\d+|-) \d+ "[^"]*" \d+ "\d+" (-?\d+|-) "-" "[^"]*" "[^"]*" "-" "[^"]*" "acs:oss:cn-hangzhou:\d+:[a-z0-9-]+"$/,
      );
    }
    // The PutBucketLogging call that turned logging on is itself the first line.
    const all = entries(obj.text);
    expect(all.map((l) => l.operation)).toEqual([
      'PutBucketLogging',
      'PutObject',
      'GetObject',
      'GetObject',
      'GetObject',
    ]);
    const lines = all.slice(1);
    for (const l of lines) {
      expect(l.bucket).toBe(source);
      expect(l.timeText).toBe('04/Mar/2031:05:06:07 +0000');
      expect(l.time.toISOString()).toBe('2031-03-04T05:06:07.000Z');
      expect(l.requestId).toMatch(/^[0-9A-F]{24}$/);
      // RequesterAliyunID is the key owner's user id; the key itself is AccessKeyID.
      expect(l.requesterId).toBe('1000000000000000');
      expect(l.accessKeyId).toBe(emu.accessKeyId);
      expect(l.ownerId).toBe('1000000000000000');
      expect(l.bucketArn).toBe(`acs:oss:cn-hangzhou:1000000000000000:${source}`);
      expect(l.loggingFlag).toBe('true');
      expect(l.syncRequest).toBeNull();
      expect(l.extra).toEqual([]);
    }
    const [put, get, missing, signed] = lines as [
      OssAccessLogEntry,
      OssAccessLogEntry,
      OssAccessLogEntry,
      OssAccessLogEntry,
    ];
    expect(put.request).toBe('PUT /' + source + '/dir/rec%201.json HTTP/1.1');
    expect(put).toMatchObject({
      method: 'PUT',
      status: 200,
      objectKey: 'dir/rec 1.json',
      objectSize: 7,
      deltaDataSize: 7,
      storageClass: 'Standard',
      errorCode: null,
    });
    expect(get).toMatchObject({ sentBytes: 7, deltaDataSize: null, storageClass: 'Standard' });
    expect(missing).toMatchObject({ status: 404, errorCode: 'NoSuchKey', objectKey: 'missing' });
    expect(signed.userAgent).toBe('auditor %22quoted%22 agent');
    expect(signed.referer).toBe('https://example.test/x');
    // A V1 signed URL: the key that signed it is logged, the signature in the URL is blanked.
    expect(signed.accessKeyId).toBe(emu.accessKeyId);
    expect(signed.request).toMatch(/[?&]Signature=(&|\s|$)/);
    expect(signed.request).toMatch(/[?&]OSSAccessKeyId=(&|\s|$)/);
    // No secret, signature or Authorization header anywhere in the log.
    expect(obj.text).not.toContain(signature);
    expect(obj.text).not.toContain(encodeURIComponent(signature));
    expect(obj.text).not.toContain(emu.accessKeySecret);
    expect(obj.text).not.toMatch(/OSS [A-Za-z0-9]+:/);

    // Nothing new to flush: no new object.
    await emu.handle.flushAccessLogs();
    expect((await lc.listV2({ prefix: 'logs/' })).objects).toHaveLength(1);
  });

  test('log objects in a retention-locked target bucket are protected like any object', async () => {
    const c = emu.client();
    const source = uniqueBucket('src2');
    const logs = uniqueBucket('logs2');
    await c.putBucket(source);
    await c.putBucket(logs);
    const { wormId } = await c.initiateBucketWorm(logs, 1);
    await c.completeBucketWorm(logs, wormId);
    await putLogging(c, source, logs, 'logs/');
    c.useBucket(source);
    await c.put('x', Buffer.from('x'));
    await emu.handle.flushAccessLogs();
    const lc = emu.client({ bucket: logs });
    const [obj] = (await lc.listV2({ prefix: 'logs/' })).objects;
    expect(obj).toBeDefined();
    const err = await expectOssError(() => lc.delete((obj as { name: string }).name));
    expect(err.code).toBe('FileImmutable');
  });
});

test('lines are flushed every logFlushSeconds, and on close', async () => {
  const emu = await startTestEmulator({ logFlushSeconds: 1 });
  try {
    const c = emu.client();
    const source = uniqueBucket('timed');
    await c.putBucket(source);
    await c.putBucketLogging(source, 'logs/');
    c.useBucket(source);
    await c.put('a', Buffer.from('a'));
    // Wait (bounded) for the timer to write the object; no flush call.
    let found = 0;
    for (let i = 0; i < 100 && found === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      found = (await c.listV2({ prefix: 'logs/' })).objects.length;
    }
    expect(found).toBeGreaterThanOrEqual(1);
  } finally {
    await emu.stop();
  }

  // On close: lines recorded just before close() are written, and survive a restart.
  const first = await startTestEmulator({ logFlushSeconds: 3600 });
  const c1 = first.client();
  const source = uniqueBucket('onclose');
  await c1.putBucket(source);
  await c1.putBucketLogging(source, 'logs/');
  c1.useBucket(source);
  await c1.put('b', Buffer.from('b'));
  await first.handle.close();
  const again = await startEmulator({
    dataDir: first.dataDir,
    credentials: [{ accessKeyId: first.accessKeyId, accessKeySecret: first.accessKeySecret }],
  });
  try {
    const c2 = makeClient(again.url, first.accessKeyId, first.accessKeySecret, { bucket: source });
    const objects = (await c2.listV2({ prefix: 'logs/' })).objects;
    expect(objects.length).toBe(1);
    const text = (await c2.get((objects[0] as { name: string }).name)).content.toString();
    expect(text).toContain(' "PutBucketLogging" ');
    expect(text).toContain(' "PutObject" ');
  } finally {
    await again.close();
  }
});
