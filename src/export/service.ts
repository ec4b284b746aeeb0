import { randomBytes } from 'node:crypto';
import type { AlertSink } from '../alerts/types';
import type { AuditScope } from '../audit/scope';
import type { AuditEvent, Catalog, ExportLink, ExportRow } from '../catalog';
import { NotFoundError } from '../errors';
import type { Logger } from '../log';
import type { ObjectStore } from '../storage/types';
import type { Clock } from '../util/clock';
import { Semaphore } from '../util/semaphore';
import { buildExport } from './builder';
import type { ExportEvidence } from './evidence';
import { issueLink, type IssuedLink, type LinkDeps } from './links';
import { measureSelection, type ExportCaps, type ExportRequest } from './selection';

export interface ExportServiceOptions {
  catalog: Catalog;
  store: Pick<ObjectStore, 'get' | 'getBuffer' | 'putStream'>;
  evidence: ExportEvidence;
  exportsBucket: string;
  sourceOrganization: string;
  caps: ExportCaps;
  /** Exports built at once. */
  concurrency: number;
  links: Omit<LinkDeps, 'clock'>;
  logger: Logger;
  clock: Clock;
  alerts?: AlertSink;
  tmpDir?: string;
  /** Where bags are written (BuildDeps.bagThread; serve passes exports.bagThread, default worker). */
  bagThread?: 'main' | 'worker';
  /**
   * How a new export gets built: serve asks its leader job to run now (so only the leader builds).
   * Default: this service runs `runPending` itself.
   */
  trigger?: () => void;
}

/** A download of a bag seen in the imported OSS access logs. */
export interface ExportDownload {
  at: string;
  ip: string | null;
  bytes: number | null;
  status: number | null;
  /** The recipient of the link whose STS key made the request, when known. */
  recipient: string | null;
}

/** What GET /v1/exports/:id answers (never a URL or a secret). */
export interface ExportView {
  id: string;
  status: ExportRow['status'];
  reason?: string;
  reference: string;
  recipient: ExportRow['recipient'];
  purpose: string;
  criteria: ExportRow['criteria'];
  includeAudit: boolean;
  requestedBy: string;
  createdAt: string;
  finishedAt: string | null;
  counts: { records: number; bytes: number };
  bag: ExportRow['bag'];
  links: { issuedAt: string; expiresAt: string; issuedBy: string }[];
  downloads: ExportDownload[];
}

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return null;
}

/**
 * A download from an imported access-log event: source `oss-access-log`, operation `GetObject`,
 * with the details src/audit's importer writes (docs/decisions/0018: `operation`, `status`,
 * `sentBytes`, `accessKeyId`). Anything else (the bag's own upload, a HEAD, a GetObjectMeta) is
 * not a download.
 */
export function downloadOf(
  e: AuditEvent,
  links: readonly ExportLink[],
  recipient: string,
): ExportDownload | null {
  if (e.source !== 'oss-access-log') return null;
  let d: Record<string, unknown> = {};
  try {
    const parsed: unknown = e.details === null ? null : JSON.parse(e.details);
    if (parsed !== null && typeof parsed === 'object') d = parsed as Record<string, unknown>;
  } catch {
    // details are canonical JSON; anything else is not an access-log event
  }
  if (d.operation !== 'GetObject') return null;
  const keyId = d.accessKeyId;
  const linked = typeof keyId === 'string' && links.some((l) => l.accessKeyId === keyId);
  return {
    at: e.at.toISOString(),
    ip: e.ip,
    bytes: num(d.sentBytes),
    status: num(d.status),
    recipient: linked ? recipient : null,
  };
}

/**
 * SFC access requests: selection (dry run, caps), persisted background builds with bounded
 * concurrency (resumed after a restart: every export still `building` is built again), views, and
 * download links.
 */
export class ExportService {
  private readonly semaphore: Semaphore;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly o: ExportServiceOptions) {
    this.semaphore = new Semaphore(o.concurrency);
  }

  /**
   * The records and bytes the criteria select (400 when none, 413 past the caps), and the cut-off
   * of the selection: one past the newest ledger leaf among them. No record the criteria match has
   * a leaf between that and the ledger's size now (it would have been selected), so the cut-off
   * selects the same records at every rebuild, and the build needs a checkpoint only as far as the
   * records it bags, not the ledger's newest leaf (which may be records ingested meanwhile, or the
   * previous export's own leaf): an export of records already covered does not wait for one.
   */
  async measure(req: ExportRequest): Promise<{ records: number; bytes: number; ledgerSize: number }> {
    const size = await this.o.catalog.ledgerSize();
    const { records, bytes, lastLedgerSeq } = await measureSelection(
      this.o.catalog,
      req.criteria,
      size,
      this.o.caps,
    );
    return { records, bytes, ledgerSize: lastLedgerSeq + 1 };
  }

  /**
   * Records the request: its row and the request's audit event (`audit`) in one transaction
   * (docs/ARCHITECTURE.md, "The way of an audit event"), then asks for the build.
   */
  async create(req: ExportRequest, requestedBy: string, audit: AuditScope): Promise<ExportRow> {
    const { records, bytes, ledgerSize } = await this.measure(req);
    const now = this.o.clock.now();
    const day = now.toISOString().slice(0, 10).replace(/-/g, '');
    const exportId = `ex-${day}-${randomBytes(6).toString('hex')}`;
    const auditSize = await this.o.catalog.auditSize();
    audit.set({ target: exportId });
    const newExport = {
      exportId,
      reference: req.reference,
      recipient: req.recipient,
      purpose: req.purpose,
      criteria: req.criteria,
      includeAudit: req.includeAudit,
      requestedBy,
      createdAt: new Date(Math.floor(now.getTime() / 1000) * 1000),
      recordCount: records,
      recordBytes: bytes,
      ledgerSize,
      auditSize,
    };
    const row = await audit.within('allowed', { records, bytes }, (event) =>
      this.o.catalog.createExport(newExport, event),
    );
    this.kick();
    return row;
  }

  async find(exportId: string): Promise<ExportRow> {
    const row = await this.o.catalog.getExport(exportId);
    if (!row) throw new NotFoundError(`no export ${exportId}`);
    return row;
  }

  async view(row: ExportRow): Promise<ExportView> {
    const links = await this.o.catalog.exportLinks(row.exportId);
    const downloads: ExportDownload[] = [];
    if (row.bag) {
      const events = await this.o.catalog.queryAudit({
        target: `oss://${row.bag.bucket}/${row.bag.key}`,
        source: 'oss-access-log',
        action: 'oss.GetObject',
        limit: 10_000,
      });
      for (const e of events) {
        const d = downloadOf(e, links, row.recipient.name);
        if (d) downloads.push(d);
      }
    }
    return {
      id: row.exportId,
      status: row.status,
      ...(row.failure !== null ? { reason: row.failure } : {}),
      reference: row.reference,
      recipient: row.recipient,
      purpose: row.purpose,
      criteria: row.criteria,
      includeAudit: row.includeAudit,
      requestedBy: row.requestedBy,
      createdAt: row.createdAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
      counts: { records: row.recordCount, bytes: row.recordBytes },
      bag: row.bag,
      links: links.map((l) => ({
        issuedAt: l.issuedAt.toISOString(),
        expiresAt: l.expiresAt.toISOString(),
        issuedBy: l.issuedBy,
      })),
      downloads,
    };
  }

  list(page: { limit: number; before?: string }): Promise<ExportRow[]> {
    return this.o.catalog.listExports(page);
  }

  /** A signed link; its facts (not the URL) are kept for the export's view and for attribution. */
  async link(exportId: string, ttlMinutes: number, issuedBy: string): Promise<IssuedLink> {
    const row = await this.find(exportId);
    const link = await issueLink({ ...this.o.links, clock: this.o.clock }, row, ttlMinutes);
    // The access key id (never the secret) attributes the imported access-log lines to the recipient.
    await this.o.catalog.registerStsAttribution({
      accessKeyId: link.accessKeyId,
      purpose: 'export',
      exportId,
      recipient: row.recipient.name,
      roleArn: link.roleArn,
      expiresAt: link.expiresAt,
    });
    await this.o.catalog.addExportLink({
      exportId,
      issuedAt: this.o.clock.now(),
      expiresAt: link.expiresAt,
      issuedBy,
      accessKeyId: link.accessKeyId,
    });
    return link;
  }

  /** Starts building whatever is pending, in the background (errors are logged). */
  kick(): void {
    if (this.abort.signal.aborted) return;
    // A run in flight takes the new export at once (its wait is woken), not after a build ends.
    this.wake?.();
    if (this.o.trigger) {
      this.o.trigger();
      return;
    }
    this.runPending().catch((err: unknown) =>
      this.o.logger.error({ err }, 'the export builder could not look for pending exports'),
    );
  }

  /**
   * Builds every export still `building` (at most `concurrency` at once) and returns when none is
   * left; exports asked for meanwhile are built by the same run. The leader job calls it.
   */
  runPending(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.abort.signal.aborted) break;
      const pending = (await this.o.catalog.exportsBuilding()).filter((r) => !this.inFlight.has(r.exportId));
      for (const row of pending) {
        const run = (async () => {
          const release = await this.semaphore.acquire();
          try {
            if (this.abort.signal.aborted) return;
            await buildExport(
              {
                catalog: this.o.catalog,
                store: this.o.store,
                evidence: this.o.evidence,
                exportsBucket: this.o.exportsBucket,
                sourceOrganization: this.o.sourceOrganization,
                logger: this.o.logger,
                signal: this.abort.signal,
                ...(this.o.alerts ? { alerts: this.o.alerts } : {}),
                ...(this.o.tmpDir !== undefined ? { tmpDir: this.o.tmpDir } : {}),
                ...(this.o.bagThread !== undefined ? { bagThread: this.o.bagThread } : {}),
              },
              row,
            );
          } catch (err) {
            if (!this.abort.signal.aborted)
              this.o.logger.error({ err, exportId: row.exportId }, 'export build stopped');
          } finally {
            release();
          }
        })().finally(() => this.inFlight.delete(row.exportId));
        this.inFlight.set(row.exportId, run);
      }
      if (this.inFlight.size === 0) return;
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      await Promise.race([...this.inFlight.values(), woken]);
      this.wake = null;
    }
    await Promise.allSettled(this.inFlight.values());
  }

  /** Stops: builds in flight are abandoned (still `building`, resumed at the next start). */
  async close(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values(), ...(this.running ? [this.running] : [])]);
  }
}
