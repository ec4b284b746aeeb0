/** The auth suites' helpers: a temp directory and a real SQLite catalog in one (test/helpers/common.ts). */
export { tempCatalog, tempDir, type TempCatalog } from '../helpers/common';
