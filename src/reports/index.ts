/**
 * reports: what regulators and managers read. The ALP monthly top-10 report (Code of Conduct
 * Schedule 8 para 27(d)) over the catalog's ALP trade facts, and the EDSP posture report (the SFC
 * circular's paragraph 7) over facts gathered from the archive. Each as JSON, and as one
 * self-contained HTML page with inline SVG; the top-10 also as CSV.
 * Decisions: docs/decisions/0010-reports.md.
 */
export {
  ALP_REPORT_BUSINESS_DAYS,
  ALP_REPORT_WARNING_BUSINESS_DAYS,
  HOLIDAY_SOURCE,
  HongKongCalendar,
  alpReportDueDate,
  alpReportDueWindow,
  formatMonth,
  hongKongMonthRange,
  parseMonth,
  previousMonth,
  type HongKongCalendarOptions,
  type Month,
  type ReportDueState,
  type ReportDueWindow,
} from './calendar';
export {
  alpTradeFacts,
  foldAlpTrade,
  type AlpTradeFact,
  type AlpTradeSource,
} from '../records/alp-trade-facts';
export {
  CORRECTION_RULE,
  SHARE_RULE,
  TIE_RULE,
  alpTop10Report,
  alpTop10Reports,
  type AlpTop10Options,
  type AlpTop10Report,
  type AlpTop10User,
  type AlpTradeFacts,
  type FxRates,
} from './alp-top10/compute';
export { alpTop10Csv, alpTop10Html, alpTop10Json } from './alp-top10/render';
export { DEFAULT_THRESHOLDS, available, unavailable } from './posture/facts';
export type { BucketFacts, Fact, PostureFacts, PostureThresholds } from './posture/facts';
export {
  evaluatePosture,
  type PostureLine,
  type PostureReport,
  type PostureStatus,
} from './posture/evaluate';
export { gatherPostureFacts, type PostureProviders, type PostureSources } from './posture/gather';
export { postureHtml, postureJson } from './posture/render';
