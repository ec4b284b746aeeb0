/**
 * POST /v1/documents: a file and its JSON description (a `document` record), streamed to the write
 * path (which hashes on the fly and uploads in parts above a threshold). Two forms:
 *
 * 1. Raw body (any Content-Type but multipart/form-data): the file is the body.
 *    - `X-Strongroom-Document`: the description, base64url (RFC 4648 §5, padding optional) of its
 *      UTF-8 JSON. Required.
 *    - `X-Strongroom-File-Name`: optional, the original file name, percent-encoded UTF-8.
 *    - Content-Type: the file's media type; Content-Length: its size (checked against the limit
 *      before anything is read).
 * 2. multipart/form-data: a `description` field (the JSON text) that must come BEFORE the `file`
 *    part (else 400: the file is streamed through, so the description must be known first). The
 *    part's filename and Content-Type are passed on. Parts after the file are ignored.
 *
 * Past the document size limit: 413 (the upload is aborted, nothing is stored).
 */
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import busboy from 'busboy';
import { Router, type Request } from 'express';
import { BadRequestError } from '../../errors';
import type { DocumentUpload, IngestResult } from '../../ingest/types';
import { recordIdOf } from '../../records';
import { parseMediaType } from '../content-type';
import type { HttpMetrics } from '../metrics';
import { declaredLength, parseJsonBytes, tooLarge } from '../middleware/json-body';
import { route } from '../route';
import type { AppDeps, HttpLimits } from '../types';
import { ingestAnswer } from './records';

export const DOCUMENT_HEADER = 'x-strongroom-document';
export const FILE_NAME_HEADER = 'x-strongroom-file-name';

/** Passes bytes through and fails the stream once more than `limit` went by. */
class SizeLimit extends Transform {
  seen = 0;
  exceeded = false;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      this.exceeded = true;
      callback(tooLarge(this.limit, 'the document'));
      return;
    }
    callback(null, chunk);
  }
}

/** The description from the X-Strongroom-Document header. */
export function decodeDescriptionHeader(value: string | string[] | undefined, maxBytes: number): unknown {
  if (typeof value !== 'string' || value === '') {
    throw new BadRequestError(
      `a raw document upload needs the ${DOCUMENT_HEADER} header: base64url of the JSON description (or send multipart/form-data)`,
    );
  }
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value)) throw new BadRequestError(`${DOCUMENT_HEADER} is not base64url`);
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length > maxBytes) throw tooLarge(maxBytes, 'the document description');
  return parseJsonBytes(bytes, `the ${DOCUMENT_HEADER} description`);
}

export function decodeFileNameHeader(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadRequestError(`${FILE_NAME_HEADER} given more than once`);
  try {
    return decodeURIComponent(value);
  } catch {
    throw new BadRequestError(`${FILE_NAME_HEADER} is not percent-encoded UTF-8`);
  }
}

type Ingest = (upload: DocumentUpload) => Promise<IngestResult>;

/** Runs the ingest of a limited stream; a limit hit wins over whatever error the write path reports. */
async function ingestLimited(
  ingest: Ingest,
  upload: Omit<DocumentUpload, 'body'>,
  source: Readable,
  limit: number,
): Promise<IngestResult> {
  const body = new SizeLimit(limit);
  pipeline(source, body, () => undefined);
  try {
    return await ingest({ ...upload, body });
  } catch (err) {
    if (body.exceeded) throw tooLarge(limit, 'the document');
    throw err;
  } finally {
    body.destroy();
  }
}

function rawUpload(req: Request, limits: HttpLimits, ingest: Ingest): Promise<IngestResult> {
  const description = decodeDescriptionHeader(req.headers[DOCUMENT_HEADER], limits.maxDescriptionBytes);
  const fileName = decodeFileNameHeader(req.headers[FILE_NAME_HEADER]);
  const size = declaredLength(req);
  if (size !== undefined && size > limits.maxDocumentBytes)
    throw tooLarge(limits.maxDocumentBytes, 'the document');
  const contentType = req.headers['content-type'];
  return ingestLimited(
    ingest,
    {
      description,
      ...(fileName !== undefined ? { fileName } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      ...(size !== undefined ? { size } : {}),
    },
    req,
    limits.maxDocumentBytes,
  );
}

function multipartUpload(req: Request, limits: HttpLimits, ingest: Ingest): Promise<IngestResult> {
  return new Promise<IngestResult>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { files: 1, fields: 1, parts: 2, fieldSize: limits.maxDescriptionBytes, fieldNameSize: 64 },
      });
    } catch (err) {
      reject(new BadRequestError(`not a usable multipart/form-data request: ${(err as Error).message}`));
      return;
    }
    let description: unknown;
    let ingesting: Promise<IngestResult> | undefined;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.resume();
      reject(err);
    };

    parser.on('field', (name, value, info) => {
      if (name !== 'description')
        return fail(
          new BadRequestError(`unexpected form field "${name.slice(0, 64)}": only description and file`),
        );
      if (info.valueTruncated) return fail(tooLarge(limits.maxDescriptionBytes, 'the document description'));
      try {
        description = parseJsonBytes(Buffer.from(value, 'utf8'), 'the description field');
      } catch (err) {
        fail(err);
      }
    });
    parser.on('file', (name, stream, info) => {
      if (settled) return void stream.resume();
      if (name !== 'file') {
        stream.resume();
        return fail(
          new BadRequestError(`unexpected file part "${name.slice(0, 64)}": the file part is named "file"`),
        );
      }
      if (description === undefined) {
        stream.resume();
        return fail(new BadRequestError('the description field must come before the file part'));
      }
      const upload = {
        description,
        ...(info.filename !== undefined ? { fileName: info.filename } : {}),
        ...(info.mimeType ? { contentType: info.mimeType } : {}),
      };
      ingesting = ingestLimited(ingest, upload, stream, limits.maxDocumentBytes);
      ingesting.then(
        (result) => {
          if (settled) return;
          settled = true;
          resolve(result);
        },
        (err: unknown) => fail(err),
      );
    });
    parser.on('error', (err) =>
      fail(new BadRequestError(`malformed multipart/form-data: ${(err as Error).message}`)),
    );
    parser.on('close', () => {
      if (!ingesting)
        fail(new BadRequestError('no file part: send a description field and then a file part named "file"'));
    });
    req.on('error', (err) => fail(new BadRequestError('the upload was interrupted', { cause: err })));
    req.pipe(parser);
  });
}

export function documentsRouter(deps: AppDeps, limits: HttpLimits, metrics: HttpMetrics): Router {
  const router = Router();

  router.post(
    '/documents',
    ...route(deps, 'records.write', async ({ req, audit, principal }) => {
      const media = parseMediaType(req.headers['content-type']);
      const multipart = media?.type === 'multipart/form-data';
      audit.note({ operation: 'document.ingest', form: multipart ? 'multipart' : 'raw' });
      const ingest: Ingest = (upload) => {
        const id = recordIdOf(upload.description);
        if (id !== undefined) audit.set({ target: id });
        // The write path records the event (in its catalog transaction when the document is new).
        return deps.ingest.ingestDocument(upload, { principal, audit });
      };
      const result = multipart
        ? await multipartUpload(req, limits, ingest)
        : await rawUpload(req, limits, ingest);
      metrics.ingestedRecord('document', result.status, result.receipt.size, 'document');
      return ingestAnswer(result);
    }),
  );

  return router;
}
