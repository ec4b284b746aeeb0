import type { ExportCriteria } from './export-types';
import type { RecordQuery } from './types';

// Types only above: the export builder imports this without the catalog's database drivers.

/** The search of an export's criteria (recordIds aside), as GET /v1/records takes it. */
export function criteriaSearch(c: ExportCriteria): Omit<RecordQuery, 'limit' | 'cursor'> {
  return {
    ...(c.type !== undefined ? { recordType: c.type } : {}),
    ...(c.from !== undefined ? { fromDate: c.from } : {}),
    ...(c.to !== undefined ? { toDate: c.to } : {}),
    ...(c.clientId !== undefined ? { clientId: c.clientId } : {}),
    ...(c.accountId !== undefined ? { accountId: c.accountId } : {}),
    ...(c.instrument !== undefined ? { instrument: c.instrument } : {}),
    ...(c.orderId !== undefined ? { orderId: c.orderId } : {}),
    ...(c.tradeId !== undefined ? { tradeId: c.tradeId } : {}),
  };
}
