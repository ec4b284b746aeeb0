/**
 * Orders, trades, contract notes and their ALP variants (../shared/docs/REGULATORY.md, "Record types";
 * Code of Conduct para 19 and Schedule 8 for ALPs).
 */
import { z } from 'zod';
import {
  ALWAYS,
  asObject,
  capacity,
  charge,
  currency,
  envelope,
  externalId,
  instrument,
  isoDate,
  issue,
  money,
  quantity,
  recordId,
  side,
  signedMoney,
  text,
  timestamp,
} from './primitives';

export const ORDER_TYPES = [
  'market',
  'limit',
  'enhanced_limit',
  'special_limit',
  'at_auction',
  'at_auction_limit',
  'stop',
  'stop_limit',
] as const;
const LIMIT_TYPES: readonly string[] = [
  'limit',
  'enhanced_limit',
  'special_limit',
  'at_auction_limit',
  'stop_limit',
];
const STOP_TYPES: readonly string[] = ['stop', 'stop_limit'];

export const CHANNELS = ['phone', 'electronic', 'in_person', 'email', 'fax', 'chat', 'other'] as const;
export const VALIDITIES = ['day', 'gtc', 'gtd', 'ioc', 'fok'] as const;

const orderType = z.enum(ORDER_TYPES);
const validity = z.enum(VALIDITIES);

const amendment = z
  .strictObject({
    amendedAt: timestamp,
    quantity: quantity.optional(),
    limitPrice: money.optional(),
    stopPrice: money.optional(),
    validity: validity.optional(),
    validUntil: isoDate.optional(),
    staffId: externalId.optional(),
    reason: text(2000).optional(),
  })
  .superRefine((v, ctx) => {
    const o = asObject(v);
    if (!o) return;
    const changed = ['quantity', 'limitPrice', 'stopPrice', 'validity', 'validUntil'].some(
      (k) => o[k] !== undefined,
    );
    if (!changed) {
      ctx.addIssue(
        issue(
          'empty_amendment',
          'an amendment changes at least one of quantity, limitPrice, stopPrice, validity, validUntil',
        ),
      );
    }
  }, ALWAYS);

const cancellation = z.strictObject({
  cancelledAt: timestamp,
  /** Quantity cancelled; absent means everything still open. */
  quantity: quantity.optional(),
  staffId: externalId.optional(),
  reason: text(2000).optional(),
});

/** Fields of a client or house order, as received. */
const orderFields = {
  orderId: externalId,
  /** Required for agency orders; a principal (house) order may have none. */
  clientId: externalId.optional(),
  accountId: externalId,
  receivedAt: timestamp,
  channel: z.enum(CHANNELS),
  receivingStaffId: externalId.optional(),
  instrument,
  side,
  quantity,
  orderType,
  limitPrice: money.optional(),
  stopPrice: money.optional(),
  currency: currency.optional(),
  validity,
  /** Last day of a good-till-date order. */
  validUntil: isoDate.optional(),
  capacity,
  shortSell: z.boolean().optional(),
  /** Reference of the documentary assurance behind a short sale (required when shortSell is true). */
  shortSellAssuranceRef: externalId.optional(),
  voiceRecordingRef: externalId.optional(),
  amendments: z.array(amendment).optional(),
  cancellations: z.array(cancellation).optional(),
  /** When the order was passed on to the exchange, an ALP or another broker. */
  transmittedAt: timestamp.optional(),
};

/** Fields of an execution. */
const tradeFields = {
  tradeId: externalId,
  orderId: externalId,
  executedAt: timestamp,
  /** Where it was executed: an exchange MIC or an ALP id. */
  venue: externalId,
  instrument,
  side,
  quantity,
  price: money,
  currency,
  capacity,
  counterparty: externalId.optional(),
  /** Required for agency trades. */
  clientId: externalId.optional(),
  accountId: externalId,
  commission: money.optional(),
  /** Exchange trading fee, levies and other fees, in the trade currency. */
  fees: money.optional(),
  stampDuty: money.optional(),
  settlementDate: isoDate.optional(),
};

/** Code of Conduct para 19 / Schedule 8: what an ALP operator must record about each order and trade. */
const alpFields = {
  alpId: externalId,
  /** The ALP user who placed the order. */
  userId: externalId,
  /** The qualified-investor category of the user. */
  userCategory: z.enum([
    'institutional_professional_investor',
    'corporate_professional_investor',
    'individual_professional_investor',
    'operator_proprietary',
  ]),
  /** Agency orders have priority over proprietary (principal) orders. */
  orderOrigin: z.enum(['agency', 'proprietary']),
  /** The client opted out of having orders executed in the ALP. */
  optedOut: z.boolean().optional(),
  /** The third-party ALP the order was routed to, if any. */
  routedToAlpId: externalId.optional(),
  /** Posted to both the ALP and the exchange. */
  postedToExchange: z.boolean().optional(),
};

type Ctx = z.RefinementCtx;

function requireClientForAgency(o: Record<string, unknown>, ctx: Ctx): void {
  if (o.capacity === 'agency' && o.clientId === undefined) {
    ctx.addIssue(issue('required', 'required for agency (client) business', ['clientId']));
  }
}

function orderRules(v: unknown, ctx: Ctx): void {
  const o = asObject(v);
  if (!o) return;
  requireClientForAgency(o, ctx);
  if (typeof o.orderType === 'string') {
    const isLimit = LIMIT_TYPES.includes(o.orderType);
    const isStop = STOP_TYPES.includes(o.orderType);
    if (isLimit && o.limitPrice === undefined)
      ctx.addIssue(issue('required', `required for ${o.orderType} orders`, ['limitPrice']));
    if (!isLimit && o.limitPrice !== undefined)
      ctx.addIssue(issue('not_allowed', `not allowed on ${o.orderType} orders`, ['limitPrice']));
    if (isStop && o.stopPrice === undefined)
      ctx.addIssue(issue('required', `required for ${o.orderType} orders`, ['stopPrice']));
    if (!isStop && o.stopPrice !== undefined)
      ctx.addIssue(issue('not_allowed', `not allowed on ${o.orderType} orders`, ['stopPrice']));
  }
  if (o.validity === 'gtd' && o.validUntil === undefined)
    ctx.addIssue(issue('required', 'required for good-till-date orders', ['validUntil']));
  if (o.validity !== undefined && o.validity !== 'gtd' && o.validUntil !== undefined) {
    ctx.addIssue(issue('not_allowed', 'only for good-till-date (gtd) orders', ['validUntil']));
  }
  if (o.shortSell === true) {
    if (o.side !== undefined && o.side !== 'sell')
      ctx.addIssue(issue('not_allowed', 'a short sale is a sell', ['side']));
    if (o.shortSellAssuranceRef === undefined) {
      ctx.addIssue(
        issue('required', 'a short sale needs the reference of its assurance', ['shortSellAssuranceRef']),
      );
    }
  } else if (o.shortSellAssuranceRef !== undefined) {
    ctx.addIssue(issue('not_allowed', 'only when shortSell is true', ['shortSellAssuranceRef']));
  }
}

function tradeRules(v: unknown, ctx: Ctx): void {
  const o = asObject(v);
  if (o) requireClientForAgency(o, ctx);
}

export const OrderSchema = z
  .strictObject({ ...envelope('order'), ...orderFields })
  .superRefine(orderRules, ALWAYS);

export const TradeSchema = z
  .strictObject({ ...envelope('trade'), ...tradeFields })
  .superRefine(tradeRules, ALWAYS);

export const AlpOrderSchema = z
  .strictObject({ ...envelope('alp_order'), ...orderFields, ...alpFields })
  .superRefine(orderRules, ALWAYS);

export const AlpTradeSchema = z
  .strictObject({
    ...envelope('alp_trade'),
    ...tradeFields,
    ...alpFields,
    /** Crossed within the exchange's best bid and offer. */
    crossedWithinBbo: z.boolean(),
    /** The exchange price the cross was checked against (required when crossedWithinBbo is true). */
    referencePrice: money.optional(),
  })
  .superRefine((v, ctx) => {
    tradeRules(v, ctx);
    const o = asObject(v);
    if (o?.crossedWithinBbo === true && o.referencePrice === undefined) {
      ctx.addIssue(issue('required', 'required when crossedWithinBbo is true', ['referencePrice']));
    }
  }, ALWAYS);

export const ContractNoteSchema = z.strictObject({
  ...envelope('contract_note'),
  noteId: externalId,
  clientId: externalId,
  accountId: externalId.optional(),
  tradeIds: z.array(externalId).min(1),
  issueDate: isoDate,
  issuedAt: timestamp.optional(),
  /** The statement of the capacity in which the LC acted (agent or principal). */
  capacityStatement: text(2000),
  consideration: money,
  currency,
  charges: z.array(charge).optional(),
  /** Amount due to or from the client; negative when the client is owed. */
  netAmount: signedMoney.optional(),
  settlementDate: isoDate.optional(),
  /** The record id of the rendered contract note (a document record). */
  documentRecordId: recordId.optional(),
});
