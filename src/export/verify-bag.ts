import { createHash, type Hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import {
  checkBagitTxt,
  parseBagInfo,
  parseManifest,
  parseOxum,
  type BagProblem,
  type Manifest,
} from './bag-parse';
import { openBagSource, topLevelNames, type BagFile, type BagSource, DirBagSource } from './bag-source';
import { verdictText } from './verdict';

export type { BagProblem } from './bag-parse';

/**
 * Checks the ledger evidence of a bag. Injected: the ledger's own verifier (src/ledger) is wired
 * in by the command line, so this part depends on no signature or Merkle code.
 */
export interface EvidenceChecker {
  /** The checkpoint (a C2SP signed note) is signed by `key` (`<name>+<hex id>+<base64>`). */
  checkpoint(input: { checkpoint: string; key: string }): BagProblem[] | Promise<BagProblem[]>;
  /**
   * One record's C2SP tlog-proof shows the leaf `strongroom-leaf-v1 / record / recordId / sha256`
   * in the tree of `checkpoint`. `sha256` is computed from the bag's file, not read from a list.
   */
  proof(input: {
    recordId: string;
    sha256: string;
    proof: string;
    proofFile: string;
    checkpoint: string;
  }): BagProblem[] | Promise<BagProblem[]>;
}

export interface VerifyBagOptions {
  checker: EvidenceChecker;
  /** The archive's published verifier key. Without it the key inside the bag is used (and said so). */
  key?: string;
  /** Tag files read into memory are refused past this size (default 1 GiB). */
  maxTagFileBytes?: number;
}

export interface BagSummary {
  source: 'zip' | 'directory';
  /** The bag's top directory inside the container ('' when the bag is the container itself). */
  root: string;
  exportId: string | null;
  baggingDate: string | null;
  payloadFiles: number;
  payloadBytes: number;
  records: number;
  proofsChecked: number;
  keySource: 'given' | 'bag' | null;
  key: string | null;
}

export type BagVerification =
  | { ok: true; path: string; summary: BagSummary; problems: []; verdict: string }
  | { ok: false; path: string; summary: BagSummary; problems: BagProblem[]; verdict: string };

const TAG_READS =
  /^(bagit\.txt|bag-info\.txt|(tag)?manifest-[a-z0-9]+\.txt|data\/index\.csv|data\/evidence\/(checkpoint|verifier-key)\.txt)$/;

async function readAll(file: BagFile, limit: number): Promise<Buffer> {
  if (file.size > limit) throw new Error(`${file.path} is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  for await (const chunk of await file.open()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function findRoot(
  path: string,
  source: BagSource,
): Promise<{ source: BagSource; root: string } | null> {
  if (source.kind === 'directory') {
    const names = await topLevelNames(path);
    if (names.includes('bagit.txt')) return { source, root: '' };
    const dirs: string[] = [];
    for (const n of names) if ((await stat(`${path}/${n}`)).isDirectory()) dirs.push(n);
    if (names.length === 1 && dirs.length === 1)
      return { source: new DirBagSource(`${path}/${dirs[0]}`), root: '' };
    return null;
  }
  const tops = new Set<string>();
  let flat = false;
  for await (const f of source.files()) {
    if (f.path === 'bagit.txt') flat = true;
    tops.add(f.path.includes('/') ? `${f.path.split('/')[0]}/` : f.path);
  }
  if (flat) return { source, root: '' };
  if (tops.size === 1) {
    const [only] = [...tops];
    if (only?.endsWith('/')) return { source, root: only };
  }
  return null;
}

/**
 * Verifies an export bag offline: a ZIP (read in place) or an unzipped directory. Checks bagit.txt,
 * every payload manifest (both sha256 and sha512 are expected), the tag manifest, Payload-Oxum,
 * that no file is missing or extra, index.csv against the records, and, through the injected
 * checker, the checkpoint's signature and every record's proof. Lists every problem found.
 */
export async function verifyBag(path: string, options: VerifyBagOptions): Promise<BagVerification> {
  const limit = options.maxTagFileBytes ?? 1024 ** 3;
  const problems: BagProblem[] = [];
  const summary: BagSummary = {
    source: 'zip',
    root: '',
    exportId: null,
    baggingDate: null,
    payloadFiles: 0,
    payloadBytes: 0,
    records: 0,
    proofsChecked: 0,
    keySource: null,
    key: null,
  };
  const finish = (): BagVerification => {
    const verdict = verdictText(path, summary, problems);
    return problems.length === 0
      ? { ok: true, path, summary, problems: [], verdict }
      : { ok: false, path, summary, problems, verdict };
  };

  let found: { source: BagSource; root: string } | null;
  try {
    const opened = await openBagSource(path);
    summary.source = opened.kind;
    found = await findRoot(path, opened);
  } catch (err) {
    problems.push({ file: path, what: `cannot be read as a ZIP or a directory: ${(err as Error).message}` });
    return finish();
  }
  if (found === null) {
    problems.push({
      file: path,
      what: 'does not hold one bag (bagit.txt at the top, or one folder holding it)',
    });
    return finish();
  }
  const { source, root } = found;
  summary.root = root;
  const rel = (p: string): string | null => (p.startsWith(root) ? p.slice(root.length) : null);

  // Pass 1: the tag files and the evidence lists.
  const text = new Map<string, Buffer>();
  try {
    for await (const f of source.files()) {
      const r = rel(f.path);
      if (r !== null && TAG_READS.test(r) && !f.irregular) text.set(r, await readAll(f, limit));
    }
  } catch (err) {
    problems.push({ file: path, what: `cannot be read: ${(err as Error).message}` });
    return finish();
  }

  const bagit = text.get('bagit.txt');
  if (bagit) problems.push(...checkBagitTxt(bagit));
  else problems.push({ file: 'bagit.txt', what: 'is missing' });

  const payloadManifests: Manifest[] = [];
  const tagManifests: Manifest[] = [];
  for (const [name, bytes] of text) {
    const tag = name.startsWith('tagmanifest-');
    if (!tag && !name.startsWith('manifest-')) continue;
    const parsed = parseManifest(name, bytes.toString('utf8'), !tag);
    problems.push(...parsed.problems);
    if (parsed.manifest) (tag ? tagManifests : payloadManifests).push(parsed.manifest);
  }
  for (const required of ['manifest-sha256.txt', 'manifest-sha512.txt', 'tagmanifest-sha256.txt']) {
    if (!text.has(required)) problems.push({ file: required, what: 'is missing' });
  }

  const info = parseBagInfo(text.get('bag-info.txt')?.toString('utf8') ?? '');
  if (!text.has('bag-info.txt')) problems.push({ file: 'bag-info.txt', what: 'is missing' });
  problems.push(...info.problems);
  const tag = (label: string): string | undefined => info.tags.get(label)?.[0];
  summary.exportId = tag('External-Identifier') ?? null;
  summary.baggingDate = tag('Bagging-Date') ?? null;
  for (const label of ['Source-Organization', 'External-Identifier', 'Bagging-Date', 'Payload-Oxum']) {
    if (text.has('bag-info.txt') && tag(label) === undefined)
      problems.push({ file: 'bag-info.txt', what: `has no ${label}` });
  }
  if (root !== '' && summary.exportId !== null && `${summary.exportId}/` !== root) {
    problems.push({
      file: 'bag-info.txt',
      what: 'External-Identifier is not the name of the bag folder',
      expected: root.slice(0, -1),
      found: summary.exportId,
    });
  }

  // index.csv: which file is which record, with the SHA-256 the legible index shows.
  const byFile = new Map<string, { recordId: string; sha256: string; proof: string }>();
  const proofs = new Map<string, string>();
  const indexCsv = text.get('data/index.csv');
  if (!indexCsv) problems.push({ file: 'data/index.csv', what: 'is missing' });
  else {
    try {
      const rows = parseCsv(indexCsv, { columns: true, skip_empty_lines: true }) as Array<
        Record<string, string>
      >;
      for (const row of rows) {
        const recordId = row.record_id ?? '';
        const file = `data/${row.file ?? ''}`;
        const proof = `data/${row.proof || `evidence/proofs/${recordId}.tlog-proof`}`;
        if (byFile.has(file) || proofs.has(proof)) {
          problems.push({ file: 'data/index.csv', what: `lists ${file} or its proof twice` });
          continue;
        }
        byFile.set(file, { recordId, sha256: (row.sha256 ?? '').toLowerCase(), proof });
        proofs.set(proof, file);
      }
    } catch (err) {
      problems.push({ file: 'data/index.csv', what: `cannot be read as CSV: ${(err as Error).message}` });
    }
  }

  const checkpoint = text.get('data/evidence/checkpoint.txt')?.toString('utf8');
  if (checkpoint === undefined) problems.push({ file: 'data/evidence/checkpoint.txt', what: 'is missing' });
  const bagKey = text.get('data/evidence/verifier-key.txt')?.toString('utf8').trim();
  const key = options.key?.trim() || bagKey;
  summary.key = key ?? null;
  summary.keySource = options.key?.trim() ? 'given' : bagKey ? 'bag' : null;
  if (key === undefined)
    problems.push({ file: 'data/evidence/verifier-key.txt', what: 'is missing and no key was given' });
  else if (summary.keySource === 'given' && bagKey !== undefined && bagKey !== key) {
    problems.push({
      file: 'data/evidence/verifier-key.txt',
      what: 'is not the key given',
      expected: key,
      found: bagKey,
    });
  }

  // Pass 2: every file, hashed once with every algorithm that lists it.
  const pending = manifestsLeft(payloadManifests, tagManifests);
  const computed = new Map<string, string>(); // record file -> sha256
  const waiting = new Map<string, { recordId: string; proof: string; proofFile: string }>(); // proofs before their record
  const checkProof = async (
    recordId: string,
    sha256: string,
    proof: string,
    proofFile: string,
  ): Promise<void> => {
    if (checkpoint === undefined) return;
    problems.push(
      ...(await guarded(proofFile, () =>
        options.checker.proof({ recordId, sha256, proof, proofFile, checkpoint }),
      )),
    );
    summary.proofsChecked += 1;
  };
  try {
    for await (const f of source.files()) {
      const r = rel(f.path);
      if (r === null) {
        problems.push({ file: f.path, what: 'extra file outside the bag folder' });
        continue;
      }
      if (f.irregular) {
        problems.push({ file: r, what: 'is not a regular file' });
        continue;
      }
      const isPayload = r.startsWith('data/');
      const manifests = isPayload ? payloadManifests : tagManifests;
      if (!isPayload && /^tagmanifest-[a-z0-9]+\.txt$/.test(r)) continue;
      if (isPayload) {
        summary.payloadFiles += 1;
        summary.payloadBytes += f.size;
      }
      const listing = manifests.filter((m) => m.entries.has(r));
      if (listing.length === 0 && (isPayload || tagManifests.length > 0)) {
        problems.push({
          file: r,
          what: isPayload ? 'extra file: in no payload manifest' : 'extra tag file: in no tag manifest',
        });
      } else if (isPayload) {
        for (const m of manifests)
          if (!m.entries.has(r)) problems.push({ file: r, what: `is not listed in ${m.file}` });
      }
      const wantSha256 = r.startsWith('data/records/');
      const algorithms = new Set(listing.map((m) => m.algorithm));
      if (wantSha256) algorithms.add('sha256');
      const isProof = proofs.has(r);
      if (algorithms.size === 0 && !isProof) continue;
      const { digests, bytes } = await digestFile(f, [...algorithms], isProof);
      for (const m of listing) {
        const expected = m.entries.get(r) as string;
        const got = digests.get(m.algorithm) as string;
        if (expected !== got)
          problems.push({ file: r, what: `${m.algorithm} does not match ${m.file}`, expected, found: got });
        pending.get(m.file)?.delete(r);
      }
      if (wantSha256) {
        const sha256 = digests.get('sha256') as string;
        computed.set(r, sha256);
        const row = byFile.get(r);
        if (!row) problems.push({ file: r, what: 'record file not in data/index.csv' });
        else {
          summary.records += 1;
          if (row.sha256 !== sha256)
            problems.push({
              file: r,
              what: 'SHA-256 differs from data/index.csv',
              expected: row.sha256,
              found: sha256,
            });
          const early = waiting.get(r);
          if (early) {
            waiting.delete(r);
            await checkProof(row.recordId, sha256, early.proof, early.proofFile);
          }
        }
      }
      if (isProof && bytes) {
        const recordFile = proofs.get(r) as string;
        proofs.delete(r);
        const row = byFile.get(recordFile);
        const sha256 = computed.get(recordFile);
        if (row && sha256 !== undefined) await checkProof(row.recordId, sha256, bytes.toString('utf8'), r);
        else if (row)
          waiting.set(recordFile, { recordId: row.recordId, proof: bytes.toString('utf8'), proofFile: r });
      } else if (r.startsWith('data/evidence/proofs/')) {
        problems.push({ file: r, what: 'proof of no record in data/index.csv' });
      }
    }
  } catch (err) {
    problems.push({ file: path, what: `cannot be read to the end: ${(err as Error).message}` });
    return finish();
  }
  for (const [file, left] of pending)
    for (const p of left) problems.push({ file: p, what: `is missing (listed in ${file})` });
  for (const [proof, file] of proofs)
    problems.push({ file: proof, what: `is missing (the proof of ${file})` });
  for (const file of byFile.keys()) {
    if (!computed.has(file) && !pending.get('manifest-sha256.txt')?.has(file))
      problems.push({ file, what: 'is missing (listed in data/index.csv)' });
  }
  for (const [file, w] of waiting)
    problems.push({ file: w.proofFile, what: `proof of ${file}, which is missing` });

  const oxum = parseOxum(tag('Payload-Oxum'));
  if (tag('Payload-Oxum') !== undefined && oxum === null) {
    problems.push({
      file: 'bag-info.txt',
      what: 'Payload-Oxum is not <bytes>.<files>',
      found: tag('Payload-Oxum'),
    });
  } else if (oxum && (oxum.bytes !== summary.payloadBytes || oxum.files !== summary.payloadFiles)) {
    problems.push({
      file: 'bag-info.txt',
      what: 'Payload-Oxum does not match the payload',
      expected: `${oxum.bytes}.${oxum.files}`,
      found: `${summary.payloadBytes}.${summary.payloadFiles}`,
    });
  }

  if (checkpoint !== undefined && key !== undefined) {
    problems.push(
      ...(await guarded('data/evidence/checkpoint.txt', () =>
        options.checker.checkpoint({ checkpoint, key }),
      )),
    );
  }
  return finish();
}

function manifestsLeft(...lists: Manifest[][]): Map<string, Set<string>> {
  const left = new Map<string, Set<string>>();
  for (const list of lists) for (const m of list) left.set(m.file, new Set(m.entries.keys()));
  return left;
}

async function guarded(file: string, fn: () => BagProblem[] | Promise<BagProblem[]>): Promise<BagProblem[]> {
  try {
    return await fn();
  } catch (err) {
    return [{ file, what: `the evidence checker failed: ${(err as Error).message}` }];
  }
}

async function digestFile(
  file: BagFile,
  algorithms: string[],
  keep: boolean,
): Promise<{ digests: Map<string, string>; bytes: Buffer | null }> {
  const hashes: Array<[string, Hash]> = algorithms.map((a) => [a, createHash(a)]);
  const kept: Buffer[] = [];
  for await (const chunk of await file.open()) {
    for (const [, h] of hashes) h.update(chunk as Buffer);
    if (keep) kept.push(chunk as Buffer);
  }
  return {
    digests: new Map(hashes.map(([a, h]) => [a, h.digest('hex')])),
    bytes: keep ? Buffer.concat(kept) : null,
  };
}
