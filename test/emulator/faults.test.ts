import { crc64 } from '../../src/util/crc64';
import type { FaultConfig } from '../../src/emulator/types';
import { expectOssError, startTestEmulator, uniqueBucket, type Client, type TestEmulator } from './helpers';

let emu: TestEmulator;
let c: Client;
const body = Buffer.alloc(200 * 1024);
for (let i = 0; i < body.length; i++) body[i] = (i * 13) & 0xff;
const small = Buffer.from('small object body');

beforeAll(async () => {
  // Faults given at start: every ListBuckets fails.
  emu = await startTestEmulator({
    faults: {
      seed: 1,
      rules: [
        { operation: 'ListBuckets', probability: 1, error: { status: 503, code: 'ServiceUnavailable' } },
      ],
    },
  });
  c = emu.client();
  const bucket = uniqueBucket('faults');
  await c.putBucket(bucket);
  c.useBucket(bucket);
});
afterEach(() => emu.handle.setFaults(null));
afterAll(async () => {
  await emu.stop();
});

test('faults set at start apply; setFaults(null) turns them off', async () => {
  emu.handle.setFaults({
    seed: 1,
    rules: [{ operation: 'ListBuckets', probability: 1, error: { status: 503, code: 'ServiceUnavailable' } }],
  });
  const err = await expectOssError(() => c.listBuckets());
  expect(err.status).toBe(503);
  expect(err.code).toBe('ServiceUnavailable');
  emu.handle.setFaults(null);
  expect((await c.listBuckets()).buckets).not.toBeNull();
});

test('error: the operation answers the status and code and is not performed', async () => {
  emu.handle.setFaults({
    seed: 7,
    rules: [{ operation: 'PutObject', probability: 1, error: { status: 500, code: 'InternalError' } }],
  });
  const err = await expectOssError(() => c.put('not-stored', small));
  expect(err.status).toBe(500);
  expect(err.code).toBe('InternalError');
  emu.handle.setFaults(null);
  expect((await expectOssError(() => c.head('not-stored'))).status).toBe(404);
});

test('reset: the connection is destroyed without an answer, and nothing is stored', async () => {
  emu.handle.setFaults({ seed: 7, rules: [{ operation: 'PutObject', probability: 1, reset: true }] });
  const err = await expectOssError(() => c.put('reset-put', small));
  expect(err.status).toBe(-1);
  emu.handle.setFaults(null);
  expect((await expectOssError(() => c.head('reset-put'))).status).toBe(404);
  await c.put('reset-get', small);
  emu.handle.setFaults({ seed: 7, rules: [{ operation: 'GetObject', probability: 1, reset: true }] });
  expect((await expectOssError(() => c.get('reset-get'))).status).toBe(-1);
  emu.handle.setFaults(null);
  expect((await c.get('reset-get')).content.equals(small)).toBe(true);
});

test('flipByte: the GET body differs in exactly one byte; the stored object is untouched', async () => {
  await c.put('flip', body);
  await c.put('flip-small', small);
  emu.handle.setFaults({ seed: 3, rules: [{ operation: 'GetObject', probability: 1, flipByte: true }] });
  for (const [key, original] of [
    ['flip', body],
    ['flip-small', small],
  ] as const) {
    const got = await c.get(key);
    expect(got.content.length).toBe(original.length);
    let diffs = 0;
    for (let i = 0; i < original.length; i++) if (got.content[i] !== original[i]) diffs++;
    expect(diffs).toBe(1);
    // The header still reports the stored CRC: a client that checks it detects the damage.
    expect(got.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(original));
    expect(crc64(got.content)).not.toBe(crc64(original));
  }
  emu.handle.setFaults(null);
  expect((await c.get('flip')).content.equals(body)).toBe(true);
});

test('dropCrc and wrongCrc change only the x-oss-hash-crc64ecma header', async () => {
  await c.put('crc', body);
  emu.handle.setFaults({ seed: 3, rules: [{ operation: '*', probability: 1, dropCrc: true }] });
  expect((await c.get('crc')).res.headers['x-oss-hash-crc64ecma']).toBeUndefined();
  expect((await c.head('crc')).res.headers['x-oss-hash-crc64ecma']).toBeUndefined();
  expect((await c.put('crc2', small)).res.headers['x-oss-hash-crc64ecma']).toBeUndefined();
  emu.handle.setFaults({ seed: 3, rules: [{ operation: 'GetObject', probability: 1, wrongCrc: true }] });
  const wrong = await c.get('crc');
  expect(wrong.content.equals(body)).toBe(true);
  expect(wrong.res.headers['x-oss-hash-crc64ecma']).toMatch(/^[0-9]+$/);
  expect(wrong.res.headers['x-oss-hash-crc64ecma']).not.toBe(crc64(body));
  emu.handle.setFaults({ seed: 3, rules: [{ operation: 'PutObject', probability: 1, wrongCrc: true }] });
  const put = await c.put('crc3', small);
  expect(put.res.headers['x-oss-hash-crc64ecma']).not.toBe(crc64(small));
  emu.handle.setFaults(null);
  expect((await c.get('crc3')).res.headers['x-oss-hash-crc64ecma']).toBe(crc64(small));
});

test('latency delays the answer', async () => {
  emu.handle.setFaults({ seed: 3, rules: [{ operation: 'HeadObject', probability: 1, latencyMs: 300 }] });
  await c.put('slow', small);
  const started = Date.now();
  const head = await c.head('slow');
  // A lower bound only: the delay is a floor, never a ceiling.
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  expect(head.status).toBe(200);
});

test('decisions are deterministic for a seed, and probability selects a subset', async () => {
  await c.put('p', small);
  const config: FaultConfig = {
    seed: 42,
    rules: [{ operation: 'GetObject', probability: 0.5, error: { status: 503, code: 'SlowDown' } }],
  };
  const run = async (): Promise<boolean[]> => {
    emu.handle.setFaults(config);
    const outcomes: boolean[] = [];
    for (let i = 0; i < 24; i++) {
      try {
        await c.get('p');
        outcomes.push(true);
      } catch (err) {
        expect((err as { code: string }).code).toBe('SlowDown');
        outcomes.push(false);
      }
    }
    return outcomes;
  };
  const a = await run();
  const b = await run();
  expect(b).toEqual(a);
  expect(a.filter(Boolean).length).toBeGreaterThan(0);
  expect(a.filter((x) => !x).length).toBeGreaterThan(0);
  // Other operations are not affected by a GetObject rule.
  emu.handle.setFaults(config);
  for (let i = 0; i < 5; i++) expect((await c.head('p')).status).toBe(200);
});

test('invalid fault rules are refused', () => {
  expect(() =>
    emu.handle.setFaults({ seed: 1, rules: [{ operation: 'GetObject', probability: 2, reset: true }] }),
  ).toThrow(/probability/);
  expect(() =>
    emu.handle.setFaults({ seed: 1, rules: [{ operation: 'GetObject', probability: 1 }] }),
  ).toThrow(/no effect/);
});
