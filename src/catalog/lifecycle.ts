import type { Kysely } from 'kysely';
import type { Clock } from '../util/clock';
import * as dispositions from './dispositions';
import * as fixity from './fixity';
import * as holds from './holds';
import * as retention from './retention';
import type { CatalogDatabase } from './schema';
import type { LifecycleCatalog } from './types-lifecycle';

/**
 * The lifecycle half of the Kysely catalog (holds, retention, dispositions, fixity: issue 12),
 * bound to its database and clock. Writes are acknowledged once durable (`synced`).
 */
export function lifecycleCatalog(
  db: Kysely<CatalogDatabase>,
  clock: Clock,
  synced: <T>(write: Promise<T>) => Promise<T>,
): LifecycleCatalog {
  return {
    placeHold: (h, e) => synced(holds.placeHold(db, clock, h, e)),
    releaseHold: (r, e) => synced(holds.releaseHold(db, clock, r, e)),
    getHold: (id) => holds.getHold(db, id),
    listHolds: () => holds.listHolds(db),
    holdsOnRecord: (id) => holds.holdsOnRecord(db, id),
    recordsUnderHold: (id, page) => holds.recordsUnderHold(db, id, page),

    commitRetentionEvent: (ev, changes, audit) =>
      synced(retention.commitRetentionEvent(db, clock, ev, changes, audit)),
    retentionChanges: (id) => retention.retentionChanges(db, id),
    clientRetentionEvents: (id) => retention.clientRetentionEvents(db, id),
    clientRecordsInClasses: (id, classes, page) => retention.clientRecordsInClasses(db, id, classes, page),

    eligibleRecords: (q) => dispositions.eligibleRecords(db, q),
    proposeDisposition: (d, e) => synced(dispositions.proposeDisposition(db, clock, d, e)),
    approveDisposition: (a, e) => synced(dispositions.approveDisposition(db, clock, a, e)),
    getDisposition: (id) => dispositions.getDisposition(db, id),
    listDispositions: () => dispositions.listDispositions(db),
    pendingDispositions: () => dispositions.pendingDispositions(db),
    recordDispositionResult: (r, e) => synced(dispositions.recordDispositionResult(db, clock, r, e)),
    dispositionOf: (id) => dispositions.dispositionOf(db, id),

    startFixitySweep: (s) => synced(fixity.startFixitySweep(db, clock, s)),
    unfinishedFixitySweep: (kind) => fixity.unfinishedFixitySweep(db, kind),
    fixityProgress: (id) => fixity.fixityProgress(db, id),
    saveFixityProgress: (id, step, state) => synced(fixity.saveFixityProgress(db, clock, id, step, state)),
    addFixityProblems: (id, problems) => synced(fixity.addFixityProblems(db, clock, id, problems)),
    fixityProblems: (id) => fixity.fixityProblems(db, id),
    finishFixitySweep: (r, e) => synced(fixity.finishFixitySweep(db, clock, r, e)),
    fixitySweeps: (q) => fixity.fixitySweeps(db, q),
    fixitySweep: (id) => fixity.fixitySweep(db, id),
    fixityRecords: (q) => fixity.fixityRecords(db, q),
    countFixityRecords: (bucket) => fixity.countFixityRecords(db, bucket),
    cataloguedObjects: (bucket, keys) => fixity.cataloguedObjects(db, bucket, keys),
  };
}

/** Every method of LifecycleCatalog: what the remote catalog forwards to its worker. */
export const LIFECYCLE_METHODS = [
  'placeHold',
  'releaseHold',
  'getHold',
  'listHolds',
  'holdsOnRecord',
  'recordsUnderHold',
  'commitRetentionEvent',
  'retentionChanges',
  'clientRetentionEvents',
  'clientRecordsInClasses',
  'eligibleRecords',
  'proposeDisposition',
  'approveDisposition',
  'getDisposition',
  'listDispositions',
  'pendingDispositions',
  'recordDispositionResult',
  'dispositionOf',
  'startFixitySweep',
  'unfinishedFixitySweep',
  'fixityProgress',
  'saveFixityProgress',
  'addFixityProblems',
  'fixityProblems',
  'finishFixitySweep',
  'fixitySweeps',
  'fixitySweep',
  'fixityRecords',
  'countFixityRecords',
  'cataloguedObjects',
] as const satisfies readonly (keyof LifecycleCatalog)[];

type Unlisted = Exclude<keyof LifecycleCatalog, (typeof LIFECYCLE_METHODS)[number]>;
/** Compiles only while LIFECYCLE_METHODS names every method. */
export const LIFECYCLE_METHODS_COMPLETE: [Unlisted] extends [never] ? true : never = true;

/** The forwarding half of a remote catalog: each method sent through `call`. */
export function forwardedLifecycle(
  call: (method: keyof LifecycleCatalog, args: unknown[]) => Promise<unknown>,
): LifecycleCatalog {
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const m of LIFECYCLE_METHODS) out[m] = (...args: unknown[]) => call(m, args);
  // Each entry has its method's name and forwards its arguments unchanged: the shapes match.
  return out as unknown as LifecycleCatalog;
}
