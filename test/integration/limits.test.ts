/**
 * API limits come from configuration (server.limits): a smaller record cap refuses a record the
 * default would take, with 413 and nothing written.
 */
import { loadConfig } from '../../src/config';
import { example } from '../records/fixtures';
import { postJson, startTestArchive, type ErrorBody, type TestArchive } from './helpers';

describe('API limits from configuration', () => {
  let t: TestArchive;

  beforeAll(async () => {
    t = await startTestArchive({ db: 'sqlite', overrides: { server: { limits: { maxRecordBytes: 200 } } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a record over server.limits.maxRecordBytes is 413, and nothing is written', async () => {
    const body = JSON.stringify(example('trade'));
    expect(Buffer.byteLength(body)).toBeGreaterThan(200);
    const res = await postJson(`${t.url}/v1/records`, body, t.ingestToken);
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorBody).error.code).toBe('PayloadTooLarge');
    expect(await t.catalog.ledgerSize()).toBe(0);
  });

  test('the environment sets the batch concurrency; out-of-range values are refused', () => {
    expect(loadConfig({ env: { STRONGROOM_BATCH_CONCURRENCY: '64' } }).server.limits.batchConcurrency).toBe(
      64,
    );
    expect(() => loadConfig({ env: { STRONGROOM_BATCH_CONCURRENCY: '1000' } })).toThrow(
      /server\.limits\.batchConcurrency/,
    );
  });
});
