/**
 * The archive's life over the years (issue 12): legal holds, the fixity reports' read side and
 * event-based retention. Disposition is not built yet (see the branch's note).
 */
export { HoldService, HOLD_RECORDS_PAGE, type Acting, type PlaceHoldInput } from './holds';
export { VerificationReader, type VerificationView } from './verifications';
export { RetentionService, type RetentionEventInput, type RetentionEventResult } from './retention';

import type { HoldService } from './holds';
import type { VerificationReader } from './verifications';
import type { RetentionService } from './retention';

/** What the lifecycle routes need (AppDeps.lifecycle). */
export interface LifecycleDeps {
  holds: HoldService;
  verifications: VerificationReader;
  /** Retention events (POST /v1/retention-events); the retention shown on a record. */
  retention?: RetentionService;
}
