import { available, type BucketFacts, type PostureFacts } from '../../src/reports';

export const NOW = '2026-12-03T04:00:00.000Z';
const hoursAgo = (h: number): string => new Date(Date.parse(NOW) - h * 3600_000).toISOString();

function bucket(name: string, role: BucketFacts['role'], days: number, className?: string): BucketFacts {
  return {
    bucket: name,
    role,
    ...(className ? { className } : {}),
    configuredDays: days,
    exists: true,
    retention: available({ state: 'Locked', days, since: '2026-01-02T00:00:00.000Z' }),
    logging:
      role === 'logs'
        ? { available: false, reason: 'the logs bucket does not log to itself' }
        : available({ targetBucket: 'sr-logs', targetPrefix: 'access-log/' }),
    encryption: available({ algorithm: 'KMS', keyId: 'key-1' }),
    httpsOnly: available({
      statement: '{"Effect":"Deny","Condition":{"Bool":{"acs:SecureTransport":["false"]}}}',
    }),
  };
}

/** A deployment that meets every line: the tests spoil one fact at a time. */
export function healthyFacts(): PostureFacts {
  return {
    gatheredAt: NOW,
    operator: available('Example Securities Limited'),
    edsp: available({
      provider: 'Alibaba Cloud OSS',
      region: 'oss-cn-hongkong',
      endpoint: 'https://oss-cn-hongkong.aliyuncs.com',
    }),
    edspDocuments: available([{ documentType: 'edsp_notice', recordId: 'DOC-EDSP-1', date: '2026-01-02' }]),
    logsBucket: 'sr-logs',
    buckets: available([
      bucket('sr-records-7y', 'records', 2557, '7y'),
      bucket('sr-records-6m', 'records', 183, '6m'),
      bucket('sr-audit', 'audit', 2557),
      bucket('sr-exports', 'exports', 2557),
      bucket('sr-logs', 'logs', 2557),
    ]),
    principals: available([
      { id: 'usr_1', name: 'alice', role: 'compliance', kind: 'user', active: true },
      { id: 'usr_2', name: 'bob', role: 'compliance', kind: 'user', active: true },
      { id: 'usr_3', name: 'carol', role: 'auditor', kind: 'user', active: true },
      { id: 'sys_1', name: 'oms', role: 'ingest', kind: 'system', active: true },
    ]),
    checkpoint: available({
      last: { treeSize: 1200, at: hoursAgo(1) },
      history: [25, 19, 13, 7, 1].map((h, i) => ({ at: hoursAgo(h), treeSize: 200 * (i + 2) })),
    }),
    sealing: available({ unsealedEvents: 40, oldestUnsealedAt: hoursAgo(2) }),
    logImport: available({ importedUpTo: hoursAgo(1.5) }),
    unknownKeyAccesses: available({ count: 0, since: '2026-11-01T00:00:00.000Z', examples: [] }),
    fixity: available([
      { kind: 'deep', startedAt: hoursAgo(30), finishedAt: hoursAgo(28), checked: 5000, failures: 0 },
    ]),
    holds: available({ open: 1, oldestSince: '2026-10-01T00:00:00.000Z' }),
    alpReportsDue: available([
      {
        month: '2026-11',
        alpId: 'ALP-A',
        dueDate: '2026-12-14',
        warnFrom: '2026-12-09',
        state: 'not_due',
        archived: false,
      },
    ]),
    signedUrls: available({ maxExpirySeconds: 86_400, httpsOnly: true }),
    recordsPerDay: available(
      Array.from({ length: 90 }, (_, i) => ({
        date: new Date(Date.parse('2026-09-05T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10),
        count: (i * 37) % 50,
      })),
    ),
    auditEventsBySource: available([
      { source: 'archive API', count: 5400 },
      { source: 'OSS access logs', count: 1200 },
      { source: 'control plane', count: 30 },
    ]),
  };
}
