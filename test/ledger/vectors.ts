import fs from 'node:fs';
import path from 'node:path';

/**
 * The transparency-dev/merkle test vectors (testdata/inclusion and testdata/consistency, JSON
 * with base64 hashes). They are not committed to this repository (see
 * test/fixtures/transparency-dev-merkle/README.md); they are read from, in this order:
 * $STRONGROOM_MERKLE_TESTDATA, test/fixtures/transparency-dev-merkle/testdata, and
 * ../shared/fixtures/transparency-dev-merkle/testdata. Each directory holds inclusion/ and consistency/.
 */

export interface InclusionVector {
  file: string;
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

export interface ConsistencyVector {
  file: string;
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const ROOT = path.resolve(__dirname, '../..');

export function vectorDir(): string | undefined {
  const candidates = [
    process.env.STRONGROOM_MERKLE_TESTDATA,
    path.join(ROOT, 'test/fixtures/transparency-dev-merkle/testdata'),
    path.join(ROOT, '../shared/fixtures/transparency-dev-merkle/testdata'),
  ].filter((d): d is string => typeof d === 'string' && d.length > 0);
  return candidates.find(
    (d) => fs.existsSync(path.join(d, 'inclusion')) && fs.existsSync(path.join(d, 'consistency')),
  );
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...jsonFiles(p));
    else if (e.name.endsWith('.json')) out.push(p);
  }
  return out.sort();
}

function load<T>(dir: string, sub: string): T[] {
  const base = path.join(dir, sub);
  return jsonFiles(base).map((f) => ({
    ...(JSON.parse(fs.readFileSync(f, 'utf8')) as Omit<T, 'file'>),
    file: path.relative(base, f),
  })) as T[];
}

export function loadVectors():
  { dir: string; inclusion: InclusionVector[]; consistency: ConsistencyVector[] } | undefined {
  const dir = vectorDir();
  if (!dir) return undefined;
  return {
    dir,
    inclusion: load<InclusionVector>(dir, 'inclusion'),
    consistency: load<ConsistencyVector>(dir, 'consistency'),
  };
}

export const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
