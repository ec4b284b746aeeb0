import { leafData } from '../../src/catalog';
import {
  openCheckpoint,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
  verifyTlogProof,
  type VerifierKey,
} from '../../src/ledger';
import { auth, postJson, startServer, trade, type TestServer } from './server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const get = (path: string, role: Parameters<typeof auth>[0] = 'auditor') =>
  fetch(`${s.url}${path}`, { headers: auth(role) });

async function key(): Promise<VerifierKey> {
  const res = await get('/v1/ledger/key');
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const parsed = parseVerifierKey((await res.text()).trim());
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.key;
}

async function ingest(ids: string[]): Promise<void> {
  for (const id of ids)
    expect((await postJson(`${s.url}/v1/records`, trade(id), auth('ingest'))).status).toBe(201);
}

describe('the ledger API', () => {
  test('before the first checkpoint: 404 for the checkpoint, 409 with Retry-After for a proof', async () => {
    await ingest(['LG-0']);
    const cp = await get('/v1/ledger/checkpoint');
    expect(cp.status).toBe(404);
    const proof = await get('/v1/records/LG-0/proof', 'reader');
    expect(proof.status).toBe(409);
    expect(proof.headers.get('retry-after')).toBe('3600');
    const body = (await proof.json()) as { error: { code: string; hint: string } };
    expect(body.error.code).toBe('NotYetCheckpointed');
    expect(body.error.hint).toMatch(/Retry-After/);
  });

  test('a checkpoint, signed and stored; proofs that verify offline against it', async () => {
    await ingest(['LG-1', 'LG-2']);
    const posted = await fetch(`${s.url}/v1/ledger/checkpoint`, { method: 'POST', headers: auth('admin') });
    expect(posted.status).toBe(200);
    const made = (await posted.json()) as {
      treeSize: number;
      rootHash: string;
      key: string;
      checkpoint: string;
    };
    expect(made).toMatchObject({ treeSize: 3, key: 'ledger/checkpoint/00000000000000000003' });

    const vkey = await key();
    const note = await (await get('/v1/ledger/checkpoint')).text();
    expect(note).toBe(made.checkpoint);
    const opened = openCheckpoint(note, vkey);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.checkpoint.size).toBe(3n);
    expect(opened.checkpoint.root.toString('hex')).toBe(made.rootHash);
    // The object in the audit bucket is the note, byte for byte.
    const stored = await s.store.getBuffer(auditBucket(), made.key);
    expect(stored.body.toString('utf8')).toBe(note);

    const record = await s.catalog.getRecord('LG-1');
    const proofText = await (await get('/v1/records/LG-1/proof', 'reader')).text();
    const data = leafData({ kind: 'record', id: 'LG-1', sha256: record?.sha256 ?? '' });
    expect(verifyTlogProof(proofText, { key: vkey, leafData: data })).toMatchObject({ ok: true, index: 1n });
    // Another leaf's data does not verify with it.
    const other = leafData({ kind: 'record', id: 'LG-2', sha256: record?.sha256 ?? '' });
    expect(verifyTlogProof(proofText, { key: vkey, leafData: other }).ok).toBe(false);

    const entry = (await (await get('/v1/ledger/entries/1')).json()) as Record<string, string | number>;
    expect(entry).toMatchObject({ index: 1, kind: 'record', id: 'LG-1', sha256: record?.sha256 });
    expect(Buffer.from(entry.leafData as string, 'base64')).toEqual(data);

    const inc = (await (await get('/v1/ledger/proof/inclusion?index=2')).json()) as {
      index: number;
      treeSize: number;
      leafHash: string;
      proof: string[];
    };
    expect(inc).toMatchObject({ index: 2, treeSize: 3 });
    const check = verifyInclusion(
      2n,
      3n,
      Buffer.from(inc.leafHash, 'hex'),
      inc.proof.map((h) => Buffer.from(h, 'hex')),
      opened.checkpoint.root,
    );
    expect(check.ok).toBe(true);
  });

  test('checkpoints are listed by size with a cursor; consistency proofs between them verify', async () => {
    await ingest(['LG-3', 'LG-4', 'LG-5']);
    await s.evidence.checkpointNow();
    const page1 = (await (await get('/v1/ledger/checkpoints?limit=1')).json()) as {
      items: { treeSize: number; rootHash: string; key: string; createdAt: string }[];
      nextCursor?: string;
    };
    expect(page1.items.map((c) => c.treeSize)).toEqual([3]);
    expect(page1.nextCursor).toBe('3');
    const page2 = (await (
      await get(`/v1/ledger/checkpoints?cursor=${page1.nextCursor}`)
    ).json()) as typeof page1;
    expect(page2.items.map((c) => c.treeSize)).toEqual([6]);
    expect(page2.nextCursor).toBeUndefined();
    expect(page2.items[0]?.key).toBe('ledger/checkpoint/00000000000000000006');
    expect(new Date(page2.items[0]?.createdAt ?? '').getTime()).not.toBeNaN();

    const c = (await (await get('/v1/ledger/proof/consistency?from=3&to=6')).json()) as { proof: string[] };
    const roots = [page1.items[0], page2.items[0]].map((i) => Buffer.from(i?.rootHash ?? '', 'hex'));
    const ok = verifyConsistency(
      3n,
      6n,
      c.proof.map((h) => Buffer.from(h, 'hex')),
      roots[0]!,
      roots[1]!,
    );
    expect(ok.ok).toBe(true);
    // An older tree size for an inclusion proof.
    const old = (await (await get('/v1/ledger/proof/inclusion?index=0&treeSize=3')).json()) as {
      proof: string[];
    };
    const leaf0 = (await (await get('/v1/ledger/entries/0')).json()) as { leafHash: string };
    expect(
      verifyInclusion(
        0n,
        3n,
        Buffer.from(leaf0.leafHash, 'hex'),
        old.proof.map((h) => Buffer.from(h, 'hex')),
        roots[0]!,
      ).ok,
    ).toBe(true);
  });

  test.each([
    ['/v1/ledger/entries/-1', 'index'],
    ['/v1/ledger/entries/1e3', 'index'],
    ['/v1/ledger/entries/007', 'index'],
    ['/v1/ledger/proof/inclusion', 'index'],
    ['/v1/ledger/proof/inclusion?index=x', 'index'],
    ['/v1/ledger/proof/inclusion?index=6', 'index'],
    ['/v1/ledger/proof/inclusion?index=0&treeSize=0', 'treeSize'],
    ['/v1/ledger/proof/inclusion?index=0&treeSize=99', 'treeSize'],
    ['/v1/ledger/proof/consistency?from=0&to=3', 'from'],
    ['/v1/ledger/proof/consistency?from=4&to=3', 'from'],
    ['/v1/ledger/proof/consistency?from=1&to=99', 'to'],
    ['/v1/ledger/proof/consistency?from=1', 'to'],
    ['/v1/ledger/checkpoints?cursor=abc', 'cursor'],
    ['/v1/ledger/checkpoints?limit=0', 'limit'],
    ['/v1/ledger/checkpoints?limit=1001', 'limit'],
    ['/v1/ledger/entries/99999999999999999999', 'index'],
  ])('400 with the reason: %s', async (path, field) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; message: string; details?: { issues: { path: string[] }[] } };
    };
    expect(body.error.code).toBe('ValidationFailed');
    expect(body.error.details?.issues.map((i) => i.path[0])).toContain(field);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });

  test('404 for an entry past the ledger and a proof of an unknown record', async () => {
    expect((await get('/v1/ledger/entries/500')).status).toBe(404);
    expect((await get('/v1/records/NO-SUCH/proof', 'reader')).status).toBe(404);
  });

  test('roles: readers get record proofs but not the ledger routes; only admin checkpoints', async () => {
    expect((await get('/v1/ledger/checkpoint', 'reader')).status).toBe(403);
    expect((await get('/v1/ledger/checkpoint', 'compliance')).status).toBe(200);
    expect(
      (await fetch(`${s.url}/v1/ledger/checkpoint`, { method: 'POST', headers: auth('auditor') })).status,
    ).toBe(403);
  });
});

function auditBucket(): string {
  return s.bucket.replace(/-records-7y$/, '-audit');
}
