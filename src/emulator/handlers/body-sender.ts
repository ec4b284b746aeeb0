import type { FileHandle } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { EmulatorEnv, RequestContext } from '../context';
import type { ObjectWithBody } from '../persistence/metadata-index';
import { bodyBlobIds } from '../persistence/metadata-index';
import { send } from '../response';

/** One stored piece of an object's body: inline bytes or a blob file. */
export interface Segment {
  size: number;
  data: Buffer | null;
  file: string | null;
}

const READ_CHUNK = 1 << 20;

/**
 * The segments of an object's body, with their files marked as being read (call release() when
 * done). Synchronous on purpose: lookup and acquire happen in one tick, so no commit can unlink a
 * file in between.
 */
export function openBody(
  env: EmulatorEnv,
  row: ObjectWithBody,
): { segments: Segment[]; release: () => void } {
  let segments: Segment[];
  if (row.blob_id !== null) {
    segments = [{ size: row.size, data: row.data, file: row.file }];
  } else {
    segments = bodyBlobIds(row).map((id) => {
      const blob = env.index.getBlob(id);
      if (!blob) throw new Error(`blob ${id} of a multipart object is missing`);
      return { size: blob.size, data: blob.data, file: blob.file };
    });
  }
  const files = segments.flatMap((s) => (s.file !== null ? [s.file] : []));
  for (const f of files) env.blobs.acquire(f);
  let released = false;
  return {
    segments,
    release: () => {
      if (released) return;
      released = true;
      for (const f of files) env.blobs.release(f);
    },
  };
}

/**
 * Sends bytes [start, end] (inclusive) of the segments. `flipAt`, when not null, is an offset
 * within the sent range whose byte is inverted (fault injection; the stored body is untouched).
 */
export async function sendSegments(
  ctx: RequestContext,
  env: EmulatorEnv,
  status: number,
  headers: OutgoingHttpHeaders,
  segments: Segment[],
  start: number,
  end: number,
  flipAt: number | null,
): Promise<void> {
  const length = end - start + 1;
  headers['content-length'] = length;
  // Fast path: one inline segment (small objects) goes out in a single write.
  const only = segments.length === 1 ? segments[0] : undefined;
  if (only && only.data !== null) {
    let body = only.data.subarray(start, end + 1);
    if (flipAt !== null) {
      body = Buffer.from(body);
      flipByte(body, flipAt);
    }
    send(ctx, status, headers, body);
    return;
  }
  // Open the first file before answering, so a missing or unreadable blob is a clean 500.
  const first = segments.find((seg, i) => overlaps(segments, i, start, end) && seg.file !== null);
  let firstHandle: FileHandle | null = first?.file ? await fsp.open(env.blobs.pathOf(first.file), 'r') : null;
  try {
    headers['x-oss-request-id'] = ctx.requestId;
    headers['server'] = 'AliyunOSS';
    const res = ctx.res;
    res.writeHead(status, headers);
    if (ctx.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }
    let segStart = 0;
    let sent = 0;
    for (const seg of segments) {
      const segEnd = segStart + seg.size - 1;
      if (segEnd >= start && segStart <= end) {
        const from = Math.max(start, segStart) - segStart;
        const to = Math.min(end, segEnd) - segStart;
        const handle = seg === first ? firstHandle : null;
        if (seg === first) firstHandle = null; // readSegment owns and closes it now
        for await (const chunk of readSegment(env, seg, from, to, handle)) {
          if (flipAt !== null && flipAt >= sent && flipAt < sent + chunk.length)
            flipByte(chunk, flipAt - sent);
          sent += chunk.length;
          ctx.sentBytes = sent;
          if (!(await write(res, chunk))) return;
        }
      }
      segStart += seg.size;
      if (segStart > end) break;
    }
    res.end();
  } finally {
    if (firstHandle !== null) await firstHandle.close();
  }
}

/** Does segment i hold any of the bytes [start, end]? */
function overlaps(segments: Segment[], i: number, start: number, end: number): boolean {
  let segStart = 0;
  for (let j = 0; j < i; j++) segStart += (segments[j] as Segment).size;
  const segEnd = segStart + (segments[i] as Segment).size - 1;
  return segEnd >= start && segStart <= end;
}

function flipByte(buf: Buffer, at: number): void {
  buf[at] = (buf[at] as number) ^ 0xff;
}

/** Fresh buffers (safe to modify) covering bytes [from, to] of one segment. */
async function* readSegment(
  env: EmulatorEnv,
  seg: Segment,
  from: number,
  to: number,
  opened: FileHandle | null,
): AsyncGenerator<Buffer> {
  if (seg.data !== null) {
    yield Buffer.from(seg.data.subarray(from, to + 1));
    return;
  }
  if (seg.file === null) return;
  const fh = opened ?? (await fsp.open(env.blobs.pathOf(seg.file), 'r'));
  try {
    let pos = from;
    while (pos <= to) {
      const want = Math.min(READ_CHUNK, to - pos + 1);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) throw new Error('blob file is shorter than its recorded size');
      pos += bytesRead;
      yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** Writes with backpressure; false when the client has gone. */
function write(res: ServerResponse, chunk: Buffer): Promise<boolean> | boolean {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve(!res.destroyed);
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
