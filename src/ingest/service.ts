import { createHash } from 'node:crypto';
import { pipeline, Transform } from 'node:stream';
import type { Catalog, CatalogRecord } from '../catalog';
import type { BucketPlan, RetentionClass } from '../config';
import {
  AlreadyExistsError,
  ChecksumMismatchError,
  ObjectKeyTakenError,
  PayloadTooLargeError,
  RecordConflictError,
  ValidationError,
} from '../errors';
import type { Logger } from '../log';
import {
  canonicalBytes,
  CONTENT_META,
  documentKey,
  encodeFileName,
  objectKey,
  RECORD_SCHEMA_VERSION,
  retentionClassFor,
  storedMetadata,
  validateRecord,
  type ArchiveRecord,
  type DocumentRecord,
} from '../records';
import { contentType as contentTypeSchema, fileName as fileNameSchema } from '../records/schemas/document';
import { digestStream } from '../storage/checksums';
import type { ObjectSeal } from '../records/seal';
import type { AdoptOptions, ObjectStore, PutOptions, PutResult } from '../storage/types';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import type { Semaphore } from '../util/semaphore';
import { catalogRow } from './catalog-row';
import type { RetentionGate } from './gate';
import { toReceipt } from './receipt';
import type { DocumentUpload, IngestResult, IngestService, WriteContext } from './types';

/** What the write path needs of the catalog. */
export type IngestCatalog = Pick<Catalog, 'getRecord' | 'commitRecord'>;

/**
 * When the key of a record (or of a document's description) is taken, the object there is
 * adopted only if it is this record: the same bytes (size, CRC-64) and the same SHA-256, id and
 * type in its metadata, sealed by this archive (src/storage/adoption.ts decides).
 */
const RECORD_META = ['sha256', 'record-id', 'record-type'];
/** A description also binds its file: the same file key, SHA-256, size and file name. */
const DESCRIPTION_META = [
  ...RECORD_META,
  CONTENT_META.key,
  CONTENT_META.sha256,
  CONTENT_META.size,
  CONTENT_META.fileName,
];
/**
 * A document's file carries no SHA-256 in its metadata (it is not known when a stream's metadata
 * is sent) and no seal: it is read back and hashed, so only the very bytes are adopted, and the
 * description's seal binds its key, SHA-256 and size.
 */
/**
 * How long a write whose key is taken waits for a concurrent winner's commit (ms between the
 * catalog look-ups; about 2.5 s in all): the winner's next steps after its PUT are one more PUT at
 * most (a document's description) and one group commit.
 */
const KEY_TAKEN_WAITS_MS = [50, 100, 200, 400, 800, 1000, 0];

/** The refusal of a record id already archived with other content. */
function conflictWith(existing: CatalogRecord, sentSha256: string | undefined): RecordConflictError {
  return new RecordConflictError(
    `record ${existing.recordId} is already archived with different content; the original is never changed. ` +
      'Send a correction record (recordType "correction", amends: the original id) instead.',
    {
      details: {
        recordId: existing.recordId,
        archivedSha256: existing.sha256,
        ...(sentSha256 !== undefined ? { sentSha256 } : {}),
      },
    },
  );
}

const FILE_ADOPTION: AdoptOptions = { sameMeta: ['record-id', 'record-type'], readBack: true };

/** The essence of a media type (`type/subtype`, lower-case): parameters and case do not count. */
function mediaEssence(value: string): string {
  return (value.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * Issue 8, item 6 and issue 14, item 2: the file name and content type an upload gives (the
 * X-Strongroom-File-Name header or the multipart part's filename; the body's or the part's
 * Content-Type) obey the description's rules, and agree with the description, which is what is
 * stored and served: a mismatch is refused naming both values.
 */
function uploadMismatch(upload: DocumentUpload, description: DocumentRecord): ValidationError | undefined {
  const issues: { path: string; code: string; message: string; upload?: string; description?: string }[] = [];
  if (upload.fileName !== undefined) {
    const checked = fileNameSchema.safeParse(upload.fileName);
    if (!checked.success)
      issues.push({
        path: 'upload.fileName',
        code: 'invalid_file_name',
        message: checked.error.issues[0]?.message ?? 'invalid',
      });
    else if (upload.fileName !== description.fileName)
      issues.push({
        path: 'fileName',
        code: 'mismatch',
        message: `the upload names the file ${JSON.stringify(upload.fileName)}, the description ${JSON.stringify(description.fileName)}`,
        upload: upload.fileName,
        description: description.fileName,
      });
  }
  if (upload.contentType !== undefined) {
    const checked = contentTypeSchema.safeParse(upload.contentType);
    if (!checked.success)
      issues.push({
        path: 'upload.contentType',
        code: 'invalid_content_type',
        message: checked.error.issues[0]?.message ?? 'invalid',
      });
    else if (mediaEssence(upload.contentType) !== mediaEssence(description.contentType))
      issues.push({
        path: 'contentType',
        code: 'mismatch',
        message: `the upload is ${JSON.stringify(upload.contentType)}, the description says ${JSON.stringify(description.contentType)}`,
        upload: upload.contentType,
        description: description.contentType,
      });
  }
  if (issues.length === 0) return undefined;
  return new ValidationError(
    `the upload does not agree with its description: ${issues.map((i) => i.message).join('; ')}`,
    {
      details: issues,
      hint: "send the file with the description's fileName and contentType (or correct the description): what is stored and served is what the description says",
    },
  );
}

/** A document record sent anywhere but POST /v1/documents. */
export function documentWithoutFile(): ValidationError {
  return new ValidationError('a document record is archived with its file: it is not accepted here', {
    details: [
      { path: 'recordType', code: 'document_needs_file', message: 'send documents to POST /v1/documents' },
    ],
    hint: 'send the description and the file together to POST /v1/documents (multipart, or the file as the body with the description in X-Strongroom-Description)',
  });
}

export interface IngestServiceOptions {
  /** The retention classes (which record goes where) and their buckets, computed once at start. */
  classes: readonly RetentionClass[];
  plan: Pick<BucketPlan, 'records'>;
  store: ObjectStore;
  catalog: IngestCatalog;
  logger: Logger;
  clock?: Clock;
  /** The compliance gate (outside the local profile): refuses buckets not Locked with enough days. */
  gate: RetentionGate | null;
  /** Largest document accepted, bytes (the API's maxDocumentBytes). */
  maxDocumentBytes: number;
  /** Seals every record object written; only sealed objects are adopted (src/records/seal.ts). */
  seal: ObjectSeal;
}

/**
 * The write path of ../shared/docs/DESIGN.md. Acknowledged means durable: a receipt is returned only after
 * the object is in OSS with its CRC-64 confirmed and the catalog transaction (record row, ledger
 * leaf, audit event) has committed. Every step before the acknowledgement is safe to repeat: the
 * PUT is create-only, and a repeat that finds its own earlier object under the key (the adapter
 * decides, once, by the record adoption rule: only objects this archive sealed) carries on to
 * the commit.
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
  private readonly seal: ObjectSeal;
  private readonly recordAdoption: AdoptOptions;
  private readonly descriptionAdoption: AdoptOptions;

  constructor(options: IngestServiceOptions) {
    this.store = options.store;
    this.catalog = options.catalog;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.classes = options.classes;
    this.bucketOf = new Map(options.plan.records.map((r) => [r.className, r.bucket]));
    this.gate = options.gate;
    this.maxDocumentBytes = options.maxDocumentBytes;
    this.seal = options.seal;
    const own = (found: Parameters<ObjectSeal['sealProblem']>[0]) => this.seal.sealProblem(found);
    this.recordAdoption = { sameMeta: RECORD_META, own };
    this.descriptionAdoption = { sameMeta: DESCRIPTION_META, own };
  }

  async ingestRecord(input: unknown, ctx: WriteContext): Promise<IngestResult> {
    const record = this.validate(input);
    ctx.audit.set({ target: record.recordId });
    // A description without its file would take the id and leave the file unarchivable (409).
    if (record.recordType === 'document') throw documentWithoutFile();
    const bytes = canonicalBytes(input);
    const sha256 = createHash('sha256').update(bytes).digest('hex');

    const existing = await this.catalog.getRecord(record.recordId);
    if (existing) return this.answerExisting(existing, sha256, ctx);

    const klass = retentionClassFor(record, this.classes);
    const bucket = this.bucketFor(klass);
    await this.gate?.check(bucket, klass.days);

    const ingestedAt = this.clock.now();
    const key = objectKey(record);
    const meta = this.seal.seal(bucket, key, this.metadata(record, sha256, ctx, ingestedAt));
    let put: PutResult;
    try {
      put = await this.putRecordObject(
        bucket,
        key,
        bytes,
        sha256,
        { meta, contentType: 'application/json', adopt: this.recordAdoption },
        ctx.putSlots,
      );
    } catch (err) {
      if (!(err instanceof ObjectKeyTakenError)) throw err;
      return this.keyTaken(record.recordId, sha256, ctx, () => {
        throw err;
      });
    }
    return this.commit(record, klass, put, ingestedAt, ctx, {
      contentType: 'application/json',
      protectedFrom: put.adoptedFrom,
    });
  }

  async ingestDocument(upload: DocumentUpload, ctx: WriteContext): Promise<IngestResult> {
    const description = this.validate(upload.description);
    if (description.recordType !== 'document') {
      upload.body.resume();
      throw new ValidationError('the description of a document must be a record of type "document"', {
        details: [{ path: 'recordType', code: 'invalid_value', message: 'expected "document"' }],
      });
    }
    ctx.audit.set({ target: description.recordId });
    if (upload.size !== undefined && upload.size > this.maxDocumentBytes) {
      upload.body.resume();
      throw new PayloadTooLargeError(`documents are limited to ${this.maxDocumentBytes} bytes`);
    }
    // pipeline, not pipe: a failing upload fails the limited stream too, so no reader is left waiting.
    const body = this.sizeLimit();
    pipeline(upload.body, body, () => undefined);

    const existing = await this.catalog.getRecord(description.recordId);
    if (existing) {
      // The same id again: hash what was sent (storing nothing) and compare.
      return this.answerExisting(existing, (await digestStream(body)).sha256, ctx);
    }

    const klass = retentionClassFor(description, this.classes);
    const bucket = this.bucketFor(klass);
    await this.gate?.check(bucket, klass.days);

    // What is stored and served is what the stored description says; the upload must agree.
    const refusal = uploadMismatch(upload, description);
    if (refusal) {
      upload.body.resume();
      throw refusal;
    }
    const fileName = description.fileName;
    const contentType = description.contentType;
    const fileKey = documentKey(description, fileName);
    const ingestedAt = this.clock.now();
    if (upload.size !== undefined && description.size !== undefined && upload.size !== description.size) {
      upload.body.resume();
      throw new ValidationError(
        `the request carries ${upload.size} bytes, the description declares ${description.size}: nothing was stored`,
      );
    }
    const size = description.size ?? upload.size;
    let file: PutResult;
    try {
      // A file already under the key was left by an earlier upload of this document that never
      // committed (refused after its PUT, or cut short): adopted if it is the file sent now.
      file = await this.store.putStream(bucket, fileKey, body, {
        contentType,
        meta: { 'record-id': description.recordId, 'record-type': 'document' },
        adopt: FILE_ADOPTION,
        ...(size !== undefined ? { size } : {}),
        // Checked before the object is created: a wrong declaration leaves nothing in the bucket.
        ...(description.sha256 !== undefined ? { expectedSha256: description.sha256 } : {}),
      });
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      return this.keyTaken(description.recordId, undefined, ctx, () => {
        throw new ObjectKeyTakenError(
          `document ${description.recordId}: another file is already stored at ${bucket}/${fileKey} by an earlier upload that was not completed`,
          { cause: err, details: { bucket, key: fileKey } },
        );
      });
    }

    // The description, in canonical form, next to the file; its metadata binds it to the file.
    const descBytes = canonicalBytes(upload.description);
    const descSha = createHash('sha256').update(descBytes).digest('hex');
    const descKey = objectKey(description);
    const descMeta = this.seal.seal(bucket, descKey, {
      ...this.metadata(description, descSha, ctx, ingestedAt),
      [CONTENT_META.key]: fileKey,
      [CONTENT_META.sha256]: file.sha256,
      [CONTENT_META.crc64]: file.crc64,
      [CONTENT_META.size]: String(file.size),
      [CONTENT_META.fileName]: encodeFileName(fileName),
    });
    let desc: PutResult;
    try {
      desc = await this.putRecordObject(bucket, descKey, descBytes, descSha, {
        meta: descMeta,
        contentType: 'application/json',
        adopt: this.descriptionAdoption,
      });
    } catch (err) {
      if (!(err instanceof ObjectKeyTakenError)) throw err;
      // The file was this one (adopted), the description under the key is not.
      return this.keyTaken(description.recordId, file.sha256, ctx, () => {
        throw err;
      });
    }
    const adopted = [file.adoptedFrom, desc.adoptedFrom].filter((d): d is Date => d !== undefined);
    return this.commit(description, klass, file, ingestedAt, ctx, {
      contentType,
      fileName,
      descriptionSha256: descSha,
      protectedFrom: adopted.length > 0 ? new Date(Math.min(...adopted.map((d) => d.getTime()))) : undefined,
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
    ctx: WriteContext,
    ingestedAt: Date,
  ): Record<string, string> {
    return storedMetadata({
      sha256,
      recordType: record.recordType,
      recordId: record.recordId,
      principal: ctx.principal.id,
      ingestedAt,
      schemaVersion: RECORD_SCHEMA_VERSION,
    });
  }

  /**
   * The create-only PUT of a record (or a document's description). When the key is taken, the
   * adapter adopts the object there if it is this one (`options.adopt`); else the key holds
   * another object: a conflict for `strongroom reconcile`.
   */
  private async putRecordObject(
    bucket: string,
    key: string,
    bytes: Buffer,
    sha256: string,
    options: PutOptions,
    slots?: Semaphore,
  ): Promise<PutResult> {
    let put: PutResult;
    try {
      const send = (): Promise<PutResult> => this.store.putBuffer(bucket, key, bytes, options);
      put = await (slots ? slots.run(send) : send());
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      throw new ObjectKeyTakenError(`an object with different content already exists at ${bucket}/${key}`, {
        cause: err,
        details: { bucket, key },
      });
    }
    if (put.sha256 !== sha256) {
      throw new ChecksumMismatchError(
        `${bucket}/${key}: the bytes sent hash differently from the bytes prepared`,
      );
    }
    if (put.adoptedFrom) this.logger.info({ bucket, key }, 'adopted an object stored by an earlier attempt');
    return put;
  }

  /**
   * A create-only PUT found its key holding another object. Either a concurrent request with the
   * same id got there first (its commit follows within moments: the loser then gets the answer any
   * later request with that id gets, a repeat or `Conflict`, one code for one situation), or an
   * earlier attempt left an object that never reached the catalog (`keyTaken`'s own error:
   * `ObjectKeyTaken`, for `strongroom reconcile`). The catalog is asked a few times, briefly.
   */
  private async keyTaken(
    recordId: string,
    sentSha256: string | undefined,
    ctx: WriteContext,
    leftover: () => never,
  ): Promise<IngestResult> {
    for (const waitMs of KEY_TAKEN_WAITS_MS) {
      const existing = await this.catalog.getRecord(recordId);
      if (existing) {
        if (sentSha256 !== undefined) return this.answerExisting(existing, sentSha256, ctx);
        // The file sent was not adopted, so it differs from the one archived under this id.
        await ctx.audit.append('denied', { reason: 'conflict' });
        throw conflictWith(existing, undefined);
      }
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    return leftover();
  }

  /** The same id again: the same bytes are a repeat (200), other bytes a conflict (409). */
  private async answerExisting(
    existing: CatalogRecord,
    sha256: string,
    ctx: WriteContext,
  ): Promise<IngestResult> {
    if (existing.sha256 !== sha256) {
      await ctx.audit.append('denied', { reason: 'conflict', sha256 });
      throw conflictWith(existing, sha256);
    }
    await ctx.audit.append('allowed', { repeat: true });
    return { status: 'existing', receipt: toReceipt(existing) };
  }

  private async commit(
    record: ArchiveRecord,
    klass: RetentionClass,
    put: PutResult,
    ingestedAt: Date,
    ctx: WriteContext,
    extra: {
      contentType: string;
      fileName?: string;
      descriptionSha256?: string;
      protectedFrom: Date | undefined;
    },
  ): Promise<IngestResult> {
    const row = catalogRow({
      record,
      stored: { ...put, contentType: extra.contentType },
      retentionClass: klass,
      schemaVersion: RECORD_SCHEMA_VERSION,
      ingestedAt,
      principalId: ctx.principal.id,
      protectedFrom: extra.protectedFrom,
      fileName: extra.fileName,
    });
    const details: Record<string, unknown> = {
      bucket: put.bucket,
      key: put.key,
      sha256: put.sha256,
      size: put.size,
    };
    if (extra.descriptionSha256) details.descriptionSha256 = extra.descriptionSha256;
    const result = await ctx.audit.within(
      'allowed',
      details,
      (event) => this.catalog.commitRecord(row, event),
      (r) => r.created,
    );
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
