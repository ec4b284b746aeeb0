import { randomBytes } from 'node:crypto';
import {
  listOssLogObjects,
  MAX_LINE_LENGTH,
  parseOssAccessLog,
  parseOssAccessLogLine,
  parseOssLogObjectName,
  type OssAccessLogEntry,
  type OssAccessLogParse,
} from '../../src/audit/oss-access-log';
import { mulberry32 } from '../../src/emulator/faults';
import { makeClient, startTestEmulator, uniqueBucket } from '../emulator/helpers';

/** The official format, as OSS-PROTOCOL.md lists it (values in the style of OSS's documentation). */
const CURRENT =
  '192.168.0.1 - - [03/Jan/2021:14:06:07 +0800] "GET /example%20dir/a.jpg?versionId=1 HTTP/1.1" 200 368 10 ' +
  '"http://www.example.com/page" "curl/7.15.5" "examplebucket.oss-cn-hongkong.aliyuncs.com" ' +
  '"5FF16B65F05BC932307A3C3C" "true" "1657183691453700" "GetObject" "examplebucket" "example%20dir%2Fa.jpg" ' +
  '368 9 "-" 21 "1657183691453700" - "-" "standard" "-" "-" "STS.NUgYrLnoC37mZZCNnAbez2" ' +
  '"acs:oss:cn-hongkong:1657183691453700:examplebucket"';
/** The same request as an older line: it stops after SyncRequest. */
const OLD = CURRENT.slice(0, CURRENT.indexOf(' "standard"'));

function ok(r: OssAccessLogParse): OssAccessLogEntry {
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.entry;
}

function reason(r: OssAccessLogParse): string {
  if (r.ok) throw new Error('expected the line to be refused');
  return r.reason;
}

describe('parseOssAccessLogLine', () => {
  test('a current line: every field typed, the time with its own offset', () => {
    expect(ok(parseOssAccessLogLine(CURRENT))).toEqual({
      remoteIp: '192.168.0.1',
      time: new Date('2021-01-03T06:06:07Z'),
      timeText: '03/Jan/2021:14:06:07 +0800',
      request: 'GET /example%20dir/a.jpg?versionId=1 HTTP/1.1',
      method: 'GET',
      uri: '/example%20dir/a.jpg?versionId=1',
      httpVersion: '1.1',
      status: 200,
      sentBytes: 368,
      requestTimeMs: 10,
      referer: 'http://www.example.com/page',
      userAgent: 'curl/7.15.5',
      hostName: 'examplebucket.oss-cn-hongkong.aliyuncs.com',
      requestId: '5FF16B65F05BC932307A3C3C',
      loggingFlag: 'true',
      requesterId: '1657183691453700',
      operation: 'GetObject',
      bucket: 'examplebucket',
      objectKey: 'example dir/a.jpg',
      objectSize: 368,
      serverCostTimeMs: 9,
      errorCode: null,
      requestLength: 21,
      ownerId: '1657183691453700',
      deltaDataSize: null,
      syncRequest: null,
      storageClass: 'standard',
      targetStorageClass: null,
      transmissionAccelerationAccessPoint: null,
      accessKeyId: 'STS.NUgYrLnoC37mZZCNnAbez2',
      bucketArn: 'acs:oss:cn-hongkong:1657183691453700:examplebucket',
      extra: [],
    });
  });

  test('an older line that stops after SyncRequest: the later fields are null', () => {
    const e = ok(parseOssAccessLogLine(OLD));
    expect(e).toMatchObject({
      requestId: '5FF16B65F05BC932307A3C3C',
      syncRequest: null,
      deltaDataSize: null,
    });
    expect([e.storageClass, e.accessKeyId, e.bucketArn, e.extra]).toEqual([null, null, null, []]);
  });

  test('a newer line with fields OSS added later: kept in extra; CRLF and LF endings are fine', () => {
    const e = ok(parseOssAccessLogLine(`${CURRENT} "new-field" 42 "-"\r\n`));
    expect(e.extra).toEqual(['new-field', '42', '-']);
    expect(e.bucketArn).toBe('acs:oss:cn-hongkong:1657183691453700:examplebucket');
    expect(ok(parseOssAccessLogLine(`${CURRENT}\n`)).extra).toEqual([]);
  });

  test('spaces and quotes inside quoted fields', () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) "quoted" agent " " with a fake split';
    // A Referer ends at its first '" "' (a URL has no raw quotes; the split cannot be told).
    const referer = 'https://example.test/a b?q="x"';
    const line = CURRENT.replace('"http://www.example.com/page" "curl/7.15.5"', `"${referer}" "${ua}"`);
    const e = ok(parseOssAccessLogLine(line));
    expect([e.referer, e.userAgent, e.hostName, e.requestId]).toEqual([
      referer,
      ua,
      'examplebucket.oss-cn-hongkong.aliyuncs.com',
      '5FF16B65F05BC932307A3C3C',
    ]);
    // A request line with a quote and spaces in it.
    const odd = CURRENT.replace('"GET /example%20dir/a.jpg?versionId=1 HTTP/1.1"', '"GET /a "b" c HTTP/1.1"');
    expect(ok(parseOssAccessLogLine(odd))).toMatchObject({ method: 'GET', uri: '/a "b" c', status: 200 });
    // Empty quoted fields are empty, and a malformed request line is kept as text.
    const empty = CURRENT.replace('"http://www.example.com/page"', '""').replace(
      '"GET /example%20dir/a.jpg?versionId=1 HTTP/1.1"',
      '"-"',
    );
    expect(ok(parseOssAccessLogLine(empty))).toMatchObject({
      referer: null,
      request: '-',
      method: null,
      uri: null,
    });
  });

  test('no answer sent: HTTPStatus "-" is null', () => {
    const line = CURRENT.replace('" 200 368 10 "', '" - 0 3 "');
    expect(ok(parseOssAccessLogLine(line))).toMatchObject({ status: null, sentBytes: 0, requestTimeMs: 3 });
  });

  test('negative offsets, failed requests, deletes', () => {
    const line = CURRENT.replace('+0800', '-0330')
      .replace('" 200 368 10 "', '" 403 254 1 "')
      .replace('"-" 21', '"AccessDenied" 21')
      .replace('"1657183691453700" - "-"', '"1657183691453700" -368 "-"')
      .replace('"STS.NUgYrLnoC37mZZCNnAbez2"', '"-"')
      .replace('"true" "1657183691453700"', '"true" "-"');
    expect(ok(parseOssAccessLogLine(line))).toMatchObject({
      time: new Date('2021-01-03T17:36:07Z'),
      status: 403,
      errorCode: 'AccessDenied',
      deltaDataSize: -368,
      requesterId: null,
      accessKeyId: null,
    });
  });

  test('malformed lines are refused with a reason naming the problem', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['', /empty/],
      ['   ', /empty/],
      ['garbage', /time/],
      [CURRENT.replace('03/Jan/2021', '31/Apr/2021'), /time/],
      [CURRENT.replace('14:06:07', '24:06:07'), /time/],
      [CURRENT.replace('[03/Jan/2021:14:06:07 +0800]', '[03/Jan/2021:14:06:07]'), /time/],
      [CURRENT.replace('" 200 368', '" OK 368'), /HTTPStatus/],
      [CURRENT.replace(' 368 9 "-" 21 ', ' big 9 "-" 21 '), /ObjectSize/],
      [CURRENT.replace(' - "-" "standard"', ' x "-" "standard"'), /DeltaDataSize/],
      [CURRENT.replace('"5FF16B65F05BC932307A3C3C"', '"-"'), /RequestID is empty/],
      [CURRENT.replace('"example%20dir%2Fa.jpg"', '"bad%E0%A4%A"'), /ObjectName/],
      [OLD.slice(0, OLD.lastIndexOf(' "-"')), /fields/],
      [CURRENT.replace('"GetObject"', '"GetObject'), /.+/],
      [`${CURRENT}\nsecond line`, /line break/],
      [CURRENT + ' "' + 'x'.repeat(MAX_LINE_LENGTH) + '"', /longer/],
      [42, /not a string/],
      [null, /not a string/],
    ];
    for (const [line, want] of cases) {
      const got = reason(parseOssAccessLogLine(line as string));
      expect([String(line).slice(0, 60), got]).toEqual([
        String(line).slice(0, 60),
        expect.stringMatching(want),
      ]);
    }
  });

  test('never throws: random garbage and every truncation of a line are answered', () => {
    const rnd = mulberry32(9);
    const alphabet = ' "[]-+:/0123456789abcXYZ%\\\t\u00e9\u4e2d';
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const n = Math.floor(rnd() * 200);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(typeof parseOssAccessLogLine(s).ok).toBe('boolean');
    }
    for (let cut = 0; cut < CURRENT.length; cut++) {
      const r = parseOssAccessLogLine(CURRENT.slice(0, cut));
      expect(typeof r.ok).toBe('boolean');
    }
    // Many fake splits are bounded work, not a hang.
    const many = CURRENT.replace('"curl/7.15.5"', `"${'a" "'.repeat(5000)}"`);
    expect(typeof parseOssAccessLogLine(many).ok).toBe('boolean');
  });

  test('parseOssAccessLog numbers the lines of an object and skips blank ones', () => {
    const parsed = parseOssAccessLog(`${CURRENT}\n\nnot a line\n${OLD}\n`);
    expect(parsed.map((p) => [p.lineNumber, p.result.ok])).toEqual([
      [1, true],
      [3, false],
      [4, true],
    ]);
  });
});

describe('log object names', () => {
  test('listed in order; other keys left out; the source bucket may end in digits', () => {
    const keys = [
      'logs/src22026-03-04-07-00-00-0002',
      'logs/src22026-03-04-06-00-00-000B',
      'logs/other-bucket2026-03-04-05-00-00-0001',
      'logs/src22026-03-04-06-00-00-000A',
      'logs/not-a-log-object.txt',
      'elsewhere/src22026-03-04-06-00-00-0001',
    ];
    expect(listOssLogObjects(keys, { prefix: 'logs/', sourceBucket: 'src2' }).map((n) => n.key)).toEqual([
      'logs/src22026-03-04-06-00-00-000A',
      'logs/src22026-03-04-06-00-00-000B',
      'logs/src22026-03-04-07-00-00-0002',
    ]);
    expect(listOssLogObjects(keys, { prefix: 'logs/' }).map((n) => [n.sourceBucket, n.stamp])).toEqual([
      ['other-bucket', '2026-03-04-05-00-00'],
      ['src2', '2026-03-04-06-00-00'],
      ['src2', '2026-03-04-06-00-00'],
      ['src2', '2026-03-04-07-00-00'],
    ]);
    expect(parseOssLogObjectName('logs/src22026-03-04-06-00-00-000A', { prefix: 'logs/' })).toEqual({
      key: 'logs/src22026-03-04-06-00-00-000A',
      sourceBucket: 'src2',
      stamp: '2026-03-04-06-00-00',
      unique: '000A',
    });
    expect(parseOssLogObjectName('logs/src2', { prefix: 'logs/' })).toBeNull();
    expect(parseOssLogObjectName('x', { prefix: '' })).toBeNull();
  });
});

test('lines written by the emulator parse back to what was asked', async () => {
  const emu = await startTestEmulator();
  try {
    const bucket = uniqueBucket('parser');
    const c = emu.client();
    await c.putBucket(bucket);
    await c.putBucketLogging(bucket, 'al/');
    const odd = `dir/a "quoted" key + plus %25 ${randomBytes(2).toString('hex')} 記錄.json`;
    const v4 = makeClient(emu.handle.url, emu.accessKeyId, emu.accessKeySecret, { bucket, v4: true });
    await v4.put(odd, Buffer.from('12345'));
    await fetch(v4.signatureUrl(odd), { headers: { 'user-agent': 'tool "x" / 1.0 " "', referer: 'r e f' } });
    await emu.handle.flushAccessLogs();
    const keys = (await v4.listV2({ prefix: 'al/' })).objects.map((o) => o.name);
    const [name] = listOssLogObjects(keys, { prefix: 'al/', sourceBucket: bucket });
    expect(name).toBeDefined();
    const lines = parseOssAccessLog((await v4.get((name as { key: string }).key)).content.toString('utf8'));
    const entries = lines.map((l) => ok(l.result));
    const put = entries.find((e) => e.operation === 'PutObject');
    expect(put).toMatchObject({ objectKey: odd, bucket, objectSize: 5, accessKeyId: emu.accessKeyId });
    const get = entries.find((e) => e.operation === 'GetObject');
    expect(get).toMatchObject({ objectKey: odd, referer: 'r e f', sentBytes: 5 });
    // The emulator percent-encodes quotes in quoted fields: its lines are never ambiguous.
    expect(get?.userAgent).toBe('tool %22x%22 / 1.0 %22 %22');
  } finally {
    await emu.stop();
  }
});
