/**
 * Splits a streamed body into lines (NDJSON) or CSV records, holding at most one line in memory.
 *
 * - Lines end with LF; a CR before it is dropped. Blank lines (only spaces/tabs) are skipped but
 *   still counted, so `line` is always the physical line number (1-based) a sender can look up.
 * - In CSV mode a line break inside a double-quoted field does not end the record (RFC 4180); the
 *   record is reported at the line where it starts. A field is quoted only when its first byte is
 *   a double quote; inside it `""` is a quote. A quote anywhere else (`C"1001`) is just a byte of
 *   its row, which then fails alone when it is parsed: it never swallows the rows after it.
 * - A line longer than `maxLineBytes` is not kept: it is reported as overlong (its bytes are
 *   skipped up to the next line end) and the lines after it are read normally.
 * - More than `maxTotalBytes` in all: PayloadTooLargeError is thrown from the iterator.
 */
import { PayloadTooLargeError } from '../../errors';

export type SplitLine =
  | { line: number; bytes: Buffer }
  | {
      line: number;
      /** The line was longer than maxLineBytes; this is how long it was. */
      overlong: number;
    };

export interface SplitOptions {
  maxLineBytes: number;
  maxTotalBytes: number;
  /** CSV mode: line breaks inside double quotes belong to the field. */
  quoteAware?: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BOM = [0xef, 0xbb, 0xbf];

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== CR) return false;
  return true;
}

export async function* splitLines(
  source: AsyncIterable<Buffer | string>,
  options: SplitOptions,
): AsyncGenerator<SplitLine> {
  const { maxLineBytes, maxTotalBytes, quoteAware = false } = options;
  let parts: Buffer[] = [];
  let length = 0;
  let startLine = 1;
  let physical = 1;
  // CSV quoting (RFC 4180), kept across chunks: in a quoted field; a quote seen in one (its end,
  // or the first half of ""); at the start of a field; bytes of a leading BOM still to pass.
  let inQuotes = false;
  let quotePending = false;
  let fieldStart = true;
  let bomLeft = BOM.length;
  let total = 0;

  const take = (piece: Buffer) => {
    length += piece.length;
    if (length <= maxLineBytes) parts.push(piece);
    else parts = [];
  };

  const finish = (): SplitLine | undefined => {
    const line = startLine;
    const len = length;
    const kept = parts;
    parts = [];
    length = 0;
    startLine = physical;
    if (len > maxLineBytes) return { line, overlong: len };
    let bytes = kept.length === 1 ? (kept[0] as Buffer) : Buffer.concat(kept, len);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    if (line === 1 && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
      bytes = bytes.subarray(3);
    return isBlank(bytes) ? undefined : { line, bytes };
  };

  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    total += chunk.length;
    if (total > maxTotalBytes) {
      throw new PayloadTooLargeError(`the batch is larger than ${maxTotalBytes} bytes`, {
        details: { limitBytes: maxTotalBytes },
      });
    }
    let from = 0;
    while (from < chunk.length) {
      let end: number;
      if (quoteAware) {
        end = -1;
        for (let i = from; i < chunk.length; i++) {
          const b = chunk[i] as number;
          if (bomLeft > 0) {
            if (b === BOM[BOM.length - bomLeft]) {
              bomLeft--;
              continue;
            }
            bomLeft = 0;
          }
          if (inQuotes) {
            if (quotePending) {
              quotePending = false;
              if (b === QUOTE) continue; // "" inside a quoted field
              inQuotes = false; // the quote closed the field: this byte is outside it
            } else {
              if (b === QUOTE) quotePending = true;
              else if (b === LF) physical++;
              continue;
            }
          }
          if (b === LF) {
            fieldStart = true;
            bomLeft = 0;
            end = i;
            break;
          }
          if (b === QUOTE && fieldStart) inQuotes = true;
          fieldStart = b === COMMA;
        }
      } else {
        end = chunk.indexOf(LF, from);
      }
      if (end === -1) {
        take(chunk.subarray(from));
        break;
      }
      take(chunk.subarray(from, end));
      from = end + 1;
      physical++;
      const line = finish();
      if (line) yield line;
    }
  }
  if (length > 0 || parts.length > 0) {
    const line = finish();
    if (line) yield line;
  }
}
