/**
 * Reads a JSON request body with a size cap: 415 unless the body is application/json (UTF-8),
 * 413 past the cap (refused from Content-Length before reading when it is declared), 400
 * MalformedJson when it is not one well-formed JSON value.
 */
import type { Request } from 'express';
import {
  BadRequestError,
  MalformedJsonError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../../errors';
import { jsonTextIssues } from '../../records/json-text';
import { chunksOf } from '../batch/chunks';
import { isJson, isUtf8, parseMediaType } from '../content-type';

export function declaredLength(req: Request): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined || !/^[0-9]{1,16}$/.test(raw)) return undefined;
  return Number(raw);
}

export function tooLarge(limit: number, what: string): PayloadTooLargeError {
  return new PayloadTooLargeError(`${what} is larger than ${limit} bytes`, {
    details: { limitBytes: limit },
  });
}

/** Reads at most `limit` bytes of the body; throws PayloadTooLargeError past it. */
export async function readBodyCapped(req: Request, limit: number, what: string): Promise<Buffer> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) throw tooLarge(limit, what);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of chunksOf(req)) {
      total += chunk.length;
      if (total > limit) throw tooLarge(limit, what);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof PayloadTooLargeError) throw err;
    throw new BadRequestError('the request body could not be read to its end', { cause: err });
  }
  return Buffer.concat(chunks, total);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Parses one JSON value from UTF-8 bytes; MalformedJsonError when it is not one. */
export function parseJsonBytes(bytes: Buffer, what: string): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new MalformedJsonError(`${what} is not valid UTF-8`);
  }
  if (text.trim() === '') throw new MalformedJsonError(`${what} is empty: expected a JSON object`);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new MalformedJsonError(`${what} is not well-formed JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  // What JSON.parse would decide silently (a number it rounds, a duplicate key it drops) is refused.
  const issues = jsonTextIssues(text);
  if (issues.length > 0) {
    const numbers = issues.some((i) => i.code === 'imprecise_number');
    throw new MalformedJsonError(
      `${what} cannot be stored as sent: ${issues
        .slice(0, 5)
        .map((i) => `${i.path || '(record)'}: ${i.message}`)
        .join('; ')}`,
      {
        details: issues,
        hint: numbers
          ? 'send a number that a double cannot hold exactly (or beyond 2^53-1) as a decimal string, e.g. "1000.00000000000000001"'
          : 'send each key once per object',
      },
    );
  }
  return value;
}

/** The parsed JSON body of a request (see the module comment for the errors). */
export async function readJsonBody(req: Request, limit: number): Promise<unknown> {
  const media = parseMediaType(req.headers['content-type']);
  if (!isJson(media) || !media || !isUtf8(media)) {
    throw new UnsupportedMediaTypeError(
      `expected Content-Type: application/json (UTF-8), got ${JSON.stringify(req.headers['content-type'] ?? null)}`,
    );
  }
  const bytes = await readBodyCapped(req, limit, 'the JSON body');
  return parseJsonBytes(bytes, 'the JSON body');
}
