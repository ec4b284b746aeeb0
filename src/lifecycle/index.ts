/**
 * The archive's life over the years (issue 12): legal holds and the fixity reports' read side.
 * Retention events and disposition are not built yet (see the branch's note).
 */
export { HoldService, HOLD_RECORDS_PAGE, type Acting, type PlaceHoldInput } from './holds';
export { VerificationReader, type VerificationView } from './verifications';

import type { HoldService } from './holds';
import type { VerificationReader } from './verifications';

/** What the lifecycle routes need (AppDeps.lifecycle). */
export interface LifecycleDeps {
  holds: HoldService;
  verifications: VerificationReader;
}
