import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { Command } from 'commander';
import { BOOTSTRAP_TOKEN_FILE } from '../../auth';
import { UnauthenticatedError, UnavailableError, ValidationError } from '../../errors';
import { cliConfig, printJson, withCommonOptions, type CommonOptions } from '../common';
import type { Finish, Outcome } from '../outcome';

export interface IngestOptions extends CommonOptions {
  type?: string;
  format?: string;
  url?: string;
  token?: string;
  /** Write every result line (receipt or error) to this file as NDJSON. */
  results?: string;
}

export interface IngestSummary {
  lines: number;
  created: number;
  existing: number;
  failed: number;
  /** The first few failures, for the summary. */
  errors: { line: number; code: string; message: string }[];
}

/** The token: --token, then $STRONGROOM_TOKEN, then the local first-start ingest token. */
export function resolveToken(opts: Pick<IngestOptions, 'token'>, dataDir: string): string {
  if (opts.token) return opts.token;
  if (process.env.STRONGROOM_TOKEN) return process.env.STRONGROOM_TOKEN;
  try {
    const file = JSON.parse(fs.readFileSync(path.join(dataDir, BOOTSTRAP_TOKEN_FILE), 'utf8')) as {
      ingest?: { token?: string };
    };
    if (file.ingest?.token) return file.ingest.token;
  } catch {
    // no local token file
  }
  throw new UnauthenticatedError(
    'no token: pass --token, set STRONGROOM_TOKEN, or run against a local data directory with --data',
  );
}

/**
 * `strongroom ingest FILE`: a client of POST /v1/batches. Streams the file (never loads it
 * whole), reads the per-line results as they come, shows progress on a terminal and ends with a
 * summary. Exit status 1 when any line failed (ingestOutcome).
 */
export async function ingestCommand(file: string, opts: IngestOptions): Promise<IngestSummary> {
  const config = cliConfig(opts);
  const format = opts.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson');
  if (format !== 'ndjson' && format !== 'csv') throw new ValidationError('--format is ndjson or csv');
  if (format === 'csv' && !opts.type)
    throw new ValidationError('CSV needs --type (the record type of every row)');
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    throw new ValidationError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const base =
    opts.url ??
    `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${config.server.port}`;
  const url = new URL('/v1/batches', base);
  if (opts.type) url.searchParams.set('type', opts.type);
  const token = resolveToken(opts, config.dataDir);

  const tty = Boolean(process.stderr.isTTY) && !opts.json;
  let sent = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      cb(null, chunk);
    },
  });
  const body = fs.createReadStream(file).pipe(counting);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson',
        'content-length': String(size),
      },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
  } catch (err) {
    throw new UnavailableError(`cannot reach the archive at ${base}: ${(err as Error).message}`);
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      message = `${parsed.error?.code ?? response.status}: ${parsed.error?.message ?? text}`;
    } catch {
      // not JSON
    }
    if (response.status === 401) throw new UnauthenticatedError(message);
    throw new ValidationError(`the archive refused the batch (HTTP ${response.status}) ${message}`);
  }

  const summary: IngestSummary = { lines: 0, created: 0, existing: 0, failed: 0, errors: [] };
  const out = opts.results ? fs.createWriteStream(opts.results) : null;
  const started = Date.now();
  const progress = (): void => {
    if (!tty) return;
    const pct = size > 0 ? Math.min(100, Math.floor((sent / size) * 100)) : 100;
    const width = 30;
    const bar = '#'.repeat(Math.floor((pct / 100) * width)).padEnd(width, '.');
    const rate = summary.lines / Math.max(0.001, (Date.now() - started) / 1000);
    process.stderr.write(
      `\r[${bar}] ${pct}% sent, ${summary.lines} answered (${summary.failed} failed), ${rate.toFixed(0)} lines/s  `,
    );
  };
  let pending = '';
  const decoder = new TextDecoder();
  const handle = (line: string): void => {
    if (!line.trim()) return;
    out?.write(line + '\n');
    const result = JSON.parse(line) as {
      line?: number;
      status?: string;
      error?: { code: string; message: string };
      summary?: unknown;
    };
    if (result.summary !== undefined) return;
    summary.lines++;
    if (result.status === 'created') summary.created++;
    else if (result.status === 'existing') summary.existing++;
    else {
      summary.failed++;
      if (summary.errors.length < 20 && result.error)
        summary.errors.push({ line: result.line ?? summary.lines, ...result.error });
    }
  };
  const timer = tty ? setInterval(progress, 200) : null;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        handle(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    }
    handle(pending + decoder.decode());
  } finally {
    if (timer) clearInterval(timer);
    progress();
    if (tty) process.stderr.write('\n');
    await new Promise<void>((resolve) => (out ? out.end(resolve) : resolve()));
  }
  if (opts.json) printJson(summary);
  else {
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `${summary.lines} lines in ${secs}s: ${summary.created} created, ${summary.existing} already archived, ${summary.failed} failed\n`,
    );
    for (const e of summary.errors) process.stdout.write(`  line ${e.line}: ${e.code}: ${e.message}\n`);
    if (summary.failed > summary.errors.length)
      process.stdout.write(`  ... and ${summary.failed - summary.errors.length} more (use --results FILE)\n`);
  }
  return summary;
}

/** A batch with failed lines is exit code 1 (src/cli/main.ts). */
export function ingestOutcome(summary: IngestSummary): Outcome {
  return summary.failed > 0 ? 'failed' : 'ok';
}

export function register(program: Command, finish: Finish): void {
  withCommonOptions(
    program
      .command('ingest <file>')
      .description('send an NDJSON or CSV file of records to the archive (POST /v1/batches)'),
  )
    .option('--type <type>', 'record type of every row (required for CSV)')
    .option('--format <format>', 'ndjson or csv (default: from the file name)')
    .option('--url <url>', 'the archive API (default: http://<server.host>:<server.port>)')
    .option(
      '--token <token>',
      'API token (default: $STRONGROOM_TOKEN, or the local ingest token under --data)',
    )
    .option('--results <file>', 'write every result line (receipt or error) to this NDJSON file')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: IngestOptions) => {
      finish(ingestOutcome(await ingestCommand(file, opts)));
    });
}
