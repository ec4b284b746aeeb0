/**
 * Request framing ahead of Node's HTTP parser, for one thing only: a request carrying both
 * `Content-Length` and `Transfer-Encoding: chunked`.
 *
 * ali-oss `put(name, stream, { headers: { 'Content-Length': n } })` sends exactly that, and OSS
 * answers 200. Node's parser (llhttp) refuses it (HPE_INVALID_TRANSFER_ENCODING) unless the whole
 * server runs with `insecureHTTPParser`, which also accepts invalid header characters, bare LF
 * line ends, malformed chunk sizes and more. Instead, this scanner watches the bytes of a
 * connection and, in such a request's head only, renames the Content-Length line to a header the
 * pipeline knows (`marker`), so the parser frames the body by its chunks (RFC 9112 §6.3: the
 * Transfer-Encoding overrides the Content-Length) and the pipeline can still check the declared
 * length and verify a signature that covers it. See docs/decisions/0008-emulator-fidelity.md.
 *
 * Everything else passes through byte for byte, in order. The scanner follows the framing of each
 * message (heads, Content-Length bodies, chunks, trailers) only to find the next head; whenever it
 * sees anything it does not fully understand (a bare LF, an obs-fold line, an odd chunk size, an
 * Upgrade, CONNECT, a line past its limits) it stops interpreting and passes the rest of the
 * connection through unchanged, so Node's strict parser judges it exactly as it would without
 * the scanner.
 */

/** Longest head or chunk line the scanner interprets (Node refuses heads past 16 KiB anyway). */
const MAX_LINE = 64 * 1024;
/** Longest chunk size the scanner interprets (12 hex digits: 256 TiB). */
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})(;[^\r\n]*)?$/;
const DIGITS = /^[0-9]{1,15}$/;
const WHITESPACE = /\s/;
const CRLF = Buffer.from('\r\n', 'latin1');
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
// A head the fast path leaves to the line-by-line one: a bare LF, a CR not before LF, obs-fold.
const ODD_HEAD = /[^\r]\n|\r[^\n]|\n[ \t]/;
const CONTENT_LENGTH = '\r\ncontent-length:';
const LF = 0x0a;
const CR = 0x0d;

type Mode =
  | 'start' // before a request line (empty lines allowed)
  | 'headers' // inside a head
  | 'body' // `remaining` bytes of a Content-Length body
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-end' // the CRLF after a chunk's data
  | 'trailer'
  | 'passthrough';

interface HeldLine {
  bytes: Buffer;
  /** Set for Content-Length lines: the value, trimmed. */
  contentLength?: string;
}

export class RequestFraming {
  private mode: Mode = 'start';
  /** A line seen so far (kept until its LF arrives). */
  private partial: Buffer[] = [];
  private partialLength = 0;
  private remaining = 0;
  // The current message's head.
  private version = '';
  private connect = false;
  private upgrade = false;
  private transferEncoding: string[] = [];
  /** Head lines from the first Content-Length line on, held until the end of the head. */
  private held: HeldLine[] | null = null;

  /** `marker`: the lower-case header name a renamed Content-Length line gets. */
  constructor(private readonly marker: string) {}

  /** Bytes received; returns what to hand to the parser now (possibly nothing). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.mode) {
        case 'passthrough':
          out.push(i === 0 ? chunk : chunk.subarray(i));
          return out;
        case 'body':
        case 'chunk-data': {
          const n = Math.min(this.remaining, chunk.length - i);
          out.push(chunk.subarray(i, i + n));
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.mode = this.mode === 'body' ? 'start' : 'chunk-end';
          break;
        }
        default: {
          if (this.mode === 'start' && this.partialLength === 0) {
            const next = this.wholeHead(chunk, i, out);
            if (next !== -1) {
              i = next;
              break;
            }
          }
          const lf = chunk.indexOf(LF, i);
          const end = lf === -1 ? chunk.length : lf + 1;
          this.partial.push(chunk.subarray(i, end));
          this.partialLength += end - i;
          i = end;
          if (lf === -1) {
            if (this.partialLength > MAX_LINE) this.giveUp(out);
            break;
          }
          const line = this.partial.length === 1 ? (this.partial[0] as Buffer) : Buffer.concat(this.partial);
          this.partial = [];
          this.partialLength = 0;
          this.line(line, out);
        }
      }
    }
    return out;
  }

  /**
   * The common case, in one pass: a whole head in this chunk, without Transfer-Encoding,
   * Upgrade or anything odd. It passes on unchanged (no copy), and its Content-Length (every
   * one the same digits) says how much body follows. Returns where the head ends, or -1 to
   * leave the head to the line-by-line path.
   */
  private wholeHead(chunk: Buffer, i: number, out: Buffer[]): number {
    if (chunk[i] === CR || chunk[i] === LF) return -1; // empty lines first: the slow path
    const end = chunk.indexOf(HEAD_END, i);
    if (end === -1 || end - i > MAX_LINE) return -1;
    const head = chunk.toString('latin1', i, end + 2);
    if (ODD_HEAD.test(head)) return -1;
    const lower = head.toLowerCase();
    if (
      lower.startsWith('connect ') ||
      lower.includes('\r\ntransfer-encoding:') ||
      lower.includes('\r\nupgrade:') ||
      lower.indexOf(' ') <= 0
    )
      return -1;
    let length: string | null = null;
    for (let at = lower.indexOf(CONTENT_LENGTH); at !== -1; at = lower.indexOf(CONTENT_LENGTH, at + 2)) {
      const from = at + CONTENT_LENGTH.length;
      const value = lower.slice(from, lower.indexOf('\r\n', from)).trim();
      if (!DIGITS.test(value) || (length !== null && length !== value)) return -1;
      length = value;
    }
    out.push(chunk.subarray(i, end + 4));
    this.remaining = length === null ? 0 : Number(length);
    this.mode = this.remaining > 0 ? 'body' : 'start';
    return end + 4;
  }

  /** The connection ended: whatever is still held goes to the parser as it came. */
  end(): Buffer[] {
    const out: Buffer[] = [];
    this.giveUp(out);
    return out;
  }

  /** Stops interpreting: held bytes first, in their order, then everything else unchanged. */
  private giveUp(out: Buffer[]): void {
    if (this.held !== null) for (const h of this.held) out.push(h.bytes);
    this.held = null;
    if (this.partial.length > 0) out.push(...this.partial);
    this.partial = [];
    this.partialLength = 0;
    this.mode = 'passthrough';
  }

  /** One complete line, LF included. */
  private line(line: Buffer, out: Buffer[]): void {
    if (line.length > MAX_LINE || line.length < 2 || line[line.length - 2] !== CR) {
      // A bare LF or an overlong line: not ours to judge.
      this.partial = [line];
      this.giveUp(out);
      return;
    }
    const text = line.toString('latin1', 0, line.length - 2);
    switch (this.mode) {
      case 'start':
        out.push(line);
        if (text !== '') this.requestLine(text);
        return;
      case 'headers':
        this.headerLine(line, text, out);
        return;
      case 'chunk-size': {
        out.push(line);
        const m = CHUNK_SIZE.exec(text);
        if (m === null) {
          this.mode = 'passthrough';
          return;
        }
        const size = parseInt(m[1] as string, 16);
        if (size === 0) {
          this.mode = 'trailer';
        } else {
          this.remaining = size;
          this.mode = 'chunk-data';
        }
        return;
      }
      case 'chunk-end':
        out.push(line);
        this.mode = text === '' ? 'chunk-size' : 'passthrough';
        return;
      case 'trailer':
        out.push(line);
        if (text === '') this.mode = 'start';
        return;
      default:
        out.push(line);
    }
  }

  private requestLine(text: string): void {
    const firstSpace = text.indexOf(' ');
    const lastSpace = text.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace === firstSpace) {
      this.mode = 'passthrough';
      return;
    }
    this.version = text.slice(lastSpace + 1);
    this.connect = text.slice(0, firstSpace) === 'CONNECT';
    this.upgrade = false;
    this.transferEncoding = [];
    this.held = null;
    this.mode = 'headers';
  }

  private headerLine(line: Buffer, text: string, out: Buffer[]): void {
    if (text === '') {
      this.endOfHead(line, out);
      return;
    }
    const colon = text.indexOf(':');
    const first = text.charCodeAt(0);
    if (colon <= 0 || first === 0x20 || first === 0x09 || WHITESPACE.test(text.slice(0, colon))) {
      // obs-fold, no name, or whitespace in the name: the parser decides.
      this.partial = [line];
      this.giveUp(out);
      return;
    }
    const name = text.slice(0, colon).toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'transfer-encoding') this.transferEncoding.push(value);
    else if (name === 'upgrade') this.upgrade = true;
    if (name === 'content-length') {
      (this.held ??= []).push({ bytes: line, contentLength: value });
    } else if (this.held !== null) {
      this.held.push({ bytes: line });
    } else {
      out.push(line);
    }
  }

  private endOfHead(emptyLine: Buffer, out: Buffer[]): void {
    const held = this.held ?? [];
    this.held = null;
    const lengths = held.filter((h) => h.contentLength !== undefined).map((h) => h.contentLength as string);
    const codings = this.transferEncoding
      .join(',')
      .split(',')
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c !== '');
    let next: Mode = 'start';
    let rename = false;
    if (this.connect || this.upgrade) {
      next = 'passthrough';
    } else if (this.transferEncoding.length > 0) {
      const chunked = codings[codings.length - 1] === 'chunked' && this.version === 'HTTP/1.1';
      if (!chunked) next = 'passthrough';
      else if (lengths.length === 0) next = 'chunk-size';
      else if (lengths.length === 1 && DIGITS.test(lengths[0] as string)) {
        rename = true;
        next = 'chunk-size';
      } else next = 'passthrough';
    } else if (lengths.length > 0) {
      const value = lengths[0] as string;
      if (!DIGITS.test(value) || lengths.some((l) => l !== value)) next = 'passthrough';
      else {
        this.remaining = Number(value);
        next = this.remaining > 0 ? 'body' : 'start';
      }
    }
    for (const h of held) {
      if (rename && h.contentLength !== undefined) {
        out.push(Buffer.from(`${this.marker}: ${h.contentLength}`, 'latin1'), CRLF);
      } else {
        out.push(h.bytes);
      }
    }
    out.push(emptyLine);
    this.mode = next;
  }
}
