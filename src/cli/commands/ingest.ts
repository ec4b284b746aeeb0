import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { BOOTSTRAP_TOKEN_FILE } from '../../auth';
import { UnauthenticatedError, UnavailableError, ValidationError } from '../../errors';
import { apiError } from '../api-error';
import { cliConfig, withCommonOptions, type CommonOptions } from '../common';
import {
  countLines,
  duration,
  ErrorGroups,
  IngestProgress,
  renderGroups,
  type ErrorGroup,
  type LineError,
} from '../ingest-report';
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
  /** Lines of the file the API answers (non-blank lines; CSV: rows after the header). */
  total: number;
  /** Lines answered. */
  lines: number;
  created: number;
  existing: number;
  failed: number;
  /** The first few failures, each with the API's details. */
  errors: LineError[];
  /** Every failure, grouped by code, field and message, largest first. */
  groups: ErrorGroup[];
  /** The archive stopped the batch before its end (the summary line's error). */
  stopped?: { code: string; message: string; hint?: string };
  /** Ctrl-C: what was answered until then. */
  interrupted: boolean;
  seconds: number;
}

/** Where the command writes and what it listens to (the process's own; tests pass theirs). */
export interface IngestIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Emits SIGINT (Ctrl-C). */
  signals: NodeJS.EventEmitter;
  now(): number;
}

const processIo = (): IngestIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  signals: process,
  now: Date.now,
});

/** How often progress is redrawn on a terminal, and written as a line elsewhere (logs, CI). */
const TTY_EVERY_MS = 200;
const LOG_EVERY_MS = 10_000;

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

interface ResultLine {
  line?: number;
  status?: string;
  error?: { code: string; message: string; details?: unknown; hint?: string };
  summary?: { complete?: boolean };
}

/**
 * `strongroom ingest FILE`: a client of POST /v1/batches. Counts the file's lines, streams it
 * (never loads it whole), reads the per-line results as they come, shows progress (answered
 * lines of the total, rate, ETA) and ends with a summary whose failures are grouped with the
 * API's details. Ctrl-C stops it with a partial summary (re-running is safe: what was archived
 * answers "already archived"). Outcomes: ingestOutcome.
 */
export async function ingestCommand(
  file: string,
  opts: IngestOptions,
  io: IngestIo = processIo(),
): Promise<IngestSummary> {
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
  const total = await countLines(file, format);

  const started = io.now();
  const summary: IngestSummary = {
    total,
    lines: 0,
    created: 0,
    existing: 0,
    failed: 0,
    errors: [],
    groups: [],
    interrupted: false,
    seconds: 0,
  };
  const groups = new ErrorGroups();
  const progress = new IngestProgress(total, started);
  const tty = Boolean(io.stderr.isTTY) && !opts.json;
  const counts = () => ({ answered: summary.lines, failed: summary.failed });
  const draw = (): void => {
    if (tty) io.stderr.write(`\r${progress.bar(counts(), io.now())}  `);
    else if (!opts.json) io.stderr.write(`${progress.line(counts(), io.now())}\n`);
  };

  // Ctrl-C: stop sending and reading, then report. A second Ctrl-C is Node's default (exit at once).
  const abort = new AbortController();
  const onSigint = (): void => {
    summary.interrupted = true;
    abort.abort();
  };
  io.signals.once('SIGINT', onSigint);
  const timer = setInterval(draw, tty ? TTY_EVERY_MS : LOG_EVERY_MS);
  const out = opts.results ? fs.createWriteStream(opts.results) : null;
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson',
          'content-length': String(size),
        },
        body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream,
        duplex: 'half',
        signal: abort.signal,
      } as RequestInit);
    } catch (err) {
      if (summary.interrupted) return report(summary, groups, opts, io, started);
      throw new UnavailableError(`cannot reach the archive at ${base}: ${(err as Error).message}`);
    }
    if (!response.ok || !response.body) throw apiError('the batch', response.status, await response.text());

    const handle = (text: string): void => {
      if (!text.trim()) return;
      out?.write(text + '\n');
      const result = JSON.parse(text) as ResultLine;
      if (result.summary !== undefined) {
        if (result.summary.complete === false && result.error) {
          const { code, message, hint } = result.error;
          summary.stopped = { code, message, ...(hint ? { hint } : {}) };
        }
        return;
      }
      summary.lines++;
      if (result.status === 'created') summary.created++;
      else if (result.status === 'existing') summary.existing++;
      else {
        summary.failed++;
        const error: LineError = {
          line: result.line ?? summary.lines,
          code: result.error?.code ?? 'Unknown',
          message: result.error?.message ?? 'the archive answered this line without a status',
          ...(result.error?.details !== undefined ? { details: result.error.details } : {}),
          ...(result.error?.hint ? { hint: result.error.hint } : {}),
        };
        groups.add(error);
        if (summary.errors.length < 20) summary.errors.push(error);
      }
    };
    let pending = '';
    const decoder = new TextDecoder();
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
    } catch (err) {
      if (!summary.interrupted)
        throw new UnavailableError(
          `the archive's answer broke off after ${summary.lines} of ${total} lines: ${(err as Error).message}`,
          { hint: 're-run the same file: lines already archived answer "already archived"' },
        );
    }
    return report(summary, groups, opts, io, started);
  } finally {
    clearInterval(timer);
    io.signals.off('SIGINT', onSigint);
    if (tty) io.stderr.write(`\r${progress.bar(counts(), io.now())}\n`);
    await new Promise<void>((resolve) => (out ? out.end(resolve) : resolve()));
  }
}

/** The summary: one line of counts, the failures grouped, and what to do next. */
function report(
  summary: IngestSummary,
  groups: ErrorGroups,
  opts: IngestOptions,
  io: IngestIo,
  started: number,
): IngestSummary {
  summary.groups = groups.list();
  summary.seconds = Math.round((io.now() - started) / 100) / 10;
  if (opts.json) {
    io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return summary;
  }
  const w = (line: string): void => void io.stdout.write(line + '\n');
  const counts = `${summary.created} created, ${summary.existing} already archived, ${summary.failed} failed`;
  if (summary.interrupted) {
    w(
      `interrupted after ${duration(summary.seconds)}: ${summary.lines} of ${summary.total} lines answered: ${counts}`,
    );
  } else {
    w(`${summary.lines} lines in ${summary.seconds.toFixed(1)}s: ${counts}`);
  }
  if (summary.failed > 0) {
    w(`failures by kind (${summary.groups.length}):`);
    for (const line of renderGroups(summary.groups)) w(line);
    if (!opts.results) w('  every line with its answer: --results FILE');
  }
  if (summary.stopped) {
    w(`the archive stopped the batch: ${summary.stopped.code}: ${summary.stopped.message}`);
    if (summary.stopped.hint) w(`  hint: ${summary.stopped.hint}`);
  }
  if (summary.interrupted || summary.stopped) {
    const left = summary.total - summary.lines;
    w(
      `${left} line(s) were not answered: some of them may be archived already. Re-running the same ` +
        'file is safe: records already archived answer "already archived" and are never stored twice.',
    );
  }
  return summary;
}

/** Failed lines or a batch the archive cut short: 1; Ctrl-C: 130 (src/cli/main.ts). */
export function ingestOutcome(summary: IngestSummary): Outcome {
  if (summary.interrupted) return 'interrupted';
  return summary.failed > 0 || summary.stopped ? 'failed' : 'ok';
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
