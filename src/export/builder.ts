import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { AlertSink } from '../alerts/types';
import type { AuditEvent, Catalog, ExportRow, RecordSelection } from '../catalog';
import { ChecksumMismatchError, RecordIntegrityError, StrongroomError } from '../errors';
import type { Logger } from '../log';
import { OSS_LIMITS } from '../storage/limits';
import type { ObjectStore } from '../storage/types';
import { buildBagInWorker } from './bag-thread';
import { buildBag } from './bag-writer';
import { spoolMemoryFor } from './spool';
import type { ExportEvidence } from './evidence';
import { selectRecords } from './selection';
import type { BagRecord, BuildBagInput } from './types';

export type BuilderCatalog = Pick<
  Catalog,
  | 'getRecord'
  | 'searchRecords'
  | 'auditSeqsOfSelection'
  | 'auditEventsAt'
  | 'startExportBuild'
  | 'completeExport'
  | 'failExport'
  | 'appendAudit'
  | 'getExport'
>;

export interface BuildDeps {
  catalog: BuilderCatalog;
  store: Pick<ObjectStore, 'get' | 'getBuffer' | 'putStream'>;
  evidence: ExportEvidence;
  exportsBucket: string;
  sourceOrganization: string;
  logger: Logger;
  alerts?: AlertSink;
  tmpDir?: string;
  /** Aborted when the service stops: the build is abandoned, not failed (it resumes at the next start). */
  signal?: AbortSignal;
  /**
   * Where the bag is written: `main`, on this thread (buildBag, when not given); `worker`, in a
   * worker thread while this one reads the records and uploads (buildBagInWorker; decisions 0026
   * and 0027; serve's default).
   */
  bagThread?: 'main' | 'worker';
}

const MIB = 1024 * 1024;

/**
 * The part size of a bag's upload: 4 MiB, so that a build holds ~16 MiB of parts (three in flight
 * and one filling) rather than twice that at the default 8 MiB; larger when the bag could need
 * more than 9,000 parts (OSS allows 10,000). The bag's size is not known before it is written:
 * it is taken as the records' bytes plus 16 KiB a record (its proof, index row and fields,
 * manifest lines, ZIP headers and audit lines come to ~2.5 KB in the benchmarks) plus 64 MiB.
 */
export function bagPartSize(records: number, recordBytes: number): number {
  const estimate = recordBytes + records * 16 * 1024 + 64 * MIB;
  return Math.min(OSS_LIMITS.maxPartBytes, Math.max(4 * MIB, Math.ceil(estimate / 9000)));
}

/** The key of an export's ZIP in the exports bucket. */
export const bagKey = (exportId: string): string => `exports/${exportId}.zip`;

/**
 * The bag's audit trail is read as seqs, many at a time, then as rows, a few at a time. A call
 * for seqs costs one probe per selected record whatever its length (~0.3 s at 100,000 records on
 * SQLite, on the serving thread), so it takes many: 50,000 seqs are 400 KB. Rows are held only a
 * page at a time: 10,000 events in one page took ~30 MB of heap at the peak of a 100,000-record
 * build (scripts/bench/export-rss.js).
 */
const AUDIT_SEQ_PAGE = 50_000;
const AUDIT_ROW_PAGE = 1_000;

/**
 * The audit events about the bag's records (target = a record id), below the export's audit
 * size, in seq order: selected by the catalog from the export's criteria and ledger size, the
 * same records the bag takes, so nothing here grows with the bag or with the audit trail.
 */
async function* auditOf(
  catalog: BuilderCatalog,
  selection: RecordSelection,
  belowSeq: number,
): AsyncGenerator<AuditEvent> {
  let from = 0;
  while (from < belowSeq) {
    const seqs = await catalog.auditSeqsOfSelection(selection, {
      fromSeq: from,
      belowSeq,
      limit: AUDIT_SEQ_PAGE,
    });
    for (let at = 0; at < seqs.length; at += AUDIT_ROW_PAGE) {
      const wanted = seqs.slice(at, at + AUDIT_ROW_PAGE);
      const events = await catalog.auditEventsAt(wanted);
      // The trail is append-only: an event the index names and the table lacks is damage.
      if (events.length !== wanted.length)
        throw new RecordIntegrityError(
          `the audit trail lacks ${wanted.length - events.length} of the events its index names (seqs ${wanted[0]} to ${wanted[wanted.length - 1]})`,
        );
      yield* events;
    }
    if (seqs.length < AUDIT_SEQ_PAGE) return;
    from = (seqs[seqs.length - 1] as number) + 1;
  }
}

/**
 * Builds one export: the bag streamed from the records (each checked as it passes) straight into
 * a create-only upload to the exports bucket (multipart above the threshold), then its ledger leaf
 * and the row marked ready in one catalog call. The bag is deterministic (its date is the
 * request's, its checkpoint the one fixed by the first build), so a build restarted after a crash
 * makes the same bytes and adopts an upload that had completed. A failed stream is never
 * completed as an upload: a half-written bag is never stored, let alone marked ready.
 */
export async function buildExport(deps: BuildDeps, row0: ExportRow): Promise<ExportRow> {
  const { catalog, logger } = deps;
  const id = row0.exportId;
  // When each part of the build began (ms since the start), logged with the result.
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const mark = (name: string): void => {
    timings[name] = Math.round(performance.now() - t0);
  };
  try {
    const checkpoint =
      row0.checkpoint ?? (await deps.evidence.checkpointCovering(row0.ledgerSize - 1)).checkpoint;
    const row = await catalog.startExportBuild(id, checkpoint);
    const note = row.checkpoint ?? checkpoint;
    const prove = await deps.evidence.prover(note);
    const verifierKey = await deps.evidence.verifierKey();
    const store = deps.store;
    async function* records(): AsyncGenerator<BagRecord> {
      for await (const r of selectRecords(catalog, row.criteria, row0.ledgerSize)) {
        yield {
          recordId: r.recordId,
          recordType: r.recordType,
          objectKey: r.objectKey,
          businessDate: r.businessDate,
          clientId: r.clientId,
          accountId: r.accountId,
          instrument: r.instrument,
          size: r.size,
          sha256: r.sha256,
          crc64: r.crc64,
          contentType: r.contentType,
          open: async (): Promise<Readable> => (await store.get(r.bucket, r.objectKey)).body,
          read: async () => {
            // getBuffer checks the bytes against the CRC-64 OSS announces: that CRC stands for them.
            const { info, body } = await store.getBuffer(r.bucket, r.objectKey);
            return { bytes: body, ...(info.crc64 !== undefined ? { crc64: info.crc64 } : {}) };
          },
          proof: await prove(r.ledgerSeq),
          ...(r.documentType !== null
            ? { fields: { documentType: r.documentType, fileName: r.fileName, amends: r.amends } }
            : {}),
        };
      }
    }
    mark('prepared');
    const partSize = bagPartSize(row.recordCount, row.recordBytes);
    const bagInput: BuildBagInput = {
      onPhase: (phase) => mark(phase),
      request: {
        exportId: id,
        reference: row.reference,
        recipient: row.recipient,
        purpose: row.purpose,
        criteria: { ...row.criteria },
        requestedBy: row.requestedBy,
      },
      sourceOrganization: deps.sourceOrganization,
      baggedAt: row.createdAt,
      records: records(),
      auditEvents: row.includeAudit
        ? auditOf(catalog, { criteria: row.criteria, ledgerSize: row0.ledgerSize }, row0.auditSize)
        : [],
      checkpoint: note,
      verifierKey,
      spoolMemoryBytes: spoolMemoryFor(row.recordCount),
      ...(deps.tmpDir !== undefined ? { tmpDir: deps.tmpDir } : {}),
    };
    // In a worker, the ZIP comes in chunks of the part size, each taken as a part without a copy.
    const bag =
      deps.bagThread === 'worker' ? buildBagInWorker(bagInput, { chunkBytes: partSize }) : buildBag(bagInput);
    const key = bagKey(id);
    const onAbort = (): void => {
      bag.stream.destroy(new Error('the export builder stopped'));
    };
    deps.signal?.addEventListener('abort', onAbort, { once: true });
    // Stopped before the listener was there: an abort event is not sent again.
    if (deps.signal?.aborted) onAbort();
    let put: Awaited<ReturnType<typeof store.putStream>>;
    let result: Awaited<typeof bag.done>;
    try {
      [put, result] = await Promise.all([
        store.putStream(deps.exportsBucket, key, bag.stream, {
          contentType: 'application/zip',
          meta: { 'export-id': id },
          adopt: { sameMeta: ['export-id'] },
          partSizeBytes: partSize,
          ...(bag.recycle ? { onPartUploaded: bag.recycle } : {}),
        }),
        bag.done,
      ]);
    } finally {
      // The service's signal outlives this build: keep no reference to the bag from it.
      deps.signal?.removeEventListener('abort', onAbort);
    }
    mark('uploaded');
    if (put.sha256 !== result.sha256 || put.size !== result.size)
      throw new RecordIntegrityError(`export ${id}: the stored bag differs from the bag built`);
    const { row: done, leaf } = await catalog.completeExport(id, {
      bucket: deps.exportsBucket,
      key,
      sha256: result.sha256,
      size: result.size,
    });
    await catalog.appendAudit({
      principalId: row.requestedBy,
      action: 'export.build',
      target: id,
      outcome: 'allowed',
      details: {
        status: 'ready',
        records: result.records,
        bytes: result.size,
        sha256: result.sha256,
        ledgerIndex: leaf.seq,
        ...(put.adoptedFrom ? { adopted: true } : {}),
      },
    });
    mark('ready');
    logger.info(
      // msSinceStart: when each part began (records, audit, index, tags), the ZIP ended, the
      // upload completed, the export was marked ready: where a slow build spends its time.
      { exportId: id, records: result.records, size: result.size, msSinceStart: timings },
      'export ready',
    );
    return done;
  } catch (err) {
    if (deps.signal?.aborted) throw err;
    const reason =
      err instanceof StrongroomError ? err.message : 'the bag could not be built (see the server log)';
    logger.error({ err, exportId: id }, 'export failed');
    // A record whose bytes disagree with the catalog (RecordIntegrityError), or with the CRC-64
    // OSS keeps for them (ChecksumMismatchError from the store's read, or from the bag's upload):
    // evidence may be damaged at rest, which someone must look at, not only the requester.
    const integrity = err instanceof RecordIntegrityError || err instanceof ChecksumMismatchError;
    if (integrity && deps.alerts) {
      const [kind, what] =
        err instanceof RecordIntegrityError
          ? ['record_integrity', 'a record failed its integrity check']
          : ['checksum_mismatch', 'a checksum did not match'];
      await deps.alerts
        .raise({
          source: 'export',
          kind,
          summary: `export ${id}: ${what}`,
          details: { exportId: id, reason },
          dedupeKey: `export:${id}`,
        })
        .catch((e: unknown) => logger.error({ err: e, exportId: id }, 'the alert could not be raised'));
    }
    const failed = await catalog.failExport(id, reason);
    await catalog.appendAudit({
      principalId: row0.requestedBy,
      action: 'export.build',
      target: id,
      outcome: 'error',
      details: { status: 'failed', reason },
    });
    return failed;
  }
}
