import os from 'node:os';
import type { Command } from 'commander';
import type { Alert } from '../../alerts/types';
import { CatalogAlertSink } from '../../alerts/sink';
import { ValidationError } from '../../errors';
import { renderTable } from '../../util/table';
import { cliConfig, cliLogger, printJson, withCommonOptions, type CommonOptions } from '../common';
import { openCliCatalog } from './users';

/**
 * `strongroom alerts list [--all] [--json]` and `strongroom alerts ack ID --reason TEXT`:
 * alerts (the catalog disagrees with the bucket, a damaged object...) stay open until a person
 * acknowledges them; the acknowledgement is an audit event (action `alert.acknowledge`, via the
 * CLI, with the OS user and host) committed with it. Alerts are never deleted.
 */

interface ListOptions extends CommonOptions {
  all?: boolean;
  json?: boolean;
}
interface AckOptions extends CommonOptions {
  reason?: string;
  json?: boolean;
}

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export async function alertsList(opts: ListOptions): Promise<Alert[]> {
  const config = cliConfig(opts);
  const catalog = await openCliCatalog(config);
  try {
    const alerts = await catalog.listAlerts({ ...(opts.all ? { all: true } : {}), limit: 1000 });
    if (opts.json) printJson(alerts);
    else if (alerts.length === 0) process.stdout.write(opts.all ? 'no alerts\n' : 'no open alerts\n');
    else
      process.stdout.write(
        renderTable(
          ['id', 'raised', 'source', 'kind', 'summary', 'acknowledged'],
          alerts.map((a) => [
            a.id,
            a.raisedAt.toISOString(),
            a.source,
            a.kind,
            a.summary,
            a.acknowledgedAt ? `${a.acknowledgedAt.toISOString()} by ${a.acknowledgedBy}` : 'OPEN',
          ]),
        ),
      );
    return alerts;
  } finally {
    await catalog.close();
  }
}

export async function alertsAck(id: string, opts: AckOptions): Promise<Alert> {
  const reason = opts.reason?.trim() ?? '';
  if (reason === '') throw new ValidationError('--reason is required: say what was found and done');
  const config = cliConfig(opts);
  const catalog = await openCliCatalog(config);
  try {
    const sink = new CatalogAlertSink(catalog, cliLogger(config));
    const by = `cli:${osUser()}@${os.hostname()}`;
    const { alert } = await sink.acknowledge(id, { principalId: by, reason });
    if (opts.json) printJson(alert);
    else process.stdout.write(`alert ${alert.id} acknowledged by ${by}\n`);
    return alert;
  } finally {
    await catalog.close();
  }
}

export function register(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('alerts: evidence that something is wrong (open until acknowledged; never deleted)');
  withCommonOptions(alerts.command('list').description('open alerts (all of them with --all)'))
    .option('--all', 'acknowledged ones too')
    .option('--json', 'machine-readable output')
    .action(async (opts: ListOptions) => {
      await alertsList(opts);
    });
  withCommonOptions(alerts.command('ack <id>').description('acknowledge an open alert (an audited act)'))
    .requiredOption('--reason <text>', 'what was found and done')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: AckOptions) => {
      await alertsAck(id, opts);
    });
}
