import { Readable } from 'node:stream';
import type { AuditEvent } from '../catalog/types';
import { ValidationError } from '../errors';
import { csvRow } from '../util/csv';
import { digestsOf, hashed, type FileDigests } from './hashing-stream';
import {
  INDEX_CSV_HEADER,
  escapeJsonForScript,
  indexCsvRow,
  indexHtmlStream,
  indexRow,
  jsonForScript,
} from './index-html';
import { BagPathSet, bagPathProblem } from './paths';
import { readmeTxt } from './readme';
import { RecordCheck, checkWholeRecord } from './record-check';
import { SpoolDir, type Spool } from './spool';
import { BAGIT_TXT, bagInfoTxt, manifestLine } from './tag-files';
import type { BagBuild, BagPhase, BagRecord, BagResult, BuildBagInput } from './types';
import { ZipWriter } from './zip-writer';

const DEFAULT_EMBED_LIMIT = 1024 * 1024;

/**
 * Files below this are stored, not deflated: a zlib stream per entry costs ~0.4 ms (measured by
 * scripts/bench/export-bag.js: 100,000 small records took 8x longer deflated), far more than the
 * few hundred bytes a small JSON record or proof would save.
 */
export const DEFLATE_MIN_BYTES = 64 * 1024;

/**
 * Records up to this size are read whole (BagRecord.read: one GET into a buffer, retried as a
 * whole when it fails), checked, then written as a ZIP entry with its sizes and CRC-32 in its
 * header; larger ones stream through RecordCheck. A trade is a few hundred bytes: a stream, a
 * transform and a data descriptor each cost more than the record (scripts/bench/export-ready.js).
 */
export const READ_WHOLE_MAX_BYTES = 1024 * 1024;

/** Order of the files in the ZIP (docs/decisions/0009-export-bag.md). */
export const BAG_FILES = {
  readme: 'data/README.txt',
  checkpoint: 'data/evidence/checkpoint.txt',
  verifierKey: 'data/evidence/verifier-key.txt',
  auditNdjson: 'data/audit/events.ndjson',
  auditCsv: 'data/audit/events.csv',
  indexCsv: 'data/index.csv',
  indexHtml: 'data/index.html',
} as const;

/** The audit trail's NDJSON leaves the builder in chunks of about this many characters. */
const AUDIT_CHUNK_CHARS = 64 * 1024;

export const AUDIT_CSV_HEADER = csvRow([
  'seq',
  'at',
  'event_id',
  'principal_id',
  'action',
  'target',
  'outcome',
  'ip',
  'request_id',
  'details',
  'prev_hash',
  'hash',
]);

function contentTypeOf(record: BagRecord): string {
  return (record.contentType ?? (record.objectKey.endsWith('.json') ? 'application/json' : '')).toLowerCase();
}
const isJson = (type: string): boolean => /^application\/([a-z0-9.+-]*\+)?json\b/.test(type);
const isText = (type: string): boolean => isJson(type) || /^text\/|^application\/(xml|csv)\b/.test(type);

/**
 * The fields index.html shows for a record, as JSON for its script element: the record's own
 * JSON when small enough and an object (its text as stored, escaped; not parsed and written
 * again), else `record.fields`, else null.
 */
function fieldsJson(record: BagRecord, bytes: Buffer | null): string | null {
  if (bytes !== null) {
    const text = bytes.toString('utf8');
    try {
      const value: unknown = JSON.parse(text);
      if (value !== null && typeof value === 'object') return escapeJsonForScript(text);
    } catch {
      // not JSON after all: fall back to what the caller gave
    }
  }
  return record.fields !== undefined ? jsonForScript(record.fields) : null;
}

function auditLine(e: AuditEvent): string {
  return `${JSON.stringify({
    seq: e.seq,
    eventId: e.eventId,
    at: e.at.toISOString(),
    principalId: e.principalId,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    ip: e.ip,
    requestId: e.requestId,
    details: e.details,
    prevHash: e.prevHash,
    hash: e.hash,
  })}\n`;
}

function auditCsvRow(e: AuditEvent): string {
  return csvRow([
    e.seq,
    e.at.toISOString(),
    e.eventId,
    e.principalId,
    e.action,
    e.target,
    e.outcome,
    e.ip,
    e.requestId,
    e.details,
    e.prevHash,
    e.hash,
  ]);
}

/**
 * Builds one export bag (RFC 8493 BagIt 1.0 in a ZIP, laid out as ../shared/docs/EVIDENCE.md says)
 * as a stream. Records are read one at a time, in the order given, each checked against the
 * catalog: read whole and checked before it is written (up to READ_WHOLE_MAX_BYTES), else checked
 * as it streams, its last chunk held until the checks pass (src/export/record-check.ts). What
 * must follow them (manifests, index, tag files) waits in spool files, so memory does not grow
 * with the size of the records.
 */
export function buildBag(input: BuildBagInput): BagBuild {
  const level = input.compressionLevel ?? 6;
  // The central directory waits in a spool of the bag's directory (made when the build starts).
  let directory: Spool | null = null;
  const cd = (): Spool => {
    if (directory === null) throw new Error('the central directory spool is not open yet');
    return directory;
  };
  const zip = new ZipWriter({
    time: input.baggedAt,
    compressionLevel: level,
    directory: {
      appendBytes: (block) => cd().appendBytes(block),
      close: () => cd().close(),
      open: () => cd().open(),
    },
  });
  let failure: Error | null = null;
  let current: Readable | null = null;
  // The steps in flight, each rejected at once when the build fails. A step removes itself when
  // it settles: racing every step against one never-settling promise would keep a reaction per
  // step alive until the end (hundreds of thousands in a large bag).
  const waiting = new Set<(err: Error) => void>();
  const fail = (err: Error): void => {
    if (failure) return;
    failure = err;
    current?.destroy();
    zip.destroy(err);
    for (const reject of waiting) reject(err);
    waiting.clear();
  };
  let ended = false;
  const end = new Promise<void>((resolve) => {
    zip.output.once('end', () => {
      ended = true;
      resolve();
    });
  });
  zip.output.once('close', () => {
    if (!ended) fail(new Error('the bag stream was closed before its end'));
  });
  const step = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure) {
        p.catch(() => undefined);
        reject(failure);
        return;
      }
      waiting.add(reject);
      p.then(
        (value) => {
          waiting.delete(reject);
          resolve(value);
        },
        (err: unknown) => {
          waiting.delete(reject);
          reject(err);
        },
      );
    });

  const run = async (): Promise<BagResult> => {
    const exportId = input.request.exportId;
    const idProblem = bagPathProblem(exportId);
    if (idProblem !== null || exportId.includes('/')) {
      throw new ValidationError(
        `export id ${JSON.stringify(exportId)} cannot name a bag: ${idProblem ?? 'it holds "/"'}`,
      );
    }
    const root = `${exportId}/`;
    const dir = await SpoolDir.create(input.tmpDir, input.spoolMemoryBytes);
    let result: BagResult;
    try {
      const manifest256 = dir.spool('manifest-sha256.txt');
      const manifest512 = dir.spool('manifest-sha512.txt');
      const rows = dir.spool('rows.json');
      const fields = dir.spool('fields.json');
      const indexCsv = dir.spool('index.csv');
      const auditCsv = dir.spool('events.csv');
      directory = dir.spool('central-directory.bin');
      const paths = new BagPathSet();
      const payload = { files: 0, bytes: 0 };

      const claim = (path: string, what: string): void => {
        const problem = paths.add(path);
        if (problem !== null)
          throw new ValidationError(`${what} cannot go into the bag as ${path}: ${problem}`);
      };
      const spools = [manifest256, manifest512, rows, fields, indexCsv, auditCsv, directory];
      /**
       * Null when no spool's file is behind (appends themselves never wait), else a promise of
       * them catching up: asked once per record and per audit event, awaited only when needed.
       */
      const caughtUp = (): Promise<unknown> | null => {
        let behind: Promise<void>[] | null = null;
        for (const spool of spools) {
          const wait = spool.drained();
          if (wait) (behind ??= []).push(wait);
        }
        return behind === null ? null : step(Promise.all(behind));
      };
      const listed = (path: string, d: FileDigests): void => {
        manifest256.append(manifestLine(d.sha256, path));
        manifest512.append(manifestLine(d.sha512, path));
        payload.files += 1;
        payload.bytes += d.size;
      };
      const addBuffer = async (
        path: string,
        data: Buffer,
        compress: boolean,
        claimed = false,
      ): Promise<FileDigests> => {
        if (!claimed) claim(path, path);
        await step(zip.add(root + path, data, { compress: compress && data.length >= DEFLATE_MIN_BYTES }));
        const d = digestsOf(data);
        if (path.startsWith('data/')) listed(path, d);
        return d;
      };
      const addStream = async (path: string, source: Readable, compress: boolean): Promise<FileDigests> => {
        claim(path, path);
        current = source;
        const hashing = hashed(source, fail);
        await step(zip.add(root + path, hashing, { compress }));
        current = null;
        const d = hashing.digests();
        if (path.startsWith('data/')) listed(path, d);
        return d;
      };
      const element = (spool: Spool, json: string): void =>
        spool.append(spool.count === 0 ? json : `,\n${json}`);

      const bagit = await addBuffer('bagit.txt', Buffer.from(BAGIT_TXT), false);
      await addBuffer(
        BAG_FILES.readme,
        Buffer.from(readmeTxt(input.request, input.sourceOrganization, input.baggedAt)),
        true,
      );
      await addBuffer(BAG_FILES.checkpoint, Buffer.from(input.checkpoint), false);
      await addBuffer(BAG_FILES.verifierKey, Buffer.from(`${input.verifierKey.trim()}\n`), false);

      // The records, each followed by its proof.
      let records = 0;
      const phase = (name: BagPhase): void => input.onPhase?.(name, records);
      phase('records');
      let recordBytes = 0;
      const embedLimit = input.embedLimitBytes ?? DEFAULT_EMBED_LIMIT;
      for await (const record of input.records) {
        if (failure) break;
        const path = `data/records/${record.objectKey}`;
        claim(path, `record ${record.recordId}`);
        const proofPath = `data/evidence/proofs/${record.recordId}.tlog-proof`;
        claim(proofPath, `the proof of record ${record.recordId}`);
        const type = contentTypeOf(record);
        const compress = isText(type) && record.size >= DEFLATE_MIN_BYTES;
        const keepUpTo = isJson(type) ? embedLimit : -1;
        let kept: Buffer | null;
        if (record.read !== undefined && record.size <= READ_WHOLE_MAX_BYTES) {
          // Read whole, checked, then written: nothing of a bad record reaches the ZIP.
          const { bytes, crc64 } = await step(record.read());
          const digests = checkWholeRecord(record, bytes, crc64);
          await step(zip.add(root + path, bytes, { compress }));
          listed(path, { ...digests, size: record.size });
          kept = record.size <= keepUpTo ? bytes : null;
        } else {
          const source = await record.open();
          current = source;
          const check = new RecordCheck(record, { keepUpTo });
          source.on('error', fail);
          check.on('error', fail);
          source.pipe(check);
          await step(zip.add(root + path, check, { compress }));
          current = null;
          if (check.digests === null) throw new Error(`record ${record.recordId} was not checked`);
          listed(path, { ...check.digests, size: record.size });
          kept = check.keptBytes();
        }
        const shown = fieldsJson(record, kept);
        element(rows, indexRow(record, shown !== null));
        element(fields, shown ?? 'null');
        indexCsv.append(indexCsvRow(record));
        await addBuffer(proofPath, Buffer.from(record.proof), true, true);
        const behind = caughtUp();
        if (behind) await behind;
        records += 1;
        recordBytes += record.size;
      }
      if (failure) throw failure;

      phase('audit');
      let auditEvents = 0;
      const events = input.auditEvents;
      await addStream(
        BAG_FILES.auditNdjson,
        Readable.from(
          (async function* () {
            // Lines go out ~64 KiB at a time: a chunk a line cost a stream write each.
            let lines: string[] = [];
            let bytes = 0;
            for await (const event of events) {
              auditCsv.append(auditCsvRow(event));
              const behind = caughtUp();
              if (behind) await behind;
              auditEvents += 1;
              const line = auditLine(event);
              lines.push(line);
              bytes += line.length;
              if (bytes >= AUDIT_CHUNK_CHARS) {
                yield Buffer.from(lines.join(''));
                lines = [];
                bytes = 0;
              }
            }
            if (lines.length > 0) yield Buffer.from(lines.join(''));
          })(),
        ),
        true,
      );
      await auditCsv.close();
      await addStream(BAG_FILES.auditCsv, concat([Buffer.from(AUDIT_CSV_HEADER)], auditCsv), true);

      phase('index');
      await indexCsv.close();
      await addStream(BAG_FILES.indexCsv, concat([Buffer.from(INDEX_CSV_HEADER)], indexCsv), true);
      await rows.close();
      await fields.close();
      const facts = {
        request: input.request,
        sourceOrganization: input.sourceOrganization,
        baggedAt: input.baggedAt,
        records,
        recordBytes,
        auditEvents,
        checkpoint: input.checkpoint,
        verifierKey: input.verifierKey.trim(),
      };
      await addStream(
        BAG_FILES.indexHtml,
        indexHtmlStream(
          facts,
          () => rows.open(),
          () => fields.open(),
        ),
        true,
      );

      // Tag files: the manifests (complete now), bag-info.txt, and the tag manifest over them.
      phase('tags');
      await manifest256.close();
      await manifest512.close();
      const m256 = await addStream('manifest-sha256.txt', manifest256.open(), true);
      const m512 = await addStream('manifest-sha512.txt', manifest512.open(), true);
      const info = await addBuffer(
        'bag-info.txt',
        Buffer.from(bagInfoTxt({ ...facts, payloadFiles: payload.files, payloadBytes: payload.bytes })),
        true,
      );
      const tagManifest =
        manifestLine(bagit.sha256, 'bagit.txt') +
        manifestLine(info.sha256, 'bag-info.txt') +
        manifestLine(m256.sha256, 'manifest-sha256.txt') +
        manifestLine(m512.sha256, 'manifest-sha512.txt');
      await addBuffer('tagmanifest-sha256.txt', Buffer.from(tagManifest), false);
      zip.finish();
      await step(end);
      phase('end');
      const { sha256, size } = zip.digest();
      result = {
        exportId,
        sha256,
        size,
        records,
        recordBytes,
        auditEvents,
        payloadFiles: payload.files,
        payloadBytes: payload.bytes,
      };
    } catch (err) {
      // The build's own error is the one reported; a temp directory that cannot be removed
      // after it must not hide it.
      await dir.remove().catch(() => undefined);
      throw err;
    }
    await dir.remove();
    return result;
  };

  const done = run().catch((err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    fail(error);
    throw failure ?? error;
  });
  done.catch(() => undefined);
  return { stream: zip.output, done };
}

/** Buffers, then a spool's file, as one stream. */
function concat(head: Buffer[], spool: Spool): Readable {
  return Readable.from(
    (async function* () {
      yield* head;
      yield* spool.open();
    })(),
  );
}
