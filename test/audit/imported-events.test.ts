import { eventsCsv } from '../../src/audit/format';
import {
  actionTrailEvent,
  actionTrailTarget,
  ossLogEvent,
  safeParameters,
} from '../../src/audit/imported-events';
import { parseOssAccessLogLine } from '../../src/audit/oss-access-log';
import { AUDIT_GENESIS_HASH, auditEventHash } from '../../src/catalog/hashing';
import type { AuditEvent } from '../../src/catalog/types';
import type { CloudEvent } from '../../src/cloud/actiontrail';

const LINE =
  '10.0.0.7 - - [21/Nov/2026:16:00:04 +0800] "GET /2026/11/21/T-1.json?Expires=1&OSSAccessKeyId=STS.abc&Signature=SECRETSIG HTTP/1.1" 200 368 10 ' +
  '"https://example.com/?Signature=SECRETREF" "aliyun-sdk-js/6.23.0" "bucket.oss-cn-hongkong.aliyuncs.com" ' +
  '"5FF16B65F05BC932307A3C3C" "true" "1657183691453700" "GetObject" "strongroom-records-7y" "2026%2F11%2F21%2FT-1.json" ' +
  '368 9 "-" 21 "1657183691453700" - "-" "standard" "-" "-" "STS.NUgYrLnoC37mZZCNnAbez2" ' +
  '"acs:oss:cn-hongkong:1657183691453700:strongroom-records-7y"';

test('an access-log line: operation, target oss://bucket/key, status, IP, bytes, key id and attribution; no signature', () => {
  const parsed = parseOssAccessLogLine(LINE);
  if (!parsed.ok) throw new Error(parsed.reason);
  const event = ossLogEvent(
    parsed.entry,
    {
      kind: 'sts',
      principalId: 'sts:STS.NUgYrLnoC37mZZCNnAbez2',
      purpose: 'export',
      exportId: 'exp_1',
      recipient: 'sfc',
    },
    {
      sourceBucket: 'strongroom-records-7y',
      logObject: 'access-log/strongroom-records-7y2026-11-21-08-00-00-1',
      line: 3,
    },
  );
  expect(event).toEqual({
    eventId: 'oss:strongroom-records-7y:5FF16B65F05BC932307A3C3C',
    at: new Date('2026-11-21T08:00:04Z'),
    principalId: 'sts:STS.NUgYrLnoC37mZZCNnAbez2',
    action: 'oss.GetObject',
    target: 'oss://strongroom-records-7y/2026/11/21/T-1.json',
    outcome: 'allowed',
    ip: '10.0.0.7',
    requestId: '5FF16B65F05BC932307A3C3C',
    source: 'oss-access-log',
    details: {
      operation: 'GetObject',
      bucket: 'strongroom-records-7y',
      key: '2026/11/21/T-1.json',
      status: 200,
      sentBytes: 368,
      objectSize: 368,
      accessKeyId: 'STS.NUgYrLnoC37mZZCNnAbez2',
      requesterId: '1657183691453700',
      errorCode: null,
      method: 'GET',
      userAgent: 'aliyun-sdk-js/6.23.0',
      logObject: 'access-log/strongroom-records-7y2026-11-21-08-00-00-1',
      line: 3,
      attribution: 'sts',
      purpose: 'export',
      exportId: 'exp_1',
      recipient: 'sfc',
    },
  });
  expect(JSON.stringify(event)).not.toMatch(/SECRET/);
  const denied = parseOssAccessLogLine(LINE.replace('" 200 368 10 "', '" 403 0 10 "'));
  if (!denied.ok) throw new Error(denied.reason);
  expect(
    ossLogEvent(
      denied.entry,
      { kind: 'unknown', principalId: 'unknown' },
      { sourceBucket: 'b', logObject: 'k', line: 1 },
    ).outcome,
  ).toBe('denied');
});

test('an ActionTrail event: the bucket as target, the STS answer and secret-looking parameters left out', () => {
  const raw = {
    eventId: 'E1',
    eventName: 'InitiateBucketWorm',
    eventTime: '2026-11-21T08:00:00Z',
    requestParameters: {
      BucketName: 'strongroom-audit',
      SecurityToken: 'TOKEN-SECRET',
      nested: { accessKeySecret: 'x' },
    },
    responseElements: { Credentials: { AccessKeySecret: 'RESPONSE-SECRET' } },
  };
  const e: CloudEvent = {
    eventId: 'E1',
    eventName: 'InitiateBucketWorm',
    eventTime: new Date('2026-11-21T08:00:00Z'),
    serviceName: 'Oss',
    resourceName: 'strongroom-audit',
    sourceIpAddress: '10.0.0.9',
    requestId: 'R1',
    userIdentity: { type: 'ram-user', accessKeyId: 'LTAIother', userName: 'mallory' },
    raw,
  };
  const event = actionTrailEvent(e, { kind: 'unknown', principalId: 'unknown' });
  expect(event).toMatchObject({
    eventId: 'actiontrail:E1',
    action: 'actiontrail.InitiateBucketWorm',
    target: 'oss://strongroom-audit',
    outcome: 'allowed',
    source: 'actiontrail',
    principalId: 'unknown',
  });
  expect(event.details).toMatchObject({
    userName: 'mallory',
    accessKeyId: 'LTAIother',
    attribution: 'unknown',
  });
  expect(JSON.stringify(event)).not.toMatch(/SECRET/);
  expect(safeParameters({ Password: 'p', Signature: 's', ok: 1 })).toEqual({
    Password: '[redacted]',
    Signature: '[redacted]',
    ok: 1,
  });
  expect(actionTrailTarget({ ...e, resourceName: 'strongroom-records-7y/2026/a.json' })).toBe(
    'oss://strongroom-records-7y/2026/a.json',
  );
  expect(
    actionTrailEvent({ ...e, errorCode: 'AccessDenied' }, { kind: 'unknown', principalId: 'unknown' })
      .outcome,
  ).toBe('denied');
});

test('audit CSV opens safely in a spreadsheet: formula-like cells are neutralised, quotes and breaks quoted', () => {
  const base = {
    seq: 0,
    eventId: 'evt_1',
    at: new Date('2026-11-21T08:00:00Z'),
    principalId: '=HYPERLINK("http://evil")',
    action: '+cmd',
    target: '@SUM(A1:A9)',
    outcome: 'allowed' as const,
    ip: '-1+1',
    requestId: '\tx',
    details: '{"a":"line\\nbreak, \\"q\\""}',
    source: 'api' as const,
    prevHash: AUDIT_GENESIS_HASH,
  };
  const event: AuditEvent = { ...base, hash: auditEventHash(base) };
  const csv = eventsCsv([event]);
  const [header, row] = csv.split('\r\n');
  expect(header).toBe(
    'seq,at,source,principalId,action,target,outcome,ip,requestId,eventId,details,prevHash,hash',
  );
  expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
  expect(row).toContain(",'+cmd,'@SUM(A1:A9),allowed,'-1+1,'\tx,");
  // No cell starts with a formula character.
  for (const cell of (row as string).split(',')) expect(cell).not.toMatch(/^"?[=+\-@\t\r]/);
});
