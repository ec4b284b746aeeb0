/**
 * `strongroom export create|list|status|link|download`: a client of /v1/exports (issue 11). The
 * token is --token or $STRONGROOM_TOKEN (a compliance principal's). The link's URL is printed for
 * the caller only; `download` fetches the bag through a fresh link, shows progress on a terminal
 * and checks the SHA-256 the archive recorded.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Command } from 'commander';
import {
  ChecksumMismatchError,
  ExportNotReadyError,
  NotFoundError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
} from '../../errors';
import { cliConfig, printJson, withCommonOptions, type CommonOptions } from '../common';
import type { Finish } from '../outcome';

export interface ApiOptions extends CommonOptions {
  url?: string;
  token?: string;
}

export interface CreateOptions extends ApiOptions {
  reference: string;
  recipientName: string;
  recipientOrg: string;
  recipientEmail?: string;
  purpose?: string;
  recordId?: string[];
  type?: string;
  from?: string;
  to?: string;
  client?: string;
  account?: string;
  instrument?: string;
  order?: string;
  trade?: string;
  audit?: boolean;
  dryRun?: boolean;
  wait?: boolean;
}

interface ExportView {
  id: string;
  status: 'building' | 'ready' | 'failed';
  reason?: string;
  reference: string;
  recipient: { name: string; organisation: string };
  counts: { records: number; bytes: number };
  bag: { bucket: string; key: string; sha256: string; size: number; ledgerIndex: number } | null;
  links?: { issuedAt: string; expiresAt: string; issuedBy: string }[];
  downloads?: { at: string; ip: string | null; bytes: number | null; status: number | null }[];
}

function client(opts: ApiOptions): { base: string; token: string } {
  const config = cliConfig(opts);
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const token = opts.token ?? process.env.STRONGROOM_TOKEN;
  if (!token)
    throw new UnauthenticatedError('no token: pass --token or set STRONGROOM_TOKEN (a compliance principal)');
  return { base: opts.url ?? `http://${host}:${config.server.port}`, token };
}

async function call<T>(opts: ApiOptions, method: string, path: string, body?: unknown): Promise<T> {
  const { base, token } = client(opts);
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new UnavailableError(`cannot reach the archive at ${base}: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (res.ok) return JSON.parse(text) as T;
  let message = text;
  let hint: string | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string; hint?: string } };
    message = `${parsed.error?.code ?? res.status}: ${parsed.error?.message ?? text}`;
    hint = parsed.error?.hint;
  } catch {
    // not JSON
  }
  const options = hint !== undefined ? { hint } : {};
  if (res.status === 401) throw new UnauthenticatedError(message, options);
  if (res.status === 404) throw new NotFoundError(message, options);
  if (res.status === 409) throw new ExportNotReadyError(message, options);
  if (res.status >= 500) throw new UnavailableError(message, options);
  throw new ValidationError(`the archive refused it (HTTP ${res.status}) ${message}`, options);
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function describe(v: ExportView): string {
  const lines = [
    `${v.id}: ${v.status}${v.reason ? ` (${v.reason})` : ''}`,
    `  reference ${v.reference}, for ${v.recipient.name} (${v.recipient.organisation})`,
    `  ${v.counts.records} records, ${mib(v.counts.bytes)}`,
  ];
  if (v.bag)
    lines.push(
      `  bag oss://${v.bag.bucket}/${v.bag.key}, ${mib(v.bag.size)}, sha256 ${v.bag.sha256}, ledger leaf ${v.bag.ledgerIndex}`,
    );
  for (const l of v.links ?? [])
    lines.push(`  link issued ${l.issuedAt} by ${l.issuedBy}, expires ${l.expiresAt}`);
  for (const d of v.downloads ?? [])
    lines.push(`  downloaded ${d.at} from ${d.ip ?? '?'}: HTTP ${d.status ?? '?'}, ${d.bytes ?? '?'} bytes`);
  return `${lines.join('\n')}\n`;
}

export async function exportCreate(
  opts: CreateOptions,
): Promise<ExportView | { counts: ExportView['counts'] }> {
  const criteria = Object.fromEntries(
    Object.entries({
      recordIds: opts.recordId && opts.recordId.length > 0 ? opts.recordId : undefined,
      type: opts.type,
      from: opts.from,
      to: opts.to,
      clientId: opts.client,
      accountId: opts.account,
      instrument: opts.instrument,
      orderId: opts.order,
      tradeId: opts.trade,
    }).filter(([, v]) => v !== undefined),
  );
  const body = {
    reference: opts.reference,
    recipient: {
      name: opts.recipientName,
      organisation: opts.recipientOrg,
      ...(opts.recipientEmail ? { email: opts.recipientEmail } : {}),
    },
    purpose: opts.purpose ?? `Records requested under reference ${opts.reference}`,
    criteria,
    includeAudit: opts.audit !== false,
  };
  if (opts.dryRun) {
    const dry = await call<{ counts: ExportView['counts'] }>(opts, 'POST', '/v1/exports?dryRun=true', body);
    if (opts.json) printJson(dry);
    else process.stdout.write(`${dry.counts.records} records, ${mib(dry.counts.bytes)} would be exported\n`);
    return dry;
  }
  let view = (await call<{ export: ExportView }>(opts, 'POST', '/v1/exports', body)).export;
  if (opts.wait) {
    const tty = Boolean(process.stderr.isTTY) && !opts.json;
    while (view.status === 'building') {
      if (tty) process.stderr.write(`\rbuilding ${view.id} (${view.counts.records} records)...`);
      await new Promise((r) => setTimeout(r, 1000));
      view = await exportStatus(view.id, { ...opts, json: false }, false);
    }
    if (tty) process.stderr.write('\n');
  }
  if (opts.json) printJson(view);
  else process.stdout.write(describe(view));
  return view;
}

export async function exportList(opts: ApiOptions): Promise<ExportView[]> {
  const { items } = await call<{ items: ExportView[] }>(opts, 'GET', '/v1/exports');
  if (opts.json) printJson(items);
  else
    for (const v of items)
      process.stdout.write(
        `${v.id}  ${v.status.padEnd(8)}  ${v.counts.records} records  ${v.reference}  ${v.recipient.name}\n`,
      );
  return items;
}

export async function exportStatus(id: string, opts: ApiOptions, print = true): Promise<ExportView> {
  const { export: view } = await call<{ export: ExportView }>(
    opts,
    'GET',
    `/v1/exports/${encodeURIComponent(id)}`,
  );
  if (print) {
    if (opts.json) printJson(view);
    else process.stdout.write(describe(view));
  }
  return view;
}

export async function exportLink(
  id: string,
  opts: ApiOptions & { ttlMinutes?: string },
  print = true,
): Promise<{ url: string; expiresAt: string }> {
  const ttl = opts.ttlMinutes === undefined ? undefined : Number(opts.ttlMinutes);
  const link = await call<{ url: string; expiresAt: string }>(
    opts,
    'POST',
    `/v1/exports/${encodeURIComponent(id)}/links`,
    ttl === undefined ? {} : { ttlMinutes: ttl },
  );
  if (print) {
    if (opts.json) printJson(link);
    else process.stdout.write(`${link.url}\nexpires ${link.expiresAt}\n`);
  }
  return link;
}

/** Downloads the bag through a fresh 15-minute link into `out` (via a temp file), checking its SHA-256. */
export async function exportDownload(
  id: string,
  opts: ApiOptions & { out: string },
): Promise<{ bytes: number; sha256: string }> {
  const view = await exportStatus(id, opts, false);
  if (!view.bag) throw new ExportNotReadyError(`export ${id} is ${view.status}: nothing to download yet`);
  const link = await exportLink(id, { ...opts, ttlMinutes: '15' }, false);
  const res = await fetch(link.url);
  if (!res.ok || !res.body) throw new UnavailableError(`the download was refused: HTTP ${res.status}`);
  const total = view.bag.size;
  const tty = Boolean(process.stderr.isTTY) && !opts.json;
  const tmp = `${opts.out}.part`;
  const file = fs.createWriteStream(tmp, { flags: 'wx' });
  const hash = createHash('sha256');
  let got = 0;
  let lastDraw = 0;
  const draw = (): void => {
    const pct = total > 0 ? Math.min(100, Math.floor((got / total) * 100)) : 100;
    const bar = '#'.repeat(Math.floor(pct / (100 / 30))).padEnd(30, '.');
    process.stderr.write(`\r[${bar}] ${pct}% ${mib(got)} of ${mib(total)}  `);
  };
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      got += chunk.length;
      if (!file.write(chunk)) await new Promise<void>((r) => file.once('drain', () => r()));
      if (tty && Date.now() - lastDraw > 100) {
        lastDraw = Date.now();
        draw();
      }
    }
    await new Promise<void>((resolve, reject) =>
      file.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    if (tty) {
      draw();
      process.stderr.write('\n');
    }
    const sha256 = hash.digest('hex');
    if (got !== total || sha256 !== view.bag.sha256)
      throw new ChecksumMismatchError(
        `the download has ${got} bytes with SHA-256 ${sha256}; the archive recorded ${total} bytes with ${view.bag.sha256}`,
      );
    fs.renameSync(tmp, opts.out);
    if (opts.json) printJson({ out: opts.out, bytes: got, sha256 });
    else process.stdout.write(`${opts.out}: ${got} bytes, SHA-256 ${sha256} (as recorded)\n`);
    return { bytes: got, sha256 };
  } catch (err) {
    file.destroy();
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

const collect = (value: string, prev: string[] = []): string[] => [...prev, value];

export function register(program: Command, finish: Finish): void {
  const api = (cmd: Command): Command =>
    withCommonOptions(cmd)
      .option('--url <url>', 'the archive API (default: http://<server.host>:<server.port>)')
      .option('--token <token>', 'API token of a compliance principal (default: $STRONGROOM_TOKEN)')
      .option('--json', 'print JSON');
  const exp = program
    .command('export')
    .description('answer an SFC request: build, list, link and download export bags');
  api(
    exp
      .command('create')
      .description('ask for an export of the records matching the criteria (POST /v1/exports)')
      .requiredOption('--reference <ref>', "the regulator's reference for the request")
      .requiredOption('--recipient-name <name>', 'the officer who receives it')
      .requiredOption('--recipient-org <org>', "the officer's organisation")
      .option('--recipient-email <email>', "the officer's e-mail")
      .option('--purpose <text>', 'why the records are produced (default: names the reference)')
      .option('--record-id <id>', 'a record id (repeat for several)', collect)
      .option('--type <type>', 'record type')
      .option('--from <date>', 'business date from, YYYY-MM-DD (inclusive)')
      .option('--to <date>', 'business date to, YYYY-MM-DD (inclusive)')
      .option('--client <id>', 'client id')
      .option('--account <id>', 'account id')
      .option('--instrument <id>', 'instrument, e.g. XHKG:0700')
      .option('--order <id>', 'order id')
      .option('--trade <id>', 'trade id')
      .option('--no-audit', "leave the records' audit trail out of the bag")
      .option('--dry-run', 'only count the records and bytes')
      .option('--wait', 'wait until the bag is ready (or failed)'),
  ).action(async (opts: CreateOptions) => {
    const v = await exportCreate(opts);
    finish('status' in v && v.status === 'failed' ? 'failed' : 'ok');
  });
  api(exp.command('list').description('the exports, newest first')).action(async (opts: ApiOptions) => {
    await exportList(opts);
    finish('ok');
  });
  api(exp.command('status <id>').description('an export: state, counts, bag, links, downloads')).action(
    async (id: string, opts: ApiOptions) => {
      const v = await exportStatus(id, opts);
      finish(v.status === 'failed' ? 'failed' : 'ok');
    },
  );
  api(
    exp
      .command('link <id>')
      .description('a signed download link for the recipient (printed here only)')
      .option('--ttl-minutes <m>', 'minutes the link works, 15 to 720 (default 720)'),
  ).action(async (id: string, opts: ApiOptions & { ttlMinutes?: string }) => {
    await exportLink(id, opts);
    finish('ok');
  });
  api(
    exp
      .command('download <id>')
      .description('download the bag through a fresh link and check its SHA-256')
      .requiredOption('--out <file>', 'where to write the ZIP'),
  ).action(async (id: string, opts: ApiOptions & { out: string }) => {
    await exportDownload(id, opts);
    finish('ok');
  });
}
