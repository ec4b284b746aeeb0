/**
 * `strongroom verify audit`: the audit trail checked against what was sealed. Three checks, each
 * stopping at its first problem; the report names every problem found, the first (lowest event
 * seq, else the order of the checks) first:
 * - segments: every segment the catalog lists, in order and without gaps from event 0, is in the
 *   bucket with the recorded SHA-256, parses as a segment of its range, links to the segment
 *   before, ends with the recorded last hash, and equals the catalog's events of its range;
 *   every segment is the ledger leaf the catalog says; no segment object is unknown to the catalog;
 * - chain: every event of the catalog, sealed or not, links and matches its hash
 *   (src/catalog/verify.ts).
 */
import type { Catalog } from '../catalog';
import type { AuditSegmentRow } from '../catalog/evidence-types';
import { AUDIT_GENESIS_HASH, leafHash } from '../catalog/hashing';
import type { AuditEvent } from '../catalog/types';
import { verifyAuditChain } from '../catalog/verify';
import { NotFoundError } from '../errors';
import type { ObjectStore } from '../storage/types';
import { SEGMENT_PREFIX, firstDifference, parseSegment, parseSegmentKey, sha256Hex } from './segment';
import { eventsOfRange } from './sealed-check';

/** `appendAudit` only because verifyAuditChain takes the whole AuditCatalog; nothing is appended. */
export type VerifyAuditCatalog = Pick<
  Catalog,
  'auditSegments' | 'auditEvents' | 'auditSize' | 'ledgerLeaves' | 'appendAudit'
>;

export interface AuditProblem {
  check: 'segments' | 'ledger' | 'chain';
  /** Where: a bucket/key, `event <seq>` or `ledger leaf <n>`. */
  where: string;
  /** The first event concerned, when there is one. */
  seq?: number;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  bucket: string;
  events: number;
  segments: number;
  /** The last sealed event, or null when nothing is sealed. */
  sealedThrough: number | null;
  problems: AuditProblem[];
  /** For people: the verdict and the first problem, one line each. */
  verdict: string;
}

function byPlace(a: AuditProblem, b: AuditProblem): number {
  return (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER);
}

async function readSegment(
  store: Pick<ObjectStore, 'getBuffer'>,
  bucket: string,
  key: string,
): Promise<Buffer | null> {
  try {
    return (await store.getBuffer(bucket, key)).body;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

/** The first problem of one segment, against the bucket and the catalog's events. */
async function checkSegment(
  o: { catalog: VerifyAuditCatalog; store: Pick<ObjectStore, 'getBuffer'>; bucket: string },
  row: AuditSegmentRow,
  prevHash: string,
): Promise<AuditProblem | null> {
  const where = `${o.bucket}/${row.key}`;
  const problem = (message: string, seq = row.fromSeq): AuditProblem => ({
    check: 'segments',
    where,
    seq,
    message,
  });
  const bytes = await readSegment(o.store, o.bucket, row.key);
  if (bytes === null) return problem(`segment ${row.id} is missing from the bucket`);
  const sha = sha256Hex(bytes);
  if (sha !== row.sha256)
    return problem(
      `segment ${row.id} in the bucket has SHA-256 ${sha}, the catalog and the ledger recorded ${row.sha256}`,
    );
  const parsed = parseSegment(bytes, { fromSeq: row.fromSeq, toSeq: row.toSeq });
  if (!parsed.ok)
    return problem(
      `segment ${row.id}, line ${parsed.line}: ${parsed.message}`,
      row.fromSeq + Math.max(0, parsed.line - 1),
    );
  const first = parsed.events[0] as AuditEvent;
  const last = parsed.events[parsed.events.length - 1] as AuditEvent;
  if (first.prevHash !== prevHash)
    return problem(`segment ${row.id} does not link to the segment before it (event ${row.fromSeq})`);
  if (last.hash !== row.lastHash)
    return problem(`segment ${row.id} does not end with the hash the catalog recorded`, row.toSeq);
  const catalogEvents = await eventsOfRange(o.catalog, row.fromSeq, row.toSeq);
  const diff = firstDifference(parsed.events, catalogEvents);
  if (diff !== null) {
    const seq = row.fromSeq + diff;
    const inCatalog = catalogEvents[diff];
    const message =
      inCatalog === undefined || inCatalog.seq !== seq
        ? `audit event ${seq} is sealed in ${row.key} but missing from the catalog`
        : `audit event ${seq} in the catalog differs from the one sealed in ${row.key}`;
    return { check: 'segments', where: `event ${seq}`, seq, message };
  }
  return null;
}

export async function verifyAudit(o: {
  catalog: VerifyAuditCatalog;
  store: Pick<ObjectStore, 'getBuffer' | 'list'>;
  bucket: string;
}): Promise<AuditVerification> {
  const problems: AuditProblem[] = [];
  const known = new Set<string>();
  let expectedFrom = 0;
  let prevHash = AUDIT_GENESIS_HASH;
  let segments = 0;
  let segmentProblem = false;
  let ledgerProblem = false;
  let after: number | undefined;
  for (;;) {
    const page = await o.catalog.auditSegments({
      ...(after !== undefined ? { afterFromSeq: after } : {}),
      limit: 1000,
    });
    for (const row of page) {
      segments++;
      known.add(row.key);
      if (!segmentProblem) {
        const p =
          row.fromSeq !== expectedFrom
            ? {
                check: 'segments' as const,
                where: `${o.bucket}/${row.key}`,
                seq: expectedFrom,
                message: `events ${expectedFrom}..${row.fromSeq - 1} are in no segment the catalog lists`,
              }
            : await checkSegment(o, row, prevHash);
        if (p) {
          problems.push(p);
          segmentProblem = true;
        }
      }
      if (!ledgerProblem) {
        const [leaf] = await o.catalog.ledgerLeaves({ fromSeq: row.ledgerSeq, limit: 1 });
        const hash = leafHash({ kind: 'audit_segment', id: row.id, sha256: row.sha256 });
        if (
          leaf?.seq !== row.ledgerSeq ||
          leaf.kind !== 'audit_segment' ||
          leaf.recordId !== row.id ||
          leaf.leafHash !== hash
        ) {
          problems.push({
            check: 'ledger',
            where: `ledger leaf ${row.ledgerSeq}`,
            seq: row.fromSeq,
            message: `ledger leaf ${row.ledgerSeq} is not the leaf of segment ${row.id}`,
          });
          ledgerProblem = true;
        }
      }
      expectedFrom = row.toSeq + 1;
      prevHash = row.lastHash;
    }
    if (page.length < 1000) break;
    after = (page[page.length - 1] as AuditSegmentRow).fromSeq;
  }

  for await (const obj of o.store.list(o.bucket, { prefix: SEGMENT_PREFIX })) {
    if (known.has(obj.key)) continue;
    const range = parseSegmentKey(obj.key);
    // The object of a seal interrupted before its catalog row: the next seal adopts it.
    if (range !== null && range.fromSeq === expectedFrom) continue;
    problems.push({
      check: 'segments',
      where: `${o.bucket}/${obj.key}`,
      ...(range ? { seq: range.fromSeq } : {}),
      message: `${obj.key} is in the bucket but the catalog lists no such segment`,
    });
    break;
  }

  const chain = await verifyAuditChain(o.catalog);
  if (!chain.ok)
    problems.push({
      check: 'chain',
      where: `event ${chain.firstBadSeq}`,
      seq: chain.firstBadSeq,
      message: chain.message,
    });
  const events = chain.ok ? chain.count : await o.catalog.auditSize();

  problems.sort(byPlace);
  const sealedThrough = expectedFrom > 0 ? expectedFrom - 1 : null;
  const first = problems[0];
  const verdict = first
    ? `audit trail does NOT verify: ${problems.length} problem(s); first at ${first.where}: ${first.message}\n`
    : `audit trail verified: ${events} events, ${segments} sealed segments (events 0..${sealedThrough ?? '-'}) in ${o.bucket}, each in the ledger\n`;
  return { ok: problems.length === 0, bucket: o.bucket, events, segments, sealedThrough, problems, verdict };
}
