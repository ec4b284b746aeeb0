import { ForbiddenError } from '../errors';
import { ROLES, type Principal, type Role } from './types';

/**
 * Who may do what: one table, used by the HTTP layer to guard routes and by the tests to check it.
 *
 * Roles are separate duties, not ranks: no role includes another.
 * - `ingest`: systems that send records. Writes records.
 * - `reader`: people or systems that look records up.
 * - `compliance`: the MICs answering the SFC: read records and the audit trail, create exports.
 * - `auditor`: internal or external audit: read records, the audit trail, exports, metrics, principals.
 * - `admin`: administration only: principals, tokens, system state. An admin does NOT read or write
 *   records: managing accounts and touching the data they guard are kept apart, so the audit trail
 *   shows every record access under a principal whose role is to access records.
 *
 * `GET /healthz` and `GET /readyz` are public and need no action.
 */
export const POLICY = {
  'records.write': {
    roles: ['ingest'],
    description: 'POST /v1/records, /v1/batches, /v1/documents: ingest records, batches and documents',
  },
  'records.read': {
    roles: ['reader', 'compliance', 'auditor'],
    description: 'GET a record, its content, its corrections; search records',
  },
  'ledger.read': {
    roles: ['compliance', 'auditor'],
    description:
      'GET /v1/ledger/*: checkpoints, the verifier key, entries, inclusion and consistency proofs (hashes only, no record content)',
  },
  'ledger.checkpoint': {
    roles: ['admin'],
    description: 'POST /v1/ledger/checkpoint: sign a checkpoint now',
  },
  'audit.read': {
    roles: ['compliance', 'auditor'],
    description: 'GET audit events and sealed segments',
  },
  'alerts.read': {
    roles: ['compliance', 'auditor', 'admin'],
    description:
      'GET /v1/alerts: what makes doctor fail (a catalog that disagrees with the bucket, a damaged object...)',
  },
  'alerts.acknowledge': {
    roles: ['compliance'],
    description:
      'POST /v1/alerts/:id/acknowledge: acknowledge an alert with a reason (audited; never deleted)',
  },
  'exports.create': {
    roles: ['compliance'],
    description: 'POST an export for an SFC request (selects records, builds the bag, issues signed URLs)',
  },
  'exports.read': {
    roles: ['compliance', 'auditor'],
    description: 'GET exports, their index and fresh signed URLs for them',
  },
  'principals.read': {
    roles: ['admin', 'auditor'],
    description: 'GET principals (who is who in the audit trail); never tokens or their hashes',
  },
  'principals.manage': {
    roles: ['admin'],
    description: 'create and disable principals, issue and revoke their tokens',
  },
  'holds.manage': {
    roles: ['compliance'],
    description:
      'POST /v1/holds and /v1/holds/:id/release: place legal holds, release them (another principal than the one who placed it)',
  },
  'holds.read': {
    roles: ['compliance', 'auditor'],
    description: 'GET legal holds and the records they cover',
  },
  'retention.manage': {
    roles: ['compliance'],
    description:
      'POST /v1/retention-events: a client relationship ended (retain-until moves later, never earlier)',
  },
  'dispositions.manage': {
    roles: ['compliance'],
    description:
      'POST /v1/dispositions and /v1/dispositions/:id/approve: propose a disposition, approve one (another principal than the proposer)',
  },
  'dispositions.read': {
    roles: ['compliance', 'auditor'],
    description: 'GET the records eligible for disposition and the dispositions made',
  },
  'verifications.read': {
    roles: ['compliance', 'auditor'],
    description: 'GET fixity sweeps and their sealed reports',
  },
  'reports.read': {
    roles: ['compliance', 'auditor'],
    description: 'GET the ALP monthly top-10 report and the EDSP posture report',
  },
  'system.read': {
    roles: ['admin', 'auditor'],
    description: 'GET /metrics and the compliance posture report',
  },
} as const satisfies Record<string, { roles: readonly Role[]; description: string }>;

export type Action = keyof typeof POLICY;
export const ACTIONS = Object.keys(POLICY) as Action[];

export function isAction(value: string): value is Action {
  return Object.prototype.hasOwnProperty.call(POLICY, value);
}

/** The roles admitted to an action. */
export function rolesFor(action: Action): readonly Role[] {
  return POLICY[action].roles;
}

/** The actions a role may perform, in table order. */
export function actionsFor(role: Role): Action[] {
  return ACTIONS.filter((a) => can(role, a));
}

/** Whether a role may perform an action; false for anything not in the table. */
export function can(role: Role, action: Action): boolean {
  if (!isAction(action)) return false;
  return (POLICY[action].roles as readonly Role[]).includes(role);
}

/**
 * Throws ForbiddenError unless the principal's role admits the action. The message names the
 * principal, its role and the action; `details` carries them for the audit trail.
 */
export function authorize(principal: Pick<Principal, 'id' | 'name' | 'role'>, action: Action): void {
  if (!isAction(action)) {
    throw new ForbiddenError(`unknown action ${JSON.stringify(action)}: denied`, {
      details: { principalId: principal.id, role: principal.role, action },
    });
  }
  if (!(ROLES as readonly string[]).includes(principal.role) || !can(principal.role, action)) {
    const allowed = rolesFor(action).join(', ');
    throw new ForbiddenError(
      `principal ${principal.name} (role ${principal.role}) may not ${action}; allowed roles: ${allowed}`,
      {
        details: { principalId: principal.id, role: principal.role, action, allowedRoles: rolesFor(action) },
      },
    );
  }
}
