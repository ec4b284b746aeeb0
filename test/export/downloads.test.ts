/**
 * Downloads seen in GET /v1/exports/:id come from imported access-log events (source
 * `oss-access-log`, details as the audit trail's importer writes them: docs/decisions/0018). The
 * reading of one event, over events shaped exactly like the importer's (test/export/exports-api.test.ts
 * drives the importer itself).
 */
import type { AuditEvent } from '../../src/catalog';
import { downloadOf } from '../../src/export/service';

const link = {
  exportId: 'ex-20261201-0123456789ab',
  issuedAt: new Date('2026-12-01T01:00:00Z'),
  expiresAt: new Date('2026-12-01T13:00:00Z'),
  issuedBy: 'usr_1',
  accessKeyId: 'STS.abc',
};

function event(
  details: Record<string, unknown>,
  source: AuditEvent['source'] = 'oss-access-log',
): AuditEvent {
  return {
    seq: 7,
    eventId: 'oss:strongroom-exports:req1',
    at: new Date('2026-12-01T02:03:04Z'),
    principalId: null,
    action: 'oss.GetObject',
    target: 'oss://strongroom-exports/exports/ex-20261201-0123456789ab.zip',
    outcome: 'allowed',
    ip: '203.0.113.9',
    requestId: 'req1',
    details: JSON.stringify(details),
    source,
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
  };
}

test('a GetObject line of the link is a download by the recipient, with its address, bytes and status', () => {
  const d = downloadOf(
    event({ operation: 'GetObject', status: 200, sentBytes: 12345, accessKeyId: 'STS.abc', method: 'GET' }),
    [link],
    'Jane Officer',
  );
  expect(d).toEqual({
    at: '2026-12-01T02:03:04.000Z',
    ip: '203.0.113.9',
    bytes: 12345,
    status: 200,
    recipient: 'Jane Officer',
  });
});

test('a refused GET by another key is shown, not attributed; other operations and sources are not downloads', () => {
  expect(
    downloadOf(
      event({ operation: 'GetObject', status: 403, sentBytes: 0, accessKeyId: 'LTAIother' }),
      [link],
      'Jane',
    ),
  ).toMatchObject({ status: 403, recipient: null });
  expect(downloadOf(event({ operation: 'HeadObject', status: 200 }), [link], 'Jane')).toBeNull();
  // The bag's own upload and reads of its metadata are not downloads either.
  expect(downloadOf(event({ operation: 'PutObject', status: 200 }), [link], 'Jane')).toBeNull();
  expect(downloadOf(event({ operation: 'GetObjectMeta', status: 200 }), [link], 'Jane')).toBeNull();
  expect(downloadOf(event({ operation: 'GetObject', status: 200 }, 'api'), [link], 'Jane')).toBeNull();
});
