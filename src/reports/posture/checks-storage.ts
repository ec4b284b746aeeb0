/** Checks of 7(a) to 7(e)(i): the EDSP, its buckets (retention, encryption, HTTPS, logging), data at rest. */

/** An `http://` URL on this machine's loopback interface (the local emulator). */
function isLoopbackHttp(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\./.test(url.hostname))
  );
}
import {
  factOf,
  humanAge,
  isResult,
  missing,
  perBucket,
  seconds,
  worst,
  type CheckContext,
  type LineResult,
  type PostureStatus,
} from './lines';

export function storageChecks(ctx: CheckContext): void {
  const { facts, thresholds, now, line } = ctx;
  // 7(a)/(b): who the EDSP is, and its undertaking or notice kept as records.
  {
    const e = facts.edsp;
    const d = facts.edspDocuments;
    const evidence: string[] = [];
    const statuses: PostureStatus[] = [];
    const flag = (text: string): void => {
      statuses.push('warning');
      evidence.push(text);
    };
    if (e.available) evidence.push(`EDSP ${e.value.provider}, region ${e.value.region}`);
    else flag(`EDSP not available: ${e.reason}`);
    if (!d.available) flag(`archived undertaking or notice not available: ${d.reason}`);
    else if (d.value.length === 0) flag('no EDSP undertaking or notice is archived as a document record');
    else
      for (const doc of d.value)
        evidence.push(`${doc.documentType} archived as ${doc.recordId} (${doc.date})`);
    const status = worst(statuses);
    line(
      'edsp-undertaking',
      '7(a)/(b)',
      'The EDSP is named and its undertaking (or the notice) is kept as a record',
      {
        status,
        summary:
          status === 'ok'
            ? 'EDSP named, undertaking or notice archived'
            : 'EDSP documents cannot all be shown',
        evidence,
      },
    );
  }

  // 7(c): suitable and reliable.
  line(
    'region',
    '7(c)',
    'Region and endpoint of the EDSP',
    facts.edsp.available
      ? {
          status: 'ok',
          summary: `${facts.edsp.value.region} at ${facts.edsp.value.endpoint}`,
          evidence: [`region ${facts.edsp.value.region}`, `endpoint ${facts.edsp.value.endpoint}`],
        }
      : missing('The region and endpoint', facts.edsp),
  );
  line(
    'retention',
    '7(c)',
    'Every bucket has a Locked retention policy with at least the days of its class',
    perBucket(
      facts.buckets,
      'Retention locked',
      () => true,
      (b) => {
        const r = factOf(b.retention, b.bucket, 'retention policy');
        if (isResult(r)) return r;
        const what = `${b.bucket}${b.className ? ` (class ${b.className})` : ` (${b.role})`}`;
        if (r.state === 'None') return { status: 'failing', evidence: `${what}: no retention policy` };
        if (r.state !== 'Locked')
          return {
            status: 'failing',
            evidence: `${what}: policy is ${r.state}, not Locked (${r.days} days)`,
          };
        if ((r.days ?? 0) < b.configuredDays) {
          return {
            status: 'failing',
            evidence: `${what}: Locked with ${r.days} days, fewer than the ${b.configuredDays} configured`,
          };
        }
        return {
          status: 'ok',
          evidence: `${what}: Locked, ${r.days} days (configured ${b.configuredDays})${r.since ? ` since ${r.since}` : ''}`,
        };
      },
    ),
  );
  line(
    'encryption',
    '7(c)',
    'Server-side encryption on every bucket',
    perBucket(
      facts.buckets,
      'Server-side encryption',
      () => true,
      (b) => {
        const e = factOf(b.encryption, b.bucket, 'encryption');
        if (isResult(e)) return e;
        if (e === null)
          return { status: 'failing', evidence: `${b.bucket}: no default server-side encryption` };
        return {
          status: 'ok',
          evidence: `${b.bucket}: ${e.algorithm}${e.keyId ? ` with key ${e.keyId}` : ''}`,
        };
      },
    ),
  );
  {
    // A plain-HTTP endpoint on this machine is the local emulator: provision does not attach the
    // HTTPS-only policy there (it would refuse the archive itself), which is a warning, not a
    // pass. Any other plain-HTTP endpoint fails (docs/decisions/0020-secure-transport.md).
    const endpoint = facts.edsp.available ? facts.edsp.value.endpoint : null;
    const plainLocal = endpoint !== null && isLoopbackHttp(endpoint);
    const result = perBucket(
      facts.buckets,
      'HTTPS only',
      () => true,
      (b) => {
        const h = factOf(b.httpsOnly, b.bucket, 'bucket policy');
        if (isResult(h)) return h;
        if (h !== null)
          return {
            status: 'ok',
            evidence: `${b.bucket}: the bucket policy denies plain HTTP: ${h.statement}`,
          };
        return plainLocal
          ? {
              status: 'warning',
              evidence: `${b.bucket}: no HTTPS-only bucket policy (not attached over the local plain-HTTP endpoint)`,
            }
          : { status: 'failing', evidence: `${b.bucket}: no bucket policy denies plain HTTP` };
      },
    );
    if (endpoint !== null && !endpoint.startsWith('https://')) {
      const status: PostureStatus = plainLocal ? 'warning' : 'failing';
      result.status = worst([result.status, status]);
      result.summary = plainLocal
        ? `the archive reaches a local emulator over plain HTTP (${endpoint}): not HTTPS-only`
        : `the archive reaches the EDSP over plain HTTP (${endpoint})`;
      result.evidence.unshift(`[${status}] endpoint ${endpoint} is not HTTPS`);
    }
    line('https-only', '7(c)', 'HTTPS only: the endpoint and a bucket policy on every bucket', result);
  }

  // 7(d): records fully accessible and reproducible; data at rest checked.
  {
    const f = facts.fixity;
    let result: LineResult;
    if (!f.available) result = missing('Checks of data at rest', f);
    else if (f.value.length === 0)
      result = { status: 'warning', summary: 'no fixity sweep has run', evidence: ['no sweep recorded'] };
    else {
      const latest = [...f.value].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
      const last = latest[0] as (typeof latest)[number];
      const age = seconds(last.finishedAt ?? last.startedAt, now);
      const failures = latest.filter((s) => s.failures > 0);
      const status: PostureStatus =
        last.failures > 0
          ? 'failing'
          : age > thresholds.fixityMaxAgeSeconds || last.finishedAt === null
            ? 'warning'
            : 'ok';
      result = {
        status,
        summary:
          status === 'failing'
            ? `the last sweep found ${last.failures} objects that do not match`
            : status === 'warning'
              ? `the last sweep is ${last.finishedAt === null ? 'unfinished' : `${humanAge(age)} old`}`
              : `last sweep ${humanAge(age)} ago, no mismatch`,
        evidence: latest
          .slice(0, 5)
          .map(
            (s) =>
              `${s.kind} sweep ${s.startedAt}${s.finishedAt ? ` to ${s.finishedAt}` : ' (running)'}: ${s.checked} checked, ${s.failures} failures`,
          ),
      };
      if (failures.length > 0 && last.failures === 0)
        result.evidence.push(`${failures.length} earlier sweeps had failures`);
    }
    line(
      'fixity',
      '7(d)',
      'Records are checked at rest (periodic fixity sweeps) and can be reproduced',
      result,
    );
  }

  // 7(e)(i): the audit trail includes access that bypasses the archive.
  line(
    'access-logging',
    '7(e)(i)',
    `Access logging of every bucket to ${facts.logsBucket}, imported into the audit trail`,
    perBucket(
      facts.buckets,
      'Access logging',
      (b) => b.role !== 'logs',
      (b) => {
        const l = factOf(b.logging, b.bucket, 'logging');
        if (isResult(l)) return l;
        if (l === null) return { status: 'failing', evidence: `${b.bucket}: access logging is off` };
        if (l.targetBucket !== facts.logsBucket) {
          return {
            status: 'failing',
            evidence: `${b.bucket}: access logs go to ${l.targetBucket}, not ${facts.logsBucket}`,
          };
        }
        return { status: 'ok', evidence: `${b.bucket}: logs to ${l.targetBucket}/${l.targetPrefix}` };
      },
    ),
  );
  {
    const f = facts.logImport;
    let result: LineResult;
    const positions = f.available
      ? (f.value.sources ?? []).map((s) => `${s.name}: ${s.position ?? 'nothing imported yet'}`)
      : [];
    if (!f.available) result = missing('The access-log import', f);
    else if (f.value.importedUpTo === null)
      result = {
        status: 'warning',
        summary: 'no access log imported yet',
        evidence: ['nothing imported', ...positions],
      };
    else {
      const lag = seconds(f.value.importedUpTo, now);
      result = {
        status: lag > thresholds.logImportMaxLagSeconds ? 'warning' : 'ok',
        summary: `access logs imported up to ${humanAge(lag)} ago`,
        evidence: [
          `imported up to ${f.value.importedUpTo}; limit ${humanAge(thresholds.logImportMaxLagSeconds)}`,
          ...positions,
        ],
      };
    }
    line(
      'log-import',
      '7(e)(i)',
      'OSS access logs are imported into the audit trail without undue lag',
      result,
    );
  }
  {
    const f = facts.unknownKeyAccesses;
    line(
      'unknown-keys',
      '7(e)(i)',
      'No access by keys the archive does not know',
      !f.available
        ? missing('Accesses by unknown keys', f)
        : f.value.count === 0
          ? {
              status: 'ok',
              summary: `none since ${f.value.since}`,
              evidence: [`0 accesses by unknown keys since ${f.value.since}`],
            }
          : {
              status: 'failing',
              summary: `${f.value.count} accesses by unknown keys since ${f.value.since}`,
              evidence: f.value.examples.slice(0, 10),
            },
    );
  }
}
