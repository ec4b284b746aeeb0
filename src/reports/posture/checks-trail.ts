/** Checks of 7(e)(ii) to 7(g) and Schedule 8 27(d): the trail's completeness, users, SFC access, ALP reports. */
import {
  humanAge,
  missing,
  seconds,
  worst,
  type CheckContext,
  type LineResult,
  type PostureStatus,
} from './lines';

export function trailChecks(ctx: CheckContext): void {
  const { facts, thresholds, now, line } = ctx;
  // 7(e)(ii): the trail is complete (checkpoints) and sealed.
  {
    const c = facts.checkpoint;
    let result: LineResult;
    if (!c.available) result = missing('The last checkpoint', c);
    else if (c.value.last === null)
      result = { status: 'failing', summary: 'no checkpoint has been signed', evidence: ['no checkpoint'] };
    else {
      const age = seconds(c.value.last.at, now);
      result = {
        status: age > thresholds.checkpointMaxAgeSeconds ? 'failing' : 'ok',
        summary: `last checkpoint ${humanAge(age)} old (tree size ${c.value.last.treeSize})`,
        evidence: [`signed at ${c.value.last.at}`, `limit ${humanAge(thresholds.checkpointMaxAgeSeconds)}`],
      };
    }
    line(
      'checkpoint',
      '7(e)(ii)',
      'A recent signed checkpoint proves the ledger complete and unaltered',
      result,
    );
  }
  {
    const s = facts.sealing;
    let result: LineResult;
    if (!s.available) result = missing('Sealing of the audit trail', s);
    else if (s.value.unsealedEvents === 0 || s.value.oldestUnsealedAt === null) {
      result = { status: 'ok', summary: 'every audit event is sealed', evidence: ['0 unsealed events'] };
    } else {
      const lag = seconds(s.value.oldestUnsealedAt, now);
      result = {
        status: lag > thresholds.sealingMaxLagSeconds ? 'warning' : 'ok',
        summary: `${s.value.unsealedEvents} events unsealed, oldest ${humanAge(lag)} old`,
        evidence: [
          `oldest unsealed event at ${s.value.oldestUnsealedAt}`,
          `limit ${humanAge(thresholds.sealingMaxLagSeconds)}`,
        ],
      };
    }
    line(
      'sealing',
      '7(e)(ii)',
      'Audit events are sealed into the locked audit bucket without undue lag',
      result,
    );
  }

  // 7(e): kept as long as the records; read-only; unique users.
  {
    const b = facts.buckets;
    let result: LineResult;
    if (!b.available) result = missing('The audit bucket', b);
    else {
      const audit = b.value.find((x) => x.role === 'audit');
      const longest = Math.max(
        0,
        ...b.value.filter((x) => x.role === 'records').map((x) => x.configuredDays),
      );
      const r = audit?.retention;
      if (!audit || !audit.exists)
        result = {
          status: 'failing',
          summary: 'no audit bucket',
          evidence: ['the audit bucket does not exist'],
        };
      else if (!r || !r.available)
        result = missing('The audit bucket policy', r ?? { available: false, reason: 'unknown' });
      else if (r.value.state !== 'Locked' || (r.value.days ?? 0) < longest) {
        result = {
          status: 'failing',
          summary: `the audit bucket keeps events ${r.value.state === 'Locked' ? `${r.value.days} days, less than the longest record class (${longest})` : `under a ${r.value.state} policy`}`,
          evidence: [
            `${audit.bucket}: ${r.value.state}, ${r.value.days ?? 0} days; longest records class ${longest} days`,
          ],
        };
      } else {
        result = {
          status: 'ok',
          summary: `Locked for ${r.value.days} days, at least the longest record class (${longest})`,
          evidence: [
            `${audit.bucket}: Locked, ${r.value.days} days`,
            'audit events are append-only in the catalog (triggers refuse UPDATE and DELETE)',
          ],
        };
      }
    }
    line('audit-retention', '7(e)', 'The audit trail is kept read-only, as long as the records', result);
  }
  const principals = facts.principals;
  line(
    'unique-users',
    '7(e)',
    'Each user who accesses records is uniquely identified',
    principals.available
      ? {
          status: 'ok',
          summary: `${principals.value.filter((p) => p.active).length} active principals, each with its own id`,
          evidence: Object.entries(
            principals.value
              .filter((p) => p.active)
              .reduce<Record<string, number>>(
                (acc, p) => ((acc[`${p.role} (${p.kind})`] = (acc[`${p.role} (${p.kind})`] ?? 0) + 1), acc),
                {},
              ),
          ).map(([k, n]) => `${n} × ${k}`),
        }
      : missing('The principals', principals),
  );

  // 7(f): not impairing the SFC's access.
  {
    const s = facts.signedUrls;
    line(
      'signed-urls',
      '7(f)',
      'Signed URLs for the SFC: HTTPS only, expiring within 7 days',
      !s.available
        ? missing('The signed-URL settings', s)
        : s.value.maxExpirySeconds > thresholds.signedUrlMaxExpirySeconds || !s.value.httpsOnly
          ? {
              status: 'failing',
              summary: `signed URLs ${s.value.httpsOnly ? '' : 'over plain HTTP, '}expire after up to ${humanAge(s.value.maxExpirySeconds)}`,
              evidence: [`maximum expiry ${s.value.maxExpirySeconds} s; HTTPS only: ${s.value.httpsOnly}`],
            }
          : {
              status: 'ok',
              summary: `HTTPS, at most ${humanAge(s.value.maxExpirySeconds)}`,
              evidence: [`maximum expiry ${s.value.maxExpirySeconds} s`],
            },
    );
    const h = facts.holds;
    line(
      'holds',
      '7(f)',
      'Records under investigation are held beyond their retention',
      !h.available
        ? missing('Open holds', h)
        : {
            status: 'ok',
            summary: `${h.value.open} open holds`,
            evidence: [h.value.oldestSince ? `oldest open since ${h.value.oldestSince}` : 'no open hold'],
          },
    );
  }

  // 7(g) (FAQ): at least two named compliance principals.
  {
    let result: LineResult;
    if (!principals.available) result = missing('The compliance principals', principals);
    else {
      const named = principals.value.filter((p) => p.role === 'compliance' && p.kind === 'user' && p.active);
      const n = named.length;
      const min = thresholds.minCompliancePrincipals;
      result = {
        status: n >= min ? 'ok' : n === 0 ? 'failing' : 'warning',
        summary: `${n} active named compliance principal${n === 1 ? '' : 's'}${n < min ? `, fewer than ${min}` : ''}`,
        evidence: named.length > 0 ? named.map((p) => `${p.name} (${p.id})`) : ['none'],
      };
    }
    line(
      'compliance-principals',
      '7(g)',
      `At least ${thresholds.minCompliancePrincipals} named compliance principals can reach all records`,
      result,
    );
  }

  // Code of Conduct Schedule 8 para 27(d): ALP reports due.
  {
    const a = facts.alpReportsDue;
    let result: LineResult;
    if (!a.available) result = missing('ALP reports due', a);
    else if (a.value.length === 0)
      result = {
        status: 'ok',
        summary: 'no ALP report due',
        evidence: ['no ALP traded in the months whose reports are due'],
      };
    else {
      const per = a.value.map((r) => {
        const pending = r.archived !== true;
        const status: PostureStatus = !pending
          ? 'ok'
          : r.state === 'overdue'
            ? 'failing'
            : r.state === 'warning'
              ? 'warning'
              : 'ok';
        const archived =
          r.archived === null ? 'archive status not available' : r.archived ? 'archived' : 'not archived';
        return {
          status,
          evidence: `${r.alpId} ${r.month}: due ${r.dueDate} (warn from ${r.warnFrom}), ${archived}`,
        };
      });
      const status = worst(per.map((p) => p.status));
      result = {
        status,
        summary:
          status === 'ok'
            ? `${per.length} ALP reports tracked, none pressing`
            : `${per.filter((p) => p.status !== 'ok').length} ALP reports ${status === 'failing' ? 'overdue' : 'due soon'} and not archived`,
        evidence: per.map((p) => `${p.status === 'ok' ? '' : `[${p.status}] `}${p.evidence}`),
      };
    }
    line(
      'alp-reports',
      'Sch. 8 27(d)',
      'ALP monthly top-10 reports archived within 10 business days of the month',
      result,
    );
  }
}
