import {
  TEST_DATABASE_URL,
  postgresHarnessFactory,
  sqliteHarnessFactory,
  type HarnessFactory,
} from './harness';
import { appendOnlySuite } from './suite-append-only';
import { auditSuite } from './suite-audit';
import { evidenceSuite } from './suite-evidence';
import { groupSuite } from './suite-group';
import { migrationsSuite } from './suite-migrations';
import { principalsSuite } from './suite-principals';
import { recordsSuite } from './suite-records';
import { selectionAuditSuite } from './suite-selection-audit';

/**
 * The catalog suite, written once and run for each database: SQLite (a temp file per suite)
 * always, PostgreSQL (a fresh schema per suite, dropped at the end) when TEST_DATABASE_URL is set.
 * Both live in this one file so the skip notice is printed: Jest drops the console output of a
 * file whose tests are all skipped.
 */
function catalogSuite(fresh: HarnessFactory): void {
  describe('migrations', () => migrationsSuite(fresh));
  describe('records', () => recordsSuite(fresh));
  describe('ledger and audit', () => auditSuite(fresh));
  describe('append-only, whatever the connection', () => appendOnlySuite(fresh));
  describe('principals', () => principalsSuite(fresh));
  describe('group commit', () => groupSuite(fresh));
  describe('evidence', () => evidenceSuite(fresh));
  describe('audit trail of a selection', () => selectionAuditSuite(fresh));
}

describe('catalog on SQLite', () => catalogSuite(sqliteHarnessFactory()));
describe('catalog on SQLite in a worker thread', () => catalogSuite(sqliteHarnessFactory({ worker: true })));

if (!TEST_DATABASE_URL) {
  console.warn(
    'catalog: the PostgreSQL run of the catalog suite was SKIPPED because TEST_DATABASE_URL is not set. ' +
      'Start a cluster and set it (e.g. postgres://strongroom:strongroom@127.0.0.1:5432/strongroom_test; see .ci/run).',
  );
}
const describePg = TEST_DATABASE_URL ? describe : describe.skip;
describePg('catalog on PostgreSQL', () => catalogSuite(postgresHarnessFactory(TEST_DATABASE_URL)));
