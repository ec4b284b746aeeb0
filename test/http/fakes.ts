/**
 * Fakes for the HTTP layer's dependencies. Each keeps its interface's contract:
 * - FakeCatalog: records, corrections, keyset-like pagination with opaque cursors, a hash-free
 *   but gap-free audit trail; commitRecord writes record + audit event together or not at all.
 * - FakeIngest: the real record validation (src/records), canonical bytes and SHA-256; same id and
 *   same bytes -> existing (with the original receipt, audited), same id and other bytes -> a
 *   'denied' audit event then ConflictError (auditRecorded), as src/ingest/service.ts does;
 *   created records go to the store and the catalog with their audit event in one commit.
 * - FakeStore: an in-memory object store (get streams the bytes).
 * - FakeAuthenticator: one bearer token per role.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Principal, Role } from '../../src/auth/types';
import { ROLES } from '../../src/auth/types';
import type {
  AuditEvent,
  CatalogRecord,
  CommitResult,
  NewAuditEvent,
  NewRecord,
  RecordPage,
  RecordQuery,
} from '../../src/catalog/types';
import {
  ConflictError,
  NotFoundError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
} from '../../src/errors';
import type { HttpCatalog } from '../../src/http';
import type { DocumentUpload, IngestResult, IngestService, RequestContext } from '../../src/ingest/types';
import {
  businessFields,
  canonicalBytes,
  documentKey,
  objectKey,
  parseRecord,
  type ArchiveRecord,
} from '../../src/records';
import type { ObjectInfo, ObjectStore } from '../../src/storage/types';
import { toReceipt } from '../../src/ingest/receipt';

export const TOKENS: Record<Role, string> = Object.fromEntries(ROLES.map((r) => [r, `tok-${r}`])) as Record<
  Role,
  string
>;

export function principalFor(role: Role): Principal {
  return { id: `usr_${role}`, name: `${role}-user`, role, kind: 'user', via: 'token' };
}

export class FakeAuthenticator {
  calls = 0;
  async authenticate(header: string | undefined): Promise<Principal> {
    this.calls++;
    const m = /^Bearer (\S+)$/.exec(header ?? '');
    if (!m)
      throw new UnauthenticatedError("missing Authorization header: send 'Authorization: Bearer <token>'");
    const role = ROLES.find((r) => TOKENS[r] === m[1]);
    if (!role) throw new UnauthenticatedError('unknown or revoked token');
    return principalFor(role);
  }
}

export class FakeStore implements Pick<ObjectStore, 'get'> {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();
  failMidStream = false;

  put(bucket: string, key: string, body: Buffer, contentType: string): void {
    this.objects.set(`${bucket}/${key}`, { body, contentType });
  }

  async get(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Readable }> {
    const o = this.objects.get(`${bucket}/${key}`);
    if (!o) throw new NotFoundError(`no object ${bucket}/${key}`);
    const info: ObjectInfo = {
      bucket,
      key,
      size: o.body.length,
      etag: createHash('md5').update(o.body).digest('hex').toUpperCase(),
      lastModified: new Date(0),
      contentType: o.contentType,
      meta: {},
    };
    if (this.failMidStream) {
      const half = o.body.subarray(0, Math.floor(o.body.length / 2));
      const body = new Readable({
        read() {
          this.push(half);
          this.destroy(new Error('connection reset by the store'));
        },
      });
      return { info, body };
    }
    return { info, body: Readable.from([o.body]) };
  }
}

type StoredRow = CatalogRecord;

export class FakeCatalog implements HttpCatalog {
  readonly records = new Map<string, StoredRow>();
  readonly audit: AuditEvent[] = [];
  private ledger = 0;
  /** When set, appendAudit fails (an unavailable database). */
  failAudit = false;

  async getRecord(recordId: string): Promise<CatalogRecord | undefined> {
    return this.records.get(recordId);
  }

  async searchRecords(q: RecordQuery): Promise<RecordPage> {
    const limit = q.limit ?? 100;
    const all = [...this.records.values()]
      .filter(
        (r) =>
          (q.recordType === undefined || r.recordType === q.recordType) &&
          (q.fromDate === undefined || r.businessDate >= q.fromDate) &&
          (q.toDate === undefined || r.businessDate <= q.toDate) &&
          (q.clientId === undefined || r.clientId === q.clientId) &&
          (q.accountId === undefined || r.accountId === q.accountId) &&
          (q.instrument === undefined || r.instrument === q.instrument) &&
          (q.orderId === undefined || r.orderId === q.orderId) &&
          (q.tradeId === undefined || r.tradeId === q.tradeId),
      )
      .sort((a, b) => (a.businessDate + a.recordId < b.businessDate + b.recordId ? -1 : 1));
    let start = 0;
    if (q.cursor !== undefined) {
      const after = Buffer.from(q.cursor, 'base64url').toString('utf8');
      if (!after.startsWith('after:')) {
        throw new ValidationError('invalid cursor', {
          details: { issues: [{ path: ['cursor'], message: 'not a cursor' }] },
        });
      }
      start = all.findIndex((r) => `${r.businessDate}/${r.recordId}` > after.slice(6));
      if (start < 0) start = all.length;
    }
    const records = all.slice(start, start + limit);
    const last = records[records.length - 1];
    const more = start + limit < all.length && last !== undefined;
    return {
      records,
      ...(more
        ? { nextCursor: Buffer.from(`after:${last.businessDate}/${last.recordId}`).toString('base64url') }
        : {}),
    };
  }

  async corrections(recordId: string): Promise<CatalogRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.amends === recordId)
      .sort((a, b) => a.ledgerSeq - b.ledgerSeq);
  }

  async appendAudit(e: NewAuditEvent): Promise<AuditEvent> {
    if (this.failAudit) throw new UnavailableError('the catalog is unavailable');
    const event: AuditEvent = {
      seq: this.audit.length,
      eventId: e.eventId ?? `evt_${this.audit.length}`,
      at: e.at ?? new Date(),
      principalId: e.principalId,
      action: e.action,
      target: e.target ?? null,
      outcome: e.outcome,
      ip: e.ip ?? null,
      requestId: e.requestId ?? null,
      details: e.details == null ? null : JSON.stringify(e.details),
      prevHash: '0'.repeat(64),
      hash: '0'.repeat(64),
    };
    this.audit.push(event);
    return event;
  }

  async commitRecord(r: NewRecord, audit: NewAuditEvent): Promise<CommitResult> {
    const existing = this.records.get(r.recordId);
    if (existing) return { created: false, record: existing, ledgerSeq: existing.ledgerSeq };
    if (this.failAudit) throw new UnavailableError('the catalog is unavailable');
    const row: CatalogRecord = {
      ...r,
      clientId: r.clientId ?? null,
      accountId: r.accountId ?? null,
      instrument: r.instrument ?? null,
      orderId: r.orderId ?? null,
      tradeId: r.tradeId ?? null,
      amends: r.amends ?? null,
      documentType: r.documentType ?? null,
      fileName: r.fileName ?? null,
      ledgerSeq: this.ledger++,
    };
    this.records.set(r.recordId, row);
    const event = await this.appendAudit(audit);
    return { created: true, record: row, ledgerSeq: row.ledgerSeq, auditSeq: event.seq };
  }

  /** Events of one request. */
  eventsFor(requestId: string): AuditEvent[] {
    return this.audit.filter((e) => e.requestId === requestId);
  }
}

/** What the fake write path needs from a catalog (FakeCatalog or the real one). */
export type CommitTarget = Pick<FakeCatalog, 'getRecord' | 'commitRecord' | 'appendAudit'>;

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

export class FakeIngest implements IngestService {
  /** Optional delay per record id, to make lines finish out of order. */
  delay?: (recordId: string) => number;
  /** Failures to inject, by record id (an unexpected error, not a typed one). */
  explode = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;
  /** "PUTs" (the injected delay) at once, bounded by the request's putSlots as the real service does. */
  putsInFlight = 0;
  maxPutsInFlight = 0;
  documents: { upload: Omit<DocumentUpload, 'body'>; bytes: Buffer }[] = [];

  constructor(
    private readonly catalog: CommitTarget,
    private readonly store: FakeStore,
  ) {}

  private async commit(
    record: ArchiveRecord,
    bytes: Buffer,
    key: string,
    contentType: string,
    ctx: RequestContext,
    extra: Partial<NewRecord>,
  ): Promise<IngestResult> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const existing = await this.catalog.getRecord(record.recordId);
    if (existing) {
      if (existing.sha256 !== sha256) {
        // As the real write path: the refusal is audited here, then ConflictError with the archived hash.
        await this.catalog.appendAudit({
          principalId: ctx.principal.id,
          action: 'records.write',
          target: record.recordId,
          outcome: 'denied',
          ip: ctx.ip,
          requestId: ctx.requestId,
          details: { reason: 'conflict', sha256 },
        });
        throw new ConflictError(`record ${record.recordId} exists with different content`, {
          details: { recordId: existing.recordId, archivedSha256: existing.sha256, sentSha256: sha256 },
          auditRecorded: true,
        });
      }
      await this.catalog.appendAudit({
        principalId: ctx.principal.id,
        action: 'records.write',
        target: record.recordId,
        outcome: 'allowed',
        ip: ctx.ip,
        requestId: ctx.requestId,
        details: { result: 'existing' },
      });
      return { status: 'existing', receipt: toReceipt(existing) };
    }
    const fields = businessFields(record);
    const now = new Date();
    const row: NewRecord = {
      recordId: record.recordId,
      recordType: record.recordType,
      schemaVersion: 1,
      businessDate: fields.businessDate,
      clientId: fields.clientId,
      accountId: fields.accountId,
      instrument: fields.instrument,
      orderId: fields.orderId,
      tradeId: fields.tradeId,
      bucket: 'test-records-7y',
      objectKey: key,
      sha256,
      crc64: '0',
      md5: createHash('md5').update(bytes).digest('base64'),
      size: bytes.length,
      contentType,
      retentionClass: '7y',
      retainUntil: new Date(now.getTime() + 2557 * 86_400_000),
      ingestedAt: now,
      principalId: ctx.principal.id,
      amends: record.recordType === 'correction' ? record.amends : null,
      ...extra,
    };
    this.store.put(row.bucket, key, bytes, contentType);
    const result = await this.catalog.commitRecord(row, {
      principalId: ctx.principal.id,
      action: 'records.write',
      target: record.recordId,
      outcome: 'allowed',
      ip: ctx.ip,
      requestId: ctx.requestId,
      details: { result: 'created' },
    });
    if (!result.created) return this.commit(record, bytes, key, contentType, ctx, extra);
    return { status: 'created', receipt: toReceipt(result.record) };
  }

  async ingestRecord(input: unknown, ctx: RequestContext): Promise<IngestResult> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const record = parseRecord(input);
      const wait = this.delay?.(record.recordId) ?? 0;
      const put = async (): Promise<void> => {
        this.putsInFlight++;
        this.maxPutsInFlight = Math.max(this.maxPutsInFlight, this.putsInFlight);
        try {
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        } finally {
          this.putsInFlight--;
        }
      };
      await (ctx.putSlots ? ctx.putSlots.run(put) : put());
      if (this.explode.has(record.recordId))
        throw new Error(`secret internal failure for ${record.recordId}`);
      return await this.commit(
        record,
        canonicalBytes(record),
        objectKey(record),
        'application/json',
        ctx,
        {},
      );
    } finally {
      this.inFlight--;
    }
  }

  async ingestDocument(upload: DocumentUpload, ctx: RequestContext): Promise<IngestResult> {
    const description = parseRecord(upload.description);
    if (description.recordType !== 'document') {
      throw new ValidationError('a document description is a document record', {
        details: [{ path: 'recordType', code: 'invalid_value', message: 'must be "document"' }],
      });
    }
    const bytes = await readAll(upload.body);
    const { body: _b, ...rest } = upload;
    this.documents.push({ upload: rest, bytes });
    if (description.size !== undefined && description.size !== bytes.length) {
      throw new ValidationError(
        `the file has ${bytes.length} bytes, the description says ${description.size}`,
      );
    }
    return this.commit(
      description,
      bytes,
      documentKey(description, upload.fileName ?? description.fileName),
      upload.contentType ?? description.contentType,
      ctx,
      {
        documentType: description.documentType,
        fileName: upload.fileName ?? description.fileName,
      },
    );
  }
}
