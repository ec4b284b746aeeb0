import { crc64 } from '../../src/util/crc64';
import { startTestEmulator, uniqueBucket, type TestEmulator } from './helpers';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.stop();
});

test.each([false, true])('put/get v4=%s', async (v4) => {
  const bucket = uniqueBucket('smoke');
  const c = emu.client({ v4 });
  await c.putBucket(bucket);
  c.useBucket(bucket);
  const body = Buffer.from('hello world');
  const put = await c.put('a/b.txt', body);
  expect(put.res.headers['x-oss-hash-crc64ecma']).toBe(crc64(body));
  const got = await c.get('a/b.txt');
  expect(got.content.equals(body)).toBe(true);
  const big = Buffer.alloc(300 * 1024, 7);
  await c.put('big', big);
  expect((await c.get('big')).content.equals(big)).toBe(true);
});
