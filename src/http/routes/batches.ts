/**
 * POST /v1/batches: many records in one streamed request, NDJSON (one JSON record per line) or CSV
 * (`?type=<recordType>`, a header row; mapping rules in ../batch/csv.ts).
 *
 * The answer is NDJSON, streamed as the lines are stored: one result line per input line, in input
 * order, then a summary line. One bad line never sinks the others. Status 200 goes out before the
 * lines are processed, so errors are per line; only what can be refused up front is an HTTP error
 * (401/403, 415 content type, 400 parameters or CSV header, 413 declared size).
 *
 *   {"line": 3, "status": "created", "receipt": {...}}
 *   {"line": 4, "status": "error", "error": {"code": "ValidationFailed", "message": "...", "details": [...]}}
 *   {"summary": {"lines": 2, "created": 1, "existing": 0, "failed": 1, "complete": true}}
 *
 * A body that grows past the batch size limit while streaming stops the batch: the lines read so
 * far are answered, and the summary has "complete": false and the error (PayloadTooLarge).
 */
import type { Socket } from 'node:net';
import { Router, type Request, type Response } from 'express';
import type { AuditScope } from '../../audit/scope';
import { z } from 'zod';
import {
  MalformedCsvError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  type StrongroomError,
} from '../../errors';
import type { IngestResult } from '../../ingest/types';
import { RECORD_TYPES, recordIdOf, type RecordType } from '../../records';
import { checkHeader, parseCells, parseHeader, rowToRecord, type CsvColumn } from '../batch/csv';
import { chunksOf, StreamClosedError } from '../batch/chunks';
import { splitLines, type SplitLine } from '../batch/lines';
import { writeWithBackpressure } from '../batch/pipeline';
import { runOrdered } from '../../util/ordered';
import { isUtf8, parseMediaType } from '../content-type';
import { classify, errorPayload, internalErrorPayload, validationError } from '../errors';
import type { HttpMetrics } from '../metrics';
import { declaredLength, parseJsonBytes, tooLarge } from '../middleware/json-body';
import { route, SENT } from '../route';
import { requestState } from '../middleware/request';
import type { AppDeps, HttpLimits } from '../types';
import { documentWithoutFile } from '../../ingest/service';
import { Semaphore } from '../../util/semaphore';
import type { Logger } from '../../log';

const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
];

const BatchQuerySchema = z.strictObject({ type: z.enum(RECORD_TYPES).optional() });

type Format = 'ndjson' | 'csv';

type LineResult =
  | { line: number; status: IngestResult['status']; receipt: IngestResult['receipt'] }
  | {
      line: number;
      status: 'error';
      error: { code: string; message: string; details?: unknown; hint?: string };
    };

function formatOf(req: Request): Format {
  const media = parseMediaType(req.headers['content-type']);
  if (media && isUtf8(media)) {
    if (NDJSON_TYPES.includes(media.type)) return 'ndjson';
    if (media.type === 'text/csv') return 'csv';
  }
  throw new UnsupportedMediaTypeError(
    `a batch is application/x-ndjson or text/csv (UTF-8), got ${JSON.stringify(req.headers['content-type'] ?? null)}`,
  );
}

function parseBatchQuery(query: unknown, format: Format): RecordType | undefined {
  const result = BatchQuerySchema.safeParse(query ?? {});
  if (!result.success) {
    throw validationError(
      'invalid batch parameters',
      result.error.issues.map((i) => ({ path: i.path, code: i.code, message: i.message })),
    );
  }
  const type = result.data.type;
  if (format === 'csv' && type === undefined) {
    throw validationError('a CSV batch needs ?type=<recordType>', [
      { path: ['type'], code: 'required', message: `one of ${RECORD_TYPES.join(', ')}` },
    ]);
  }
  if (type === 'document') throw documentWithoutFile();
  if (format === 'ndjson' && type !== undefined) {
    throw validationError('?type applies to CSV batches only (NDJSON lines carry their recordType)', [
      { path: ['type'], code: 'not_allowed', message: 'only for text/csv' },
    ]);
  }
  return type;
}

/** Lines in flight per PUT slot of a batch (the others validate, wait for a slot, or commit). */
export const LINES_PER_PUT_SLOT = 4;

/** An async iterable over the rest of an iterator (after the CSV header was taken from it). */
function rest<T>(it: AsyncIterator<T>): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => it };
}

export function batchesRouter(deps: AppDeps, limits: HttpLimits, metrics: HttpMetrics): Router {
  const router = Router();

  router.post(
    '/batches',
    ...route(deps, 'records.write', async ({ req, res, audit, principal, logger, requestId }) => {
      const format = formatOf(req);
      const type = parseBatchQuery(req.query, format);
      audit.note({ operation: 'batch.ingest', format, ...(type ? { recordType: type } : {}) });
      const declared = declaredLength(req);
      if (declared !== undefined && declared > limits.maxBatchBytes)
        throw tooLarge(limits.maxBatchBytes, 'the batch');

      const socket = req.socket;
      const iterator = splitLines(chunksOf(req), {
        maxLineBytes: limits.maxBatchLineBytes,
        maxTotalBytes: limits.maxBatchBytes,
        quoteAware: format === 'csv',
      })[Symbol.asyncIterator]();

      // CSV: the header is read before answering, so a bad header is a plain 400.
      let columns: CsvColumn[] | undefined;
      if (format === 'csv') {
        const first = await iterator.next();
        if (first.done) throw new MalformedCsvError('the CSV batch is empty: it needs a header row');
        if ('overlong' in first.value)
          throw new MalformedCsvError(`the CSV header row is longer than ${limits.maxBatchLineBytes} bytes`);
        columns = parseHeader(parseCells(first.value.bytes), type as RecordType);
        checkHeader(columns, type as RecordType);
      }

      // From here on the answer is streamed; the request's event is recorded when the batch ends.
      res.status(200);
      res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.flushHeaders();

      // The batch's lines share its PUT slots: up to batchConcurrency PUTs at once, and more lines in
      // flight than that, so that validating and committing never leave a PUT slot idle.
      const putSlots = new Semaphore(limits.batchConcurrency);
      const counts = { lines: 0, created: 0, existing: 0, failed: 0 };
      let accepted = 0;

      const lineError = (line: number, err: unknown): LineResult => {
        const typed = classify(err);
        if (!typed) logger.error({ err, line }, 'batch line failed unexpectedly');
        const payload = typed ? errorPayload(typed) : internalErrorPayload(requestId);
        return { line, status: 'error', error: payload };
      };

      const sameId = new Map<string, Promise<unknown>>();
      const work = async (item: SplitLine): Promise<LineResult> => {
        accepted++;
        try {
          if ('overlong' in item) throw tooLarge(limits.maxBatchLineBytes, `line ${item.line}`);
          if (accepted > limits.maxBatchLines) {
            throw new PayloadTooLargeError(
              `the batch has more than ${limits.maxBatchLines} lines: send the rest in another batch`,
              {
                details: { maxLines: limits.maxBatchLines },
              },
            );
          }
          const input = columns
            ? rowToRecord(columns, parseCells(item.bytes), type as RecordType)
            : parseJsonBytes(item.bytes, `line ${item.line}`);
          // Lines run concurrently, but a repeated record id waits for its earlier line: the first
          // occurrence in the batch is the one stored, the later ones are answered against it.
          const id = recordIdOf(input);
          const before = id === undefined ? undefined : sameId.get(id);
          const run = (async () => {
            if (before) await before.catch(() => undefined);
            // Each line is an access of its own: the write path records its event (created, repeat, conflict).
            const lineAudit = audit.child({ action: audit.action });
            lineAudit.note({ line: item.line });
            return deps.ingest.ingestRecord(input, { principal, audit: lineAudit, putSlots });
          })();
          if (id !== undefined) {
            sameId.set(id, run);
            void run
              .catch(() => undefined)
              .finally(() => {
                if (sameId.get(id) === run) sameId.delete(id);
              });
          }
          const result = await run;
          return { line: item.line, status: result.status, receipt: result.receipt };
        } catch (err) {
          return lineError(item.line, err);
        }
      };

      const emit = async (r: LineResult): Promise<void> => {
        counts.lines++;
        if (r.status === 'error') counts.failed++;
        else {
          counts[r.status]++;
          metrics.ingestedRecord(r.receipt.recordType, r.status, r.receipt.size, 'record');
        }
        metrics.batchLine(format, r.status);
        await writeWithBackpressure(res, `${JSON.stringify(r)}\n`);
      };

      let cutShort: StrongroomError | undefined;
      let aborted = false;
      try {
        await runOrdered(rest(iterator), {
          concurrency: limits.batchConcurrency * LINES_PER_PUT_SLOT,
          work,
          emit,
          stop: () => res.destroyed,
        });
      } catch (err) {
        const typed = classify(err);
        if (err instanceof StreamClosedError || res.destroyed) {
          // The request's log line says so (aborted) with the counts so far.
          aborted = true;
        } else if (typed) {
          cutShort = typed;
        } else {
          logger.error({ err }, 'batch stopped unexpectedly');
          const summary = {
            summary: { ...counts, complete: false },
            error: internalErrorPayload(requestId),
          };
          await finishBatch(audit, logger, req, res, socket, counts, false, 'InternalError', summary);
          return SENT;
        }
      }
      aborted ||= res.destroyed;
      const complete = cutShort === undefined && !aborted;
      const summary = {
        summary: { ...counts, complete },
        ...(cutShort ? { error: errorPayload(cutShort, requestId) } : {}),
      };
      await finishBatch(
        audit,
        logger,
        req,
        res,
        socket,
        counts,
        complete,
        aborted ? 'ClientClosed' : cutShort?.code,
        summary,
      );
      return SENT;
    }),
  );

  return router;
}

/** The batch request's own event (each line's was recorded by the write path), then the summary. */
async function finishBatch(
  audit: AuditScope,
  logger: Logger,
  req: Request,
  res: Response,
  socket: Socket,
  counts: Record<string, number>,
  complete: boolean,
  code: string | undefined,
  summary: unknown,
): Promise<void> {
  // The counts go on the request's log line (src/http/middleware/request.ts).
  requestState(res).batch = { ...counts, complete };
  const failure = await audit.tryAppend(complete ? 'allowed' : 'error', {
    status: 200,
    ...counts,
    complete,
    ...(code ? { code } : {}),
  });
  if (failure !== undefined)
    logger.error({ err: failure }, 'audit trail unavailable: could not record a request');
  if (!req.readableEnded) {
    // The rest of the body will not be read (too large, or the client went away): close the
    // connection once the answer is out rather than reading and discarding it.
    res.once('finish', () => socket.end());
  }
  if (await writeWithBackpressure(res, `${JSON.stringify(summary)}\n`)) res.end();
}
