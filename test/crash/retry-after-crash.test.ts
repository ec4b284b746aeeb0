/**
 * The write path's repair of a crash between PUT and commit (../shared/docs/DESIGN.md): the object of an
 * earlier attempt is in OSS, the catalog has no row; the retry finds FileAlreadyExists, HEADs the
 * object and commits when its SHA-256 (metadata), size and CRC-64 are those of the record sent.
 * In-process: the real archive (embedded emulator, real ali-oss client, SQLite catalog).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { AuditScope } from '../../src/audit/scope';
import { bucketPlan, parseConfig, type Config } from '../../src/config';
import { ObjectKeyTakenError } from '../../src/errors';
import { resolveLimits } from '../../src/http';
import { ArchiveIngestService } from '../../src/ingest/service';
import type { WriteContext } from '../../src/ingest/types';
import { silentLogger } from '../../src/log';
import {
  canonicalBytes,
  objectKey,
  storedMetadata,
  validateRecord,
  type ArchiveRecord,
} from '../../src/records';
import { trade } from '../../src/records/fixtures';
import { ObjectSeal } from '../../src/records/seal';
import { startArchive, type Archive } from '../../src/runtime/archive';
import { openArchiveSeal } from '../../src/runtime/seal';
import { tempDir } from '../helpers/common';

const DAY_MS = 24 * 60 * 60 * 1000;
const BUCKET = 'strongroom-records-7y';
const DAYS = 2557;

let dir: string;
let archive: Archive;
let config: Config;
let service: ArchiveIngestService;
let seal: ObjectSeal;
const ctx = (): WriteContext => ({
  principal: { id: 'sys_crash_test', name: 'crash-test', role: 'ingest', kind: 'system', via: 'token' },
  audit: new AuditScope(archive.catalog, {
    principalId: 'sys_crash_test',
    action: 'records.write',
    requestId: 'req-1',
    ip: '127.0.0.1',
  }),
});

beforeAll(async () => {
  dir = tempDir('retry');
  config = parseConfig({ dataDir: dir, logLevel: 'silent', server: { port: 0 } });
  archive = await startArchive(config, { logger: silentLogger() });
  seal = openArchiveSeal(config);
  service = new ArchiveIngestService({
    classes: config.buckets.classes,
    plan: bucketPlan(config),
    store: archive.storeHandle.store,
    catalog: archive.catalog,
    logger: silentLogger(),
    gate: null,
    maxDocumentBytes: resolveLimits(config.server.limits).maxDocumentBytes,
    seal,
  });
});
afterAll(async () => {
  await archive?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * What an attempt that crashed after its PUT left behind: the object, with the archive's metadata
 * sealed by the archive's key (`sealWith` another seal, or null for none: a forger's object).
 */
async function storeAsEarlierAttempt(
  input: Record<string, unknown>,
  at: Date,
  shaOverride?: string,
  sealWith: ObjectSeal | null = seal,
): Promise<string> {
  const result = validateRecord(input);
  if (!result.ok) throw new Error('invalid fixture');
  const record: ArchiveRecord = result.record;
  const bytes = canonicalBytes(input);
  const sha256 = shaOverride ?? createHash('sha256').update(bytes).digest('hex');
  const plain = storedMetadata({
    sha256,
    recordType: record.recordType,
    recordId: record.recordId,
    principal: 'sys_earlier',
    ingestedAt: at,
  });
  const key = objectKey(record);
  await archive.storeHandle.store.putBuffer(BUCKET, key, bytes, {
    meta: sealWith ? sealWith.seal(BUCKET, key, plain) : plain,
    contentType: 'application/json',
  });
  return key;
}

test('a retry after a crash between PUT and commit commits the earlier object, with its ingest time', async () => {
  const input = trade('T-RETRY-1');
  const earlier = new Date(Date.now() - 90_000);
  const key = await storeAsEarlierAttempt(input, earlier);
  expect(await archive.catalog.getRecord('T-RETRY-1')).toBeUndefined();
  const sizeBefore = await archive.catalog.ledgerSize();

  const result = await service.ingestRecord(structuredClone(input), ctx());
  expect(result.status).toBe('created');
  expect(result.receipt).toMatchObject({
    recordId: 'T-RETRY-1',
    key,
    sha256: createHash('sha256').update(canonicalBytes(input)).digest('hex'),
  });
  // Retain-until is not later than what OSS protects: the object's Last-Modified (whole seconds)
  // + the class's days, although the commit happens later than the PUT.
  const info = await archive.storeHandle.store.head(BUCKET, key);
  expect(Date.parse(result.receipt.retainUntil)).toBeLessThanOrEqual(
    info.lastModified.getTime() + 999 + DAYS * DAY_MS,
  );
  expect(await archive.catalog.ledgerSize()).toBe(sizeBefore + 1);

  // And the next repeat is a plain `existing` with the same receipt.
  const again = await service.ingestRecord(structuredClone(input), ctx());
  expect(again).toEqual({ status: 'existing', receipt: result.receipt });
});

test('an object under the key whose metadata names another SHA-256 is a conflict; nothing is committed', async () => {
  const input = trade('T-RETRY-2');
  await storeAsEarlierAttempt(input, new Date(), 'f'.repeat(64));
  await expect(service.ingestRecord(structuredClone(input), ctx())).rejects.toBeInstanceOf(
    ObjectKeyTakenError,
  );
  expect(await archive.catalog.getRecord('T-RETRY-2')).toBeUndefined();
});

test('an object under the key with other bytes (though claiming our SHA-256) is a conflict', async () => {
  const sent = trade('T-RETRY-3');
  const other = trade('T-RETRY-3', { price: '1.00' });
  const sentSha = createHash('sha256').update(canonicalBytes(sent)).digest('hex');
  await storeAsEarlierAttempt(other, new Date(), sentSha);
  await expect(service.ingestRecord(structuredClone(sent), ctx())).rejects.toBeInstanceOf(
    ObjectKeyTakenError,
  );
  expect(await archive.catalog.getRecord('T-RETRY-3')).toBeUndefined();
});

describe('the retry adopts only objects this archive sealed (issue 8, item 2)', () => {
  async function refusal(id: string, at: Date, sealWith: ObjectSeal | null): Promise<string> {
    const input = trade(id);
    await storeAsEarlierAttempt(input, at, undefined, sealWith);
    const err: unknown = await service.ingestRecord(structuredClone(input), ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectKeyTakenError);
    expect(await archive.catalog.getRecord(id)).toBeUndefined();
    // The adapter's refusal (the cause) says why the object there is not this one.
    return String((err as ObjectKeyTakenError).cause);
  }

  test('the same bytes with self-consistent metadata but no seal: foreign, not adopted', async () => {
    expect(await refusal('T-FORGED-1', new Date(), null)).toMatch(/foreign object: it carries no seal/);
  });

  test('sealed under another key: foreign, not adopted', async () => {
    expect(await refusal('T-FORGED-2', new Date(), ObjectSeal.random())).toMatch(
      /foreign object: it is sealed under another key/,
    );
  });

  test("sealed by the archive's key but with a back-dated ingest time: its Last-Modified belies it", async () => {
    const backdated = new Date(Date.now() - 30 * DAY_MS);
    expect(await refusal('T-FORGED-3', backdated, seal)).toMatch(
      /claimed ingest time .* does not agree with its Last-Modified/,
    );
  });

  test('a seal copied from another object does not fit this key', async () => {
    const input = trade('T-FORGED-4');
    const result = validateRecord(input);
    if (!result.ok) throw new Error('invalid fixture');
    const bytes = canonicalBytes(input);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const meta = storedMetadata({
      sha256,
      recordType: result.record.recordType,
      recordId: result.record.recordId,
      principal: 'sys_earlier',
      ingestedAt: new Date(),
    });
    // Sealed for another key of the bucket: right key material, wrong place.
    const moved = seal.seal(BUCKET, 'trade/2026/11/21/T-OTHER.json', meta);
    await archive.storeHandle.store.putBuffer(BUCKET, objectKey(result.record), bytes, {
      meta: moved,
      contentType: 'application/json',
    });
    const err: unknown = await service.ingestRecord(structuredClone(input), ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectKeyTakenError);
    expect(String((err as ObjectKeyTakenError).cause)).toMatch(
      /seal does not match its bucket, key and metadata/,
    );
  });
});
