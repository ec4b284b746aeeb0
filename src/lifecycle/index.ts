/**
 * The archive's life over the years (issue 12): legal holds, the fixity reports' read side and
 * event-based retention and disposition.
 */
export { HoldService, HOLD_RECORDS_PAGE, type Acting, type PlaceHoldInput } from './holds';
export { VerificationReader, type VerificationView } from './verifications';
export { RetentionService, type RetentionEventInput, type RetentionEventResult } from './retention';
export {
  DispositionService,
  type DeleterFactory,
  type EligibleRecord,
  type ScopedDeleter,
} from './disposition';

import type { HoldService } from './holds';
import type { VerificationReader } from './verifications';
import type { RetentionService } from './retention';
import type { DispositionService } from './disposition';

/** What the lifecycle routes need (AppDeps.lifecycle). */
export interface LifecycleDeps {
  holds: HoldService;
  verifications: VerificationReader;
  /** Retention events (POST /v1/retention-events); the retention shown on a record. */
  retention?: RetentionService;
  /** Disposition (GET /v1/disposition, /v1/dispositions...). */
  dispositions?: DispositionService;
}
