import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { AuditEvent } from '../../src/catalog/types';
import { buildBag, type BagRecord, type BagResult, type BuildBagInput } from '../../src/export';
import { crc64 } from '../../src/util/crc64';
import { makeLedger, type TestLedger } from './evidence';

export interface FixtureRecord {
  meta: Omit<BagRecord, 'open' | 'proof'>;
  bytes: Buffer;
}

/** A record as the archive stores it: canonical JSON (sorted keys), facts as the catalog has them. */
export function jsonRecord(
  fields: Record<string, unknown> & { recordType: string; recordId: string },
  date: string,
  extra: { clientId?: string; accountId?: string; instrument?: string } = {},
): FixtureRecord {
  const sorted = Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1)));
  const bytes = Buffer.from(JSON.stringify(sorted));
  const [y, m, d] = date.split('-');
  return {
    bytes,
    meta: {
      recordId: fields.recordId,
      recordType: fields.recordType,
      objectKey: `${fields.recordType}/${y}/${m}/${d}/${fields.recordId}.json`,
      businessDate: date,
      clientId: extra.clientId ?? null,
      accountId: extra.accountId ?? null,
      instrument: extra.instrument ?? null,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      crc64: crc64(bytes),
    },
  };
}

/** Twelve records of several types and clients, one of them hostile, one a PDF document. */
export function fixtureRecords(): FixtureRecord[] {
  const out: FixtureRecord[] = [];
  const clients = ['C-1001', 'C-2002', 'C-3003'];
  for (let i = 1; i <= 9; i++) {
    const client = clients[i % 3] as string;
    const day = String(10 + ((i * 7) % 19)).padStart(2, '0');
    const id = `T-202611${day}-${String(i).padStart(6, '0')}`;
    out.push(
      jsonRecord(
        {
          recordType: 'trade',
          recordId: id,
          tradeId: id,
          orderId: `O-${i}`,
          executedAt: `2026-11-${day}T09:31:02.123+08:00`,
          venue: 'XHKG',
          instrument: { exchange: 'XHKG', code: '0700' },
          side: i % 2 ? 'buy' : 'sell',
          quantity: 100 * i,
          price: '388.20',
          currency: 'HKD',
          capacity: 'agency',
          clientId: client,
          accountId: `A-${client.slice(2)}-01`,
        },
        `2026-11-${day}`,
        { clientId: client, accountId: `A-${client.slice(2)}-01`, instrument: 'XHKG:0700' },
      ),
    );
  }
  out.push(
    jsonRecord(
      {
        recordType: 'order',
        recordId: 'O-HOSTILE-1',
        orderId: 'O-HOSTILE-1',
        receivedAt: '2026-11-02T10:00:00+08:00',
        channel: '</script><script>window.__pwned=1</script>',
        receivingStaffId: '<img src=x onerror="window.__pwned=2">',
        clientId: '=HYPERLINK("http://evil.example","x")',
        accountId: '+SUM(A1:A9)',
        notes: '-2+3 @cmd \u2028 <!-- -->',
      },
      '2026-11-02',
      { clientId: '=HYPERLINK("http://evil.example","x")', accountId: '+SUM(A1:A9)', instrument: '@evil' },
    ),
  );
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 7), Buffer.from('\n%%EOF\n')]);
  out.push({
    bytes: pdf,
    meta: {
      recordId: 'D-0001',
      recordType: 'document',
      objectKey: 'document/2026/11/03/D-0001.pdf',
      businessDate: '2026-11-03',
      clientId: 'C-1001',
      accountId: null,
      instrument: null,
      size: pdf.length,
      contentType: 'application/pdf',
      sha256: createHash('sha256').update(pdf).digest('hex'),
      crc64: crc64(pdf),
      fields: { documentType: 'contract_note_pdf', fileName: 'note.pdf', relatedIds: ['T-20261117-000001'] },
    },
  });
  out.push(
    jsonRecord(
      {
        recordType: 'contract_note',
        recordId: 'CN-0001',
        noteId: 'CN-0001',
        clientId: 'C-2002',
        issueDate: '2026-11-25',
        tradeIds: ['T-1', 'T-2'],
        consideration: '77640.00',
      },
      '2026-11-25',
      { clientId: 'C-2002', accountId: 'A-2002-01' },
    ),
  );
  return out;
}

export function auditEvents(records: FixtureRecord[]): AuditEvent[] {
  return records.map((r, i) => ({
    seq: 10 + i * 3,
    eventId: `evt_${i}`,
    at: new Date(Date.UTC(2026, 10, 20, 8, 0, i)),
    principalId: 'usr_ingest',
    action: 'record.ingest',
    target: r.meta.recordId,
    outcome: 'allowed',
    ip: '127.0.0.1',
    requestId: `req-${i}`,
    details: i === 0 ? '{"note":"=1+1"}' : null,
    source: 'api',
    prevHash: 'a'.repeat(64),
    hash: createHash('sha256').update(String(i)).digest('hex'),
  }));
}

export interface BuiltBag {
  dir: string;
  zip: string;
  result: BagResult;
  ledger: TestLedger;
  records: FixtureRecord[];
}

export const EXPORT_ID = 'exp_0190a1b2c3d4';

/** Builds a bag of `records` into a fresh temp dir; `change` may alter the input first. */
export async function buildFixtureBag(
  records: FixtureRecord[] = fixtureRecords(),
  change: (input: BuildBagInput) => BuildBagInput = (i) => i,
): Promise<BuiltBag> {
  const dir = await mkdtemp(join(tmpdir(), 'bag-test-'));
  const ledger = makeLedger(records.map((r) => r.meta));
  const input: BuildBagInput = {
    request: {
      exportId: EXPORT_ID,
      reference: 'SFC/ENF/2026/0042 <b>urgent</b>',
      purpose: 'Enquiry into trading in 0700 & related accounts',
      recipient: {
        name: 'Ms. A. Officer',
        organisation: 'Securities and Futures Commission',
        email: 'officer@sfc.example',
      },
      criteria: { clientId: 'C-1001', from: '2026-11-01' },
      requestedBy: 'compliance.officer',
    },
    sourceOrganization: 'Example Securities Ltd',
    baggedAt: new Date('2026-11-28T03:00:00Z'),
    records: records.map((r) => ({
      ...r.meta,
      open: () => Readable.from([r.bytes]),
      proof: ledger.proofFor(r.meta.recordId),
    })),
    auditEvents: auditEvents(records),
    checkpoint: ledger.checkpoint,
    verifierKey: ledger.verifierKey,
    tmpDir: dir,
  };
  const build = buildBag(change(input));
  const zip = join(dir, `${EXPORT_ID}.zip`);
  await pipeline(build.stream, createWriteStream(zip));
  return { dir, zip, result: await build.done, ledger, records };
}

/** Extracts a ZIP with yauzl (the reader is not the writer's library). */
export async function unzipTo(zipPath: string, dest: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true }, (err, z) => (err || !z ? reject(err) : resolve(z))),
  );
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      const target = join(dest, entry.fileName);
      if (entry.fileName.endsWith('/'))
        return void mkdir(target, { recursive: true }).then(() => zip.readEntry(), reject);
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(err);
        mkdir(dirname(target), { recursive: true })
          .then(() => pipeline(stream, createWriteStream(target)))
          .then(() => zip.readEntry(), reject);
      });
    });
    zip.readEntry();
  });
}

export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/**
 * GET /v1/exports/:id (each answered 200) every 100 ms until the export is no longer building,
 * up to `tries` times; its `export` object then.
 */
export async function exportWhenBuilt<T extends { status: string }>(
  url: string,
  token: string,
  id: string,
  tries = 600,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const res = await fetch(`${url}/v1/exports/${id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { export: T };
    if (body.export.status !== 'building') return body.export;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`export ${id} did not finish`);
}
