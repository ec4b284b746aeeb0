import { startTestEmulator, uniqueBucket, type Client, type TestEmulator } from './helpers';

let emu: TestEmulator;
let c: Client;
const keys: string[] = [];

beforeAll(async () => {
  emu = await startTestEmulator();
  c = emu.client();
  const bucket = uniqueBucket('list');
  await c.putBucket(bucket);
  c.useBucket(bucket);
  for (let i = 0; i < 1234; i++) keys.push(`flat/${String(i).padStart(5, '0')}`);
  for (const d of ['a', 'b', 'c']) for (let i = 0; i < 3; i++) keys.push(`tree/${d}/${i}.txt`);
  keys.push('tree/top.txt', 'tree/z', 'tree/b/x/deep.txt');
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let k = queue.shift(); k !== undefined; k = queue.shift()) await c.put(k, Buffer.from(k));
    }),
  );
  keys.sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
}, 120000);

afterAll(async () => {
  await emu.stop();
});

test('ListObjectsV2 pages over more than 1000 keys with continuation tokens', async () => {
  const seen: string[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const query: Record<string, string | number> = { prefix: 'flat/', 'max-keys': 1000 };
    if (token) query['continuation-token'] = token;
    const page = await c.listV2(query);
    pages++;
    expect(page.keyCount).toBe(page.objects.length);
    seen.push(...page.objects.map((o) => o.name));
    token = page.isTruncated ? page.nextContinuationToken : null;
    if (page.isTruncated) expect(token).toBeTruthy();
  } while (token);
  expect(pages).toBe(2);
  expect(seen).toEqual(keys.filter((k) => k.startsWith('flat/')));
  const first = await c.listV2({ prefix: 'flat/', 'max-keys': 1 });
  expect(first.objects[0]?.size).toBe('flat/00000'.length);
  expect(first.objects[0]?.etag).toMatch(/^"[0-9A-F]{32}"$/);
  expect(first.objects[0]?.owner).toBeNull();
});

test('ListObjects (V1) pages with marker / NextMarker; default max-keys is 100', async () => {
  const seen: string[] = [];
  let marker = '';
  let pages = 0;
  for (;;) {
    const page = await c.list({ prefix: 'flat/', marker, 'max-keys': 1000 });
    pages++;
    seen.push(...page.objects.map((o) => o.name));
    expect(page.objects[0]?.owner?.id).toBeTruthy();
    if (!page.isTruncated) break;
    marker = page.nextMarker as string;
  }
  expect(pages).toBe(2);
  expect(seen).toEqual(keys.filter((k) => k.startsWith('flat/')));
  const dflt = await c.list({ prefix: 'flat/' });
  expect(dflt.objects).toHaveLength(100);
  expect(dflt.isTruncated).toBe(true);
  const tooMany = c.list({ 'max-keys': 1001 });
  await expect(tooMany).rejects.toMatchObject({ status: 400, code: 'InvalidArgument' });
});

test('delimiter folds keys into CommonPrefixes, and paging walks past whole groups', async () => {
  const all = await c.listV2({ prefix: 'tree/', delimiter: '/' });
  expect(all.prefixes).toEqual(['tree/a/', 'tree/b/', 'tree/c/']);
  expect(all.objects.map((o) => o.name)).toEqual(['tree/top.txt', 'tree/z']);
  expect(all.keyCount).toBe(5);

  const collected: string[] = [];
  let token: string | null = null;
  do {
    const q: Record<string, string | number> = { prefix: 'tree/', delimiter: '/', 'max-keys': 2 };
    if (token) q['continuation-token'] = token;
    const page = await c.listV2(q);
    collected.push(...(page.prefixes ?? []), ...page.objects.map((o) => o.name));
    token = page.isTruncated ? page.nextContinuationToken : null;
  } while (token);
  expect(collected.sort()).toEqual(['tree/a/', 'tree/b/', 'tree/c/', 'tree/top.txt', 'tree/z']);

  // V1 with a marker equal to a common prefix resumes after that group.
  const v1 = await c.list({ prefix: 'tree/', delimiter: '/', marker: 'tree/a/' });
  expect(v1.prefixes).toEqual(['tree/b/', 'tree/c/']);
});

test('start-after, fetch-owner and encoding-type=url', async () => {
  const after = await c.listV2({ prefix: 'tree/', 'start-after': 'tree/b/2.txt' });
  expect(after.objects.map((o) => o.name)).toEqual([
    'tree/b/x/deep.txt',
    'tree/c/0.txt',
    'tree/c/1.txt',
    'tree/c/2.txt',
    'tree/top.txt',
    'tree/z',
  ]);
  const owned = await c.listV2({ prefix: 'tree/z', 'fetch-owner': 'true' });
  expect(owned.objects[0]?.owner?.id).toBeTruthy();

  await c.put('enc/a b+c%d\u00e9', Buffer.from('x'));
  const enc = await c.listV2({ prefix: 'enc/', 'encoding-type': 'url' });
  expect(enc.objects[0]?.name).toBe('enc/a%20b%2Bc%25d%C3%A9');
  expect(decodeURIComponent(enc.objects[0]?.name ?? '')).toBe('enc/a b+c%d\u00e9');
});
