/**
 * `strongroom audit query`: the audit trail, filtered, as a table, CSV or JSON (straight from the
 * catalog, like `users`); `strongroom audit import`: the OSS access-log and ActionTrail importers
 * once (what `serve` runs every audit.importSeconds); `strongroom audit seal`: seal what is pending.
 */
import type { Command } from 'commander';
import { eventView, eventsCsv, eventsTable, parseInstant } from '../../audit/format';
import type { ImportRun } from '../../audit/jobs';
import type { AuditQuery } from '../../catalog/evidence-types';
import { AUDIT_SOURCES, type AuditOutcome, type AuditSource } from '../../catalog/types';
import { ValidationError } from '../../errors';
import { archiveAuditParts } from '../../runtime/audit';
import { openCloud } from '../../runtime/cloud';
import { cliConfig, cliLogger, printJson, withCommonOptions, withStore, type CommonOptions } from '../common';
import type { Finish } from '../outcome';
import { openCliCatalog } from './users';

export interface AuditQueryOptions extends CommonOptions {
  from?: string;
  to?: string;
  principal?: string;
  action?: string;
  outcome?: string;
  target?: string;
  source?: string;
  afterSeq?: string;
  limit?: string;
  format?: string;
}

const FORMATS = ['table', 'csv', 'json'] as const;

function instantOption(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = parseInstant(value);
  if (d === undefined)
    throw new ValidationError(`--${name} must be a date (YYYY-MM-DD) or an RFC 3339 time with its offset`);
  return d;
}

/** The query the options describe; ValidationError naming the bad option. */
export function auditQueryOf(opts: AuditQueryOptions): AuditQuery {
  const limit = opts.limit === undefined ? 100 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new ValidationError('--limit must be an integer from 1 to 10000');
  const afterSeq = opts.afterSeq === undefined ? undefined : Number(opts.afterSeq);
  if (afterSeq !== undefined && (!Number.isSafeInteger(afterSeq) || afterSeq < 0))
    throw new ValidationError('--after-seq must be a non-negative integer');
  if (opts.outcome !== undefined && !['allowed', 'denied', 'error'].includes(opts.outcome))
    throw new ValidationError('--outcome must be allowed, denied or error');
  if (opts.source !== undefined && !(AUDIT_SOURCES as readonly string[]).includes(opts.source))
    throw new ValidationError(`--source must be one of ${AUDIT_SOURCES.join(', ')}`);
  const from = instantOption('from', opts.from);
  const to = instantOption('to', opts.to);
  if (from && to && from > to) throw new ValidationError('--to must not be before --from');
  return {
    limit,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(opts.principal !== undefined ? { principalId: opts.principal } : {}),
    ...(opts.action !== undefined ? { action: opts.action } : {}),
    ...(opts.outcome !== undefined ? { outcome: opts.outcome as AuditOutcome } : {}),
    ...(opts.target !== undefined ? { target: opts.target } : {}),
    ...(opts.source !== undefined ? { source: opts.source as AuditSource } : {}),
    ...(afterSeq !== undefined ? { afterSeq } : {}),
  };
}

export async function auditQueryCommand(opts: AuditQueryOptions): Promise<number> {
  const format = opts.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new ValidationError('--format must be table, csv or json');
  const query = auditQueryOf(opts);
  const catalog = await openCliCatalog(cliConfig(opts));
  try {
    const events = await catalog.queryAudit(query);
    const full = events.length === query.limit;
    const last = events[events.length - 1];
    if (format === 'json')
      printJson({ items: events.map(eventView), ...(full && last ? { nextAfterSeq: last.seq } : {}) });
    else if (format === 'csv') process.stdout.write(eventsCsv(events));
    else {
      process.stdout.write(eventsTable(events));
      if (full && last) process.stdout.write(`(more may follow: --after-seq ${last.seq})\n`);
    }
    return events.length;
  } finally {
    await catalog.close();
  }
}

export async function auditImportCommand(opts: CommonOptions): Promise<ImportRun> {
  const config = cliConfig(opts);
  const logger = cliLogger(config);
  const catalog = await openCliCatalog(config);
  try {
    const run = await withStore(
      config,
      async (handle) => {
        const cloud = openCloud(config, handle, logger);
        return archiveAuditParts({ config, catalog, handle, cloud, logger }).importOnce();
      },
      { as: 'service' },
    );
    if (opts.json) printJson(run);
    else {
      const o = run.ossAccessLogs;
      process.stdout.write(
        `OSS access logs: ${o.objects} log object(s), ${o.imported} event(s) imported, ${o.duplicates} already in the trail, ${o.unreadable} unreadable line(s)\n`,
      );
      const a = run.actionTrail;
      process.stdout.write(
        a
          ? `ActionTrail: ${a.imported} event(s) imported, ${a.duplicates} already in the trail\n`
          : 'ActionTrail: no control plane configured, nothing imported\n',
      );
    }
    return run;
  } finally {
    await catalog.close();
  }
}

/** Null when the catalog disagrees with what was sealed (nothing sealed; `strongroom verify audit` says where). */
export async function auditSealCommand(opts: CommonOptions): Promise<number | null> {
  const config = cliConfig(opts);
  const logger = cliLogger(config);
  const catalog = await openCliCatalog(config);
  try {
    const result = await withStore(
      config,
      async (handle) => {
        const cloud = openCloud(config, handle, logger);
        return archiveAuditParts({ config, catalog, handle, cloud, logger }).sealer.sealNow();
      },
      { as: 'service' },
    );
    if (opts.json) printJson(result);
    else if (result.tamper)
      process.stdout.write(
        `not sealed: ${result.tamper.summary} (strongroom verify audit names the first bad place)\n`,
      );
    else process.stdout.write(`${result.sealed.length} segment(s) sealed\n`);
    return result.tamper ? null : result.sealed.length;
  } finally {
    await catalog.close();
  }
}

export function register(program: Command, finish: Finish): void {
  const audit = program
    .command('audit')
    .description('the audit trail: query it, import OSS access logs and ActionTrail, seal');
  withCommonOptions(
    audit
      .command('query')
      .description('audit events, filtered (AND), in trail order')
      .option('--from <time>', 'events at or after (YYYY-MM-DD or RFC 3339 with offset)')
      .option('--to <time>', 'events before')
      .option('--principal <id>', 'principal id')
      .option('--action <action>', 'action, e.g. records.read, oss.GetObject')
      .option('--outcome <outcome>', 'allowed, denied or error')
      .option('--target <target>', 'exact target: a record id, oss://<bucket>/<key>')
      .option('--source <source>', 'api, oss-access-log or actiontrail')
      .option('--after-seq <seq>', 'events after this seq (the next page)')
      .option('--limit <n>', 'at most this many events (1..10000, default 100)')
      .option('--format <format>', 'table (default), csv or json'),
  ).action(async (opts: AuditQueryOptions) => {
    await auditQueryCommand(opts);
  });
  withCommonOptions(
    audit
      .command('import')
      .description('import the OSS access logs of every bucket and ActionTrail into the trail, once'),
  )
    .option('--json', 'machine-readable output')
    .action(async (opts: CommonOptions) => {
      await auditImportCommand(opts);
    });
  withCommonOptions(audit.command('seal').description('seal every pending audit event into segments now'))
    .option('--json', 'machine-readable output')
    .action(async (opts: CommonOptions) => {
      finish((await auditSealCommand(opts)) === null ? 'failed' : 'ok');
    });
}
