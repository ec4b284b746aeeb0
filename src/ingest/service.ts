import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Catalog, CatalogRecord, NewAuditEvent, NewRecord } from '../catalog';
import { bucketPlan, type Config, type RetentionClass } from '../config';
import {
  AlreadyExistsError,
  ChecksumMismatchError,
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from '../errors';
import type { Logger } from '../log';
import {
  businessFields,
  canonicalBytes,
  documentKey,
  objectKey,
  recordMetadata,
  retentionClassFor,
  RECORD_SCHEMA_VERSION,
  validateRecord,
  type ArchiveRecord,
  type DocumentRecord,
} from '../records';
import type { ObjectInfo, ObjectStore, PutOptions, PutResult } from '../storage/types';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import { Crc64 } from '../util/crc64';
import type { Semaphore } from '../util/semaphore';
import { RetentionGate } from './gate';
import { toReceipt } from './receipt';
import type { DocumentUpload, IngestResult, IngestService, RequestContext } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the write path needs of the catalog. */
export type IngestCatalog = Pick<Catalog, 'getRecord' | 'commitRecord' | 'appendAudit'>;

/** Metadata keys a document's description object carries about the file it describes. */
export const CONTENT_META = {
  key: 'content-key',
  sha256: 'content-sha256',
  crc64: 'content-crc64',
  size: 'content-size',
  contentType: 'content-type',
} as const;

export interface IngestServiceOptions {
  config: Pick<Config, 'profile' | 'buckets'>;
  store: ObjectStore;
  catalog: IngestCatalog;
  logger: Logger;
  clock?: Clock;
  /** Refuse writes to buckets not Locked with enough days. Default: on outside the local profile. */
  enforceRetentionLock?: boolean;
  /** Largest document accepted, bytes. */
  maxDocumentBytes?: number;
}

/**
 * The write path of docs/DESIGN.md. Acknowledged means durable: a receipt is returned only after
 * the object is in OSS with its CRC-64 confirmed and the catalog transaction (record row, ledger
 * leaf, audit event) has committed. Every step before the acknowledgement is safe to repeat: the
 * PUT is create-only, and a repeat that finds its own earlier object (same CRC-64 and size, same
 * SHA-256 in its metadata) carries on to the commit.
 */
export class ArchiveIngestService implements IngestService {
  private readonly store: ObjectStore;
  private readonly catalog: IngestCatalog;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly classes: readonly RetentionClass[];
  private readonly bucketOf: Map<string, string>;
  private readonly gate: RetentionGate | null;
  private readonly maxDocumentBytes: number;

  constructor(options: IngestServiceOptions) {
    this.store = options.store;
    this.catalog = options.catalog;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.classes = options.config.buckets.classes;
    const plan = bucketPlan(options.config as Config);
    this.bucketOf = new Map(plan.records.map((r) => [r.className, r.bucket]));
    const enforce = options.enforceRetentionLock ?? options.config.profile !== 'local';
    this.gate = enforce ? new RetentionGate(options.store, this.clock) : null;
    this.maxDocumentBytes = options.maxDocumentBytes ?? 5 * 1024 ** 3;
  }

  async ingestRecord(input: unknown, ctx: RequestContext): Promise<IngestResult> {
    const record = this.validate(input);
    const bytes = canonicalBytes(input);
    const sha256 = createHash('sha256').update(bytes).digest('hex');

    const existing = await this.catalog.getRecord(record.recordId);
    if (existing) return this.answerExisting(existing, sha256, ctx);

    const klass = retentionClassFor(record, this.classes);
    const bucket = this.bucketFor(klass);
    await this.gate?.check(bucket, klass.days);

    const ingestedAt = this.clock.now();
    const key = objectKey(record);
    const meta = this.metadata(record, sha256, ctx, ingestedAt);
    const { put, storedAt } = await this.putOnce(
      bucket,
      key,
      bytes,
      sha256,
      { meta, contentType: 'application/json' },
      ctx.putSlots,
    );
    return this.commit(record, klass, put, ingestedAt, ctx, {
      contentType: 'application/json',
      retainFrom: storedAt,
    });
  }

  async ingestDocument(upload: DocumentUpload, ctx: RequestContext): Promise<IngestResult> {
    const description = this.validate(upload.description);
    if (description.recordType !== 'document') {
      upload.body.resume();
      throw new ValidationError('the description of a document must be a record of type "document"', {
        details: [{ path: 'recordType', code: 'invalid_value', message: 'expected "document"' }],
      });
    }
    if (upload.size !== undefined && upload.size > this.maxDocumentBytes) {
      upload.body.resume();
      throw new PayloadTooLargeError(`documents are limited to ${this.maxDocumentBytes} bytes`);
    }
    const body = upload.body.pipe(this.sizeLimit());

    const existing = await this.catalog.getRecord(description.recordId);
    if (existing) {
      // The same id again: hash what was sent (storing nothing) and compare.
      const hash = createHash('sha256');
      await pipeline(
        body,
        new Transform({ transform: (chunk: Buffer, _enc, cb) => (hash.update(chunk), cb()) }),
      );
      return this.answerExisting(existing, hash.digest('hex'), ctx);
    }

    const klass = retentionClassFor(description, this.classes);
    const bucket = this.bucketFor(klass);
    await this.gate?.check(bucket, klass.days);

    const fileName = upload.fileName ?? description.fileName;
    const contentType = upload.contentType ?? description.contentType ?? 'application/octet-stream';
    const fileKey = documentKey(description, fileName);
    const ingestedAt = this.clock.now();
    if (upload.size !== undefined && description.size !== undefined && upload.size !== description.size) {
      upload.body.resume();
      throw new ValidationError(
        `the request carries ${upload.size} bytes, the description declares ${description.size}: nothing was stored`,
      );
    }
    const size = description.size ?? upload.size;
    // A file already under the key was left by an earlier upload of this document that never
    // committed (refused after its PUT, or cut short): it is adopted if it is the file sent now.
    const leftover = await this.headIfAny(bucket, fileKey);
    const { put, storedAt: fileStoredAt } = leftover
      ? await this.adoptStoredFile(leftover, body, description.recordId)
      : {
          put: await this.store.putStream(bucket, fileKey, body, {
            contentType,
            meta: { 'record-id': description.recordId, 'record-type': 'document' },
            ...(size !== undefined ? { size } : {}),
            // Checked before the object is created: a wrong declaration leaves nothing in the bucket.
            ...(description.sha256 !== undefined ? { expectedSha256: description.sha256 } : {}),
          }),
          storedAt: undefined,
        };
    // An adopted leftover file was compared with what was sent; a new one was checked by the store.
    if (description.sha256 !== undefined && description.sha256 !== put.sha256) {
      throw new ValidationError(
        `document ${description.recordId}: the file's SHA-256 is ${put.sha256}, the description declares ${description.sha256}`,
        {
          details: { received: put.sha256, declared: description.sha256 },
        },
      );
    }

    // The description, in canonical form, next to the file; its metadata binds it to the file.
    const descBytes = canonicalBytes(upload.description);
    const descSha = createHash('sha256').update(descBytes).digest('hex');
    const descMeta = {
      ...this.metadata(description, descSha, ctx, ingestedAt),
      [CONTENT_META.key]: fileKey,
      [CONTENT_META.sha256]: put.sha256,
      [CONTENT_META.crc64]: put.crc64,
      [CONTENT_META.size]: String(put.size),
    };
    const { storedAt: descStoredAt } = await this.putOnce(
      bucket,
      objectKey(description),
      descBytes,
      descSha,
      {
        meta: descMeta,
        contentType: 'application/json',
      },
    );
    const storedAt = [fileStoredAt, descStoredAt].filter((d): d is Date => d !== undefined);
    return this.commit(description, klass, put, ingestedAt, ctx, {
      contentType,
      fileName: fileName ?? null,
      descriptionSha256: descSha,
      ...(storedAt.length > 0 ? { retainFrom: new Date(Math.min(...storedAt.map((d) => d.getTime()))) } : {}),
    });
  }

  private validate(input: unknown): ArchiveRecord {
    const result = validateRecord(input);
    if (!result.ok) {
      throw new ValidationError(`the record is not valid: ${result.issues.length} issue(s)`, {
        details: result.issues,
      });
    }
    return result.record;
  }

  private bucketFor(klass: RetentionClass): string {
    const bucket = this.bucketOf.get(klass.name);
    if (!bucket) throw new ValidationError(`retention class ${klass.name} has no bucket`);
    return bucket;
  }

  private metadata(
    record: ArchiveRecord,
    sha256: string,
    ctx: RequestContext,
    ingestedAt: Date,
  ): Record<string, string> {
    const prefixed = recordMetadata({
      sha256,
      recordType: record.recordType,
      recordId: record.recordId,
      principal: ctx.principal.id,
      ingestedAt,
      schemaVersion: RECORD_SCHEMA_VERSION,
    });
    // The adapter adds the x-oss-meta- prefix itself.
    return Object.fromEntries(Object.entries(prefixed).map(([k, v]) => [k.replace(/^x-oss-meta-/, ''), v]));
  }

  /**
   * The create-only PUT of a record (or a document's description). When the key is taken already
   * (an earlier attempt stored the object but did not commit it: a crash, a CRC-64 that could not
   * be confirmed, a failure after the PUT), docs/DESIGN.md's rule applies: HEAD the object and carry
   * on to the commit if it is ours (its SHA-256 metadata, and the size and CRC-64 OSS computed over
   * its bytes, match what is being sent). Anything else is a conflict for `strongroom reconcile`.
   * `storedAt` is set for an adopted object: its Last-Modified, from which OSS protects it.
   */
  private async putOnce(
    bucket: string,
    key: string,
    bytes: Buffer,
    sha256: string,
    options: PutOptions,
    slots?: Semaphore,
  ): Promise<{ put: PutResult; storedAt?: Date }> {
    let put: PutResult;
    try {
      const send = (): Promise<PutResult> => this.store.putBuffer(bucket, key, bytes, options);
      put = await (slots ? slots.run(send) : send());
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      const info = await this.store.head(bucket, key);
      const crc64 = new Crc64().update(bytes).digest();
      if (info.meta.sha256 !== sha256 || info.size !== bytes.length || info.crc64 !== crc64) {
        throw new ConflictError(`an object with different content already exists at ${bucket}/${key}`, {
          details: { hint: 'run `strongroom reconcile` and review the report' },
        });
      }
      this.logger.info({ bucket, key }, 'adopted an object stored by an earlier, uncommitted attempt');
      const md5 = createHash('md5').update(bytes).digest('base64');
      put = {
        bucket,
        key,
        size: bytes.length,
        etag: info.etag,
        crc64,
        sha256,
        md5,
        multipart: false,
        reconciled: true,
      };
      return { put, storedAt: info.lastModified };
    }
    if (put.sha256 !== sha256) {
      throw new ChecksumMismatchError(
        `${bucket}/${key}: the bytes sent hash differently from the bytes prepared`,
      );
    }
    await this.confirmReconciled(put, sha256);
    return { put };
  }

  private async headIfAny(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      return await this.store.head(bucket, key);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * A document's file found under its key before the upload: reads the upload through (storing
   * nothing) and the stored file back, and adopts the stored one only if both have the same size,
   * CRC-64 and SHA-256. Else the key is taken by another file: a conflict.
   */
  private async adoptStoredFile(
    info: ObjectInfo,
    body: Readable,
    recordId: string,
  ): Promise<{ put: PutResult; storedAt: Date }> {
    const sha = createHash('sha256');
    const md5 = createHash('md5');
    const crc = new Crc64();
    let size = 0;
    await pipeline(
      body,
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          sha.update(chunk);
          md5.update(chunk);
          crc.update(chunk);
          size += chunk.length;
          cb();
        },
      }),
    );
    const sent = { sha256: sha.digest('hex'), md5: md5.digest('base64'), crc64: crc.digest(), size };
    let storedSha: string | undefined;
    if (info.size === sent.size && info.crc64 === sent.crc64) {
      const stored = await this.store.get(info.bucket, info.key);
      const hash = createHash('sha256');
      for await (const chunk of stored.body as AsyncIterable<Buffer>) hash.update(chunk);
      storedSha = hash.digest('hex');
    }
    if (storedSha !== sent.sha256) {
      throw new ConflictError(
        `document ${recordId}: another file is already stored at ${info.bucket}/${info.key} by an earlier upload that was not completed`,
        { details: { hint: 'run `strongroom reconcile` and review the report' } },
      );
    }
    this.logger.info(
      { bucket: info.bucket, key: info.key },
      'adopted a document file stored by an earlier, uncommitted upload',
    );
    return {
      put: {
        bucket: info.bucket,
        key: info.key,
        ...sent,
        etag: info.etag,
        multipart: false,
        reconciled: true,
      },
      storedAt: info.lastModified,
    };
  }

  /**
   * A PUT that found an object already under its key (an earlier attempt that crashed before
   * the commit, or a lost answer) is only accepted when that object's own SHA-256 metadata is ours.
   */
  private async confirmReconciled(put: PutResult, sha256: string): Promise<void> {
    if (!put.reconciled) return;
    const info = await this.store.head(put.bucket, put.key);
    if (info.meta.sha256 !== undefined && info.meta.sha256 !== sha256) {
      throw new ConflictError(`an object with different content already exists at ${put.bucket}/${put.key}`, {
        details: { hint: 'run `strongroom reconcile` and review the report' },
      });
    }
  }

  private async answerExisting(
    existing: CatalogRecord,
    sha256: string,
    ctx: RequestContext,
  ): Promise<IngestResult> {
    if (existing.sha256 !== sha256) {
      await this.catalog.appendAudit(
        this.audit(ctx, existing.recordId, 'denied', { reason: 'conflict', sha256 }),
      );
      throw new ConflictError(
        `record ${existing.recordId} is already archived with different content; the original is never changed. ` +
          'Send a correction record (recordType "correction", amends: the original id) instead.',
        {
          details: { recordId: existing.recordId, archivedSha256: existing.sha256, sentSha256: sha256 },
          auditRecorded: true,
        },
      );
    }
    await this.catalog.appendAudit(this.audit(ctx, existing.recordId, 'allowed', { repeat: true }));
    return { status: 'existing', receipt: toReceipt(existing) };
  }

  private audit(
    ctx: RequestContext,
    target: string,
    outcome: NewAuditEvent['outcome'],
    details: Record<string, unknown>,
  ): NewAuditEvent {
    return {
      principalId: ctx.principal.id,
      action: 'records.write',
      target,
      outcome,
      ip: ctx.ip,
      requestId: ctx.requestId,
      details,
      at: this.clock.now(),
    };
  }

  private async commit(
    record: ArchiveRecord,
    klass: RetentionClass,
    put: PutResult,
    ingestedAt: Date,
    ctx: RequestContext,
    extra: {
      contentType: string;
      fileName?: string | null;
      descriptionSha256?: string;
      retainFrom?: Date | undefined;
    },
  ): Promise<IngestResult> {
    const fields = businessFields(record);
    const row: NewRecord = {
      recordId: record.recordId,
      recordType: record.recordType,
      schemaVersion: RECORD_SCHEMA_VERSION,
      businessDate: fields.businessDate,
      clientId: fields.clientId,
      accountId: fields.accountId,
      instrument: fields.instrument,
      orderId: fields.orderId,
      tradeId: fields.tradeId,
      bucket: put.bucket,
      objectKey: put.key,
      sha256: put.sha256,
      crc64: put.crc64,
      md5: put.md5,
      size: put.size,
      contentType: extra.contentType,
      retentionClass: klass.name,
      // A lower bound: OSS protects the object from its Last-Modified, which is after this moment
      // (an object adopted from an earlier attempt: from its own Last-Modified).
      retainUntil: new Date(
        Math.min(ingestedAt.getTime(), extra.retainFrom?.getTime() ?? Infinity) + klass.days * DAY_MS,
      ),
      ingestedAt,
      principalId: ctx.principal.id,
      amends: record.recordType === 'correction' ? (record as { amends: string }).amends : null,
      documentType: record.recordType === 'document' ? (record as DocumentRecord).documentType : null,
      fileName: extra.fileName ?? null,
    };
    const details: Record<string, unknown> = {
      bucket: put.bucket,
      key: put.key,
      sha256: put.sha256,
      size: put.size,
    };
    if (extra.descriptionSha256) details.descriptionSha256 = extra.descriptionSha256;
    const result = await this.catalog.commitRecord(row, this.audit(ctx, record.recordId, 'allowed', details));
    if (!result.created) {
      // A concurrent request with the same id committed first.
      return this.answerExisting(result.record, put.sha256, ctx);
    }
    this.logger.debug({ recordId: record.recordId, seq: result.ledgerSeq }, 'record archived');
    return { status: 'created', receipt: toReceipt(result.record) };
  }

  /** Counts bytes and fails the stream past the document size limit. */
  private sizeLimit(): Transform {
    let seen = 0;
    const max = this.maxDocumentBytes;
    return new Transform({
      transform(chunk: Buffer, _enc, cb) {
        seen += chunk.length;
        if (seen > max) cb(new PayloadTooLargeError(`documents are limited to ${max} bytes`));
        else cb(null, chunk);
      },
    });
  }
}
