import {
  ACTIONS,
  POLICY,
  actionsFor,
  authorize,
  can,
  isAction,
  rolesFor,
  type Action,
} from '../../src/auth/policy';
import { ROLES, type Role } from '../../src/auth/types';
import { ForbiddenError } from '../../src/errors';

/**
 * The intended table, written out in full. A change to POLICY must be made here too, deliberately:
 * Y = allowed, . = denied. Columns: ingest reader compliance auditor admin.
 */
const EXPECTED: Record<Action, string> = {
  'records.write': 'Y . . . .',
  'records.read': '. Y Y Y .',
  'ledger.read': '. . Y Y .',
  'ledger.checkpoint': '. . . . Y',
  'audit.read': '. . Y Y .',
  'alerts.read': '. . Y Y Y',
  'alerts.acknowledge': '. . Y . .',
  'exports.create': '. . Y . .',
  'exports.read': '. . Y Y .',
  'principals.read': '. . . Y Y',
  'principals.manage': '. . . . Y',
  'reports.read': '. . Y Y .',
  'system.read': '. . . Y Y',
  'holds.manage': '. . Y . .',
  'holds.read': '. . Y Y .',
  'verifications.read': '. . Y Y .',
  'retention.manage': '. . Y . .',
  'dispositions.manage': '. . Y . .',
  'dispositions.read': '. . Y Y .',
};

function expectedAllowed(action: Action, role: Role): boolean {
  const marks = EXPECTED[action].trim().split(/\s+/);
  return marks[ROLES.indexOf(role)] === 'Y';
}

const principalOf = (role: Role) => ({ id: `usr_${role}0000000`, name: `test-${role}`, role });

describe('the policy table', () => {
  test('covers exactly the expected actions, each admitting known roles only', () => {
    expect([...ACTIONS].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const action of ACTIONS) {
      expect(rolesFor(action).length).toBeGreaterThan(0);
      for (const role of rolesFor(action)) expect(ROLES).toContain(role);
      expect(POLICY[action].description.length).toBeGreaterThan(0);
    }
  });

  const matrix = ACTIONS.flatMap((action) =>
    ROLES.map((role) => [action, role, expectedAllowed(action, role)] as const),
  );
  test.each(matrix)('%s by %s: allowed=%s', (action, role, allowed) => {
    expect(can(role, action)).toBe(allowed);
    expect(actionsFor(role).includes(action)).toBe(allowed);
    const principal = principalOf(role);
    if (allowed) {
      expect(() => authorize(principal, action)).not.toThrow();
    } else {
      let caught: unknown;
      try {
        authorize(principal, action);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ForbiddenError);
      const err = caught as ForbiddenError;
      expect(err.httpStatus).toBe(403);
      // The message names the role and the action.
      expect(err.message).toContain(`role ${role}`);
      expect(err.message).toContain(action);
      expect(err.details).toMatchObject({ principalId: principal.id, role, action });
    }
  });
});

describe('the intent behind the table', () => {
  test('only ingest writes records; admin administers but neither writes nor reads records', () => {
    expect(rolesFor('records.write')).toEqual(['ingest']);
    expect(can('admin', 'records.write')).toBe(false);
    expect(can('admin', 'records.read')).toBe(false);
    expect(can('admin', 'audit.read')).toBe(false);
    expect(rolesFor('principals.manage')).toEqual(['admin']);
  });

  test('the audit trail is read by auditors and compliance only, and nobody writes it through a role', () => {
    expect([...rolesFor('audit.read')].sort()).toEqual(['auditor', 'compliance']);
    expect(ACTIONS.some((a) => a.startsWith('audit.') && a !== 'audit.read')).toBe(false);
  });

  test('only compliance (the MICs) creates exports for the SFC', () => {
    expect(rolesFor('exports.create')).toEqual(['compliance']);
  });

  test('an ingest system cannot read records back, nor the audit trail', () => {
    expect(can('ingest', 'records.read')).toBe(false);
    expect(can('ingest', 'audit.read')).toBe(false);
    expect(can('ingest', 'exports.read')).toBe(false);
  });

  test('no role may do everything, and every role may do something', () => {
    for (const role of ROLES) {
      expect(actionsFor(role).length).toBeGreaterThan(0);
      expect(actionsFor(role).length).toBeLessThan(ACTIONS.length);
    }
  });

  test('anything not in the table is denied', () => {
    expect(isAction('records.delete')).toBe(false);
    expect(isAction('toString')).toBe(false);
    expect(can('admin', 'records.delete' as Action)).toBe(false);
    expect(() => authorize(principalOf('admin'), 'records.delete' as Action)).toThrow(ForbiddenError);
    expect(() => authorize({ id: 'x', name: 'x', role: 'root' as Role }, 'principals.manage')).toThrow(
      ForbiddenError,
    );
  });

  test('a refusal names the principal, its role, the action and who may do it', () => {
    expect(() => authorize(principalOf('reader'), 'records.write')).toThrow(
      'principal test-reader (role reader) may not records.write; allowed roles: ingest',
    );
  });
});
