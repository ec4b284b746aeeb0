/**
 * The five deviations the official ali-oss test suite found (issue 14, item 9), as conformance
 * tests of the emulator with the real ali-oss client, V1 and V4. With STRONGROOM_TEST_OSS_*
 * set (see test/storage/helpers/targets.ts) the same tests also run against real OSS, so what
 * they expect is OSS's behaviour, not the emulator's; emulator-only checks say so in their name.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import OSS from 'ali-oss';
import { realOssEnv } from '../storage/helpers/targets';
import { expectOssError, startTestEmulator, type Client, type Res, type TestEmulator } from './helpers';

/** The ali-oss calls used here that helpers.Client types more narrowly. */
interface FidelityClient extends Client {
  put(
    name: string,
    body: Buffer | string | NodeJS.ReadableStream,
    options?: Record<string, unknown>,
  ): Promise<{ res: Res }>;
}

interface Target {
  name: string;
  kind: 'emulator' | 'oss';
  client(options?: { latin1?: boolean }): FidelityClient;
  close(): Promise<void>;
}

interface TargetSpec {
  name: string;
  kind: Target['kind'];
  open(): Promise<Target>;
}

function emulatorTarget(v4: boolean): TargetSpec {
  return {
    name: `emulator, ${v4 ? 'V4' : 'V1'}`,
    kind: 'emulator',
    open: async () => {
      const emu: TestEmulator = await startTestEmulator();
      const bucket = `fidelity-${v4 ? 'v4' : 'v1'}-${randomBytes(4).toString('hex')}`;
      await emu.client().putBucket(bucket);
      const client = (o: { latin1?: boolean } = {}): FidelityClient =>
        new OSS({
          endpoint: emu.handle.url,
          accessKeyId: emu.accessKeyId,
          accessKeySecret: emu.accessKeySecret,
          region: emu.handle.region,
          bucket,
          sldEnable: true,
          authorizationV4: v4,
          ...(o.latin1 ? { headerEncoding: 'latin1' } : {}),
        } as OSS.Options) as unknown as FidelityClient;
      return { name: `emulator (${v4 ? 'v4' : 'v1'})`, kind: 'emulator', client, close: () => emu.stop() };
    },
  };
}

const specs: TargetSpec[] = [emulatorTarget(false), emulatorTarget(true)];
const real = realOssEnv();
if (!('skipped' in real)) {
  specs.push({
    name: 'real OSS, V4',
    kind: 'oss',
    open: async () => {
      const bucket = `${real.bucketPrefix}-fidelity-${randomBytes(4).toString('hex')}`;
      const make = (o: { latin1?: boolean } = {}): FidelityClient =>
        new OSS({
          endpoint: real.endpoint,
          accessKeyId: real.accessKeyId,
          accessKeySecret: real.accessKeySecret,
          region: real.region,
          bucket,
          authorizationV4: true,
          ...(o.latin1 ? { headerEncoding: 'latin1' } : {}),
        } as OSS.Options) as unknown as FidelityClient;
      await make().putBucket(bucket);
      return {
        name: 'real OSS',
        kind: 'oss',
        client: make,
        close: async () => {
          const c = make();
          for (const u of (await c.listUploads({ 'max-uploads': 1000 })).uploads ?? [])
            await c.abortMultipartUpload(u.name, u.uploadId);
          for (const o of (await c.list({ 'max-keys': 1000 })).objects ?? []) await c.delete(o.name);
          await c.deleteBucket(bucket);
        },
      };
    },
  });
}

const KiB = 1024;

describe.each(specs)('OSS fidelity (issue 14 item 9): $name', (spec) => {
  let t: Target;
  beforeAll(async () => {
    t = await spec.open();
  });
  afterAll(async () => {
    await t?.close();
  });
  const onEmulator = (name: string, fn: () => Promise<void>): void => {
    (spec.kind === 'emulator' ? test : test.skip)(`${name} (emulator only)`, fn);
  };

  test('non-ASCII metadata sent as raw UTF-8 (headerEncoding latin1) is accepted; HEAD returns the same bytes', async () => {
    const c = t.client({ latin1: true });
    const value = '阿达的大多';
    // ali-oss hands Node the UTF-8 bytes as latin1 text, and reads them back the same way.
    const asLatin1 = Buffer.from(value, 'utf8').toString('latin1');
    const put = await c.put('meta/非ascii.txt', Buffer.from('x'), { meta: { a: value, file: 'Ε.pdf' } });
    expect(put.res.status).toBe(200);
    const head = await c.head('meta/非ascii.txt');
    expect(head.meta).toEqual({ a: asLatin1, file: Buffer.from('Ε.pdf', 'utf8').toString('latin1') });
    expect(Buffer.from(head.meta?.a ?? '', 'latin1').toString('utf8')).toBe(value);
    // ali-oss's own follow-up: a copy that sets such metadata, to a key that is not ASCII either.
    const copied = await c.copy('meta/副本.txt', 'meta/非ascii.txt', { meta: { a: value } });
    expect(copied.res.status).toBe(200);
    expect((await c.head('meta/副本.txt')).meta).toEqual({ a: asLatin1 });
  });

  test('put(stream) with a Content-Length header (sent with Transfer-Encoding: chunked) is accepted', async () => {
    const c = t.client();
    const body = randomBytes(150 * KiB + 3);
    const put = await c.put(
      'framed/with-length.bin',
      Readable.from([body.subarray(0, 70_000), body.subarray(70_000)]),
      {
        headers: { 'Content-Length': body.length },
        // V4 only: the length is signed too, so the header must reach the verifier as sent.
        additionalHeaders: ['content-length'],
      },
    );
    expect(put.res.status).toBe(200);
    expect((await c.get('framed/with-length.bin')).content.equals(body)).toBe(true);
  });

  test('multipart with encryption: Initiate, UploadPart and Complete echo x-oss-server-side-encryption', async () => {
    const c = t.client();
    const key = 'sse/multipart.bin';
    const init = await c.initMultipartUpload(key, { headers: { 'x-oss-server-side-encryption': 'AES256' } });
    expect(init.res.headers['x-oss-server-side-encryption']).toBe('AES256');
    const part = randomBytes(100 * KiB);
    const p1 = await c._uploadPart(key, init.uploadId, 1, {
      stream: Readable.from([part]),
      size: part.length,
    });
    expect(p1.res.headers['x-oss-server-side-encryption']).toBe('AES256');
    const done = await c.completeMultipartUpload(key, init.uploadId, [{ number: 1, etag: p1.etag }]);
    expect(done.res.headers['x-oss-server-side-encryption']).toBe('AES256');
    expect((await c.head(key)).res.headers['x-oss-server-side-encryption']).toBe('AES256');
  });

  onEmulator('multipart with KMS and a key id echoes both on every step', async () => {
    const c = t.client();
    const key = 'sse/kms.bin';
    const sse = { 'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'key-1234' };
    const init = await c.initMultipartUpload(key, { headers: sse });
    const part = Buffer.from('only part');
    const p1 = await c._uploadPart(key, init.uploadId, 1, {
      stream: Readable.from([part]),
      size: part.length,
    });
    const done = await c.completeMultipartUpload(key, init.uploadId, [{ number: 1, etag: p1.etag }]);
    for (const r of [init.res, p1.res, done.res]) expect(r.headers).toMatchObject(sse);
  });

  test('x-oss-storage-class IA is stored and reported (PUT, multipart, HEAD, listing)', async () => {
    const c = t.client();
    await c.put('class/ia.txt', Buffer.from('ia'), { headers: { 'x-oss-storage-class': 'IA' } });
    expect((await c.head('class/ia.txt')).res.headers['x-oss-storage-class']).toBe('IA');
    await c.put('class/standard.txt', Buffer.from('std'));
    expect((await c.head('class/standard.txt')).res.headers['x-oss-storage-class']).toBe('Standard');
    const init = await c.initMultipartUpload('class/ia-multipart.bin', {
      headers: { 'x-oss-storage-class': 'IA' },
    });
    const part = Buffer.from('one part');
    const p1 = await c._uploadPart('class/ia-multipart.bin', init.uploadId, 1, {
      stream: Readable.from([part]),
      size: part.length,
    });
    await c.completeMultipartUpload('class/ia-multipart.bin', init.uploadId, [{ number: 1, etag: p1.etag }]);
    expect((await c.head('class/ia-multipart.bin')).res.headers['x-oss-storage-class']).toBe('IA');
    const listed = (await c.listV2({ prefix: 'class/' })).objects as Array<{
      name: string;
      storageClass?: string;
    }>;
    expect(listed.map((o) => [o.name, o.storageClass])).toEqual([
      ['class/ia-multipart.bin', 'IA'],
      ['class/ia.txt', 'IA'],
      ['class/standard.txt', 'Standard'],
    ]);
  });

  onEmulator(
    'archive classes are refused with 501 (their reads need RestoreObject); unknown ones with 400',
    async () => {
      const c = t.client();
      for (const cls of ['Archive', 'ColdArchive', 'DeepColdArchive']) {
        const err = await expectOssError(() =>
          c.put(`class/${cls}.txt`, Buffer.from('x'), { headers: { 'x-oss-storage-class': cls } }),
        );
        expect([cls, err.status, err.code]).toEqual([cls, 501, 'NotImplemented']);
      }
      const bad = await expectOssError(() =>
        c.initMultipartUpload('class/bad', { headers: { 'x-oss-storage-class': 'Glacier' } }),
      );
      expect([bad.status, bad.code]).toEqual([400, 'InvalidArgument']);
      expect((await c.list({ prefix: 'class/A' })).objects ?? []).toEqual([]);
    },
  );

  test('copy preconditions name If-Match and If-Unmodified-Since in <Condition>', async () => {
    const c = t.client();
    await c.put('copy/source.txt', Buffer.from('source'));
    const ifMatch = await expectOssError(() =>
      c.copy('copy/target-1.txt', 'copy/source.txt', { headers: { 'If-Match': 'foo-bar' } }),
    );
    expect(ifMatch).toMatchObject({ status: 412, name: 'PreconditionFailedError' });
    expect(ifMatch.message).toBe(
      'At least one of the pre-conditions you specified did not hold. (condition: If-Match)',
    );
    const lastYear = new Date(Date.now() - 365 * 86_400_000).toUTCString();
    const unmodified = await expectOssError(() =>
      c.copy('copy/target-2.txt', 'copy/source.txt', { headers: { 'If-Unmodified-Since': lastYear } }),
    );
    expect(unmodified.message).toBe(
      'At least one of the pre-conditions you specified did not hold. (condition: If-Unmodified-Since)',
    );
    expect((await c.list({ prefix: 'copy/target' })).objects ?? []).toEqual([]);
  });
});
