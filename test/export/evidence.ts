/**
 * A small, hand-written stand-in for the ledger (src/ledger is written elsewhere): RFC 9162 Merkle
 * hashing, a C2SP signed-note checkpoint signed with Ed25519, C2SP tlog-proof texts, and an
 * EvidenceChecker that verifies them. Written from the specs, kept apart from the bag's code.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { BagProblem, EvidenceChecker } from '../../src/export';

const sha = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leafHash = (data: Buffer): Buffer => sha(Buffer.from([0]), data);
const nodeHash = (l: Buffer, r: Buffer): Buffer => sha(Buffer.from([1]), l, r);
const split = (n: number): number => 2 ** Math.floor(Math.log2(n - 1));

/** RFC 9162 §2.1.1 MTH over leaf hashes. */
function root(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = split(leaves.length);
  return nodeHash(root(leaves.slice(0, k)), root(leaves.slice(k)));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]). */
function path(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...path(m, leaves.slice(0, k)), root(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), root(leaves.slice(0, k))];
}

/** RFC 9162 §2.1.3.2. */
function rootFromProof(index: number, size: number, leaf: Buffer, proof: Buffer[]): Buffer | null {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export const recordLeaf = (recordId: string, sha256: string): Buffer =>
  Buffer.from(`strongroom-leaf-v1\nrecord\n${recordId}\n${sha256}\n`);

export interface TestLedger {
  checkpoint: string;
  verifierKey: string;
  proofFor(recordId: string): string;
  /** Signs another body with the same key (for a "changed checkpoint"). */
  signNote(body: string): string;
}

const ORIGIN = 'strongroom.test/ledger';

/** A log holding `extraBefore` unrelated leaves, then one leaf per record, in order. */
export function makeLedger(
  records: Array<{ recordId: string; sha256: string }>,
  extraBefore = 3,
): TestLedger {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const keyId = sha(Buffer.from(`${ORIGIN}\n`), Buffer.from([1]), raw).subarray(0, 4);
  const verifierKey = `${ORIGIN}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`;
  const leaves: Buffer[] = [];
  for (let i = 0; i < extraBefore; i++) leaves.push(leafHash(Buffer.from(`other leaf ${i}`)));
  const indexOf = new Map<string, number>();
  for (const r of records) {
    indexOf.set(r.recordId, leaves.length);
    leaves.push(leafHash(recordLeaf(r.recordId, r.sha256)));
  }
  const signNote = (body: string): string => {
    const sig = sign(null, Buffer.from(body), privateKey);
    return `${body}\n— ${ORIGIN} ${Buffer.concat([keyId, sig]).toString('base64')}\n`;
  };
  const checkpoint = signNote(`${ORIGIN}\n${leaves.length}\n${root(leaves).toString('base64')}\n`);
  return {
    checkpoint,
    verifierKey,
    signNote,
    proofFor(recordId) {
      const index = indexOf.get(recordId);
      if (index === undefined) throw new Error(`no leaf for ${recordId}`);
      const hashes = path(index, leaves).map((h) => `${h.toString('base64')}\n`);
      return `c2sp.org/tlog-proof@v1\nindex ${index}\n${hashes.join('')}\n${checkpoint}`;
    },
  };
}

function publicKeyOf(verifierKey: string): { name: string; id: Buffer; key: KeyObject } | null {
  const [name, id, b64] = [
    verifierKey.split('+')[0],
    verifierKey.split('+')[1],
    verifierKey.split('+').slice(2).join('+'),
  ];
  const raw = Buffer.from(b64 ?? '', 'base64');
  if (!name || !id || raw.length !== 33 || raw[0] !== 1) return null;
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.subarray(1).toString('base64url') },
    format: 'jwk',
  });
  return { name, id: Buffer.from(id, 'hex'), key };
}

/** Body, origin, size and root of a signed note, and its signature lines. */
function parseNote(note: string): { body: string; lines: string[]; sigs: string[] } | null {
  const at = note.indexOf('\n\n');
  if (at < 0) return null;
  const body = note.slice(0, at + 1);
  return {
    body,
    lines: body.split('\n').slice(0, -1),
    sigs: note
      .slice(at + 2)
      .split('\n')
      .filter(Boolean),
  };
}

/** The hand-written checker: Ed25519 signed notes and RFC 9162 inclusion, as the specs say. */
export const testChecker: EvidenceChecker = {
  checkpoint({ checkpoint, key }) {
    const file = 'data/evidence/checkpoint.txt';
    const pk = publicKeyOf(key);
    const note = parseNote(checkpoint);
    if (!pk) return [{ file, what: 'the verifier key is not an Ed25519 note key', found: key }];
    if (!note) return [{ file, what: 'is not a signed note' }];
    for (const line of note.sigs) {
      const m = /^— (\S+) (\S+)$/.exec(line);
      if (!m || m[1] !== pk.name) continue;
      const sig = Buffer.from(m[2] as string, 'base64');
      if (sig.subarray(0, 4).equals(pk.id) && verify(null, Buffer.from(note.body), pk.key, sig.subarray(4)))
        return [];
    }
    return [{ file, what: 'no valid signature by the verifier key' }];
  },
  proof({ recordId, sha256, proof, proofFile, checkpoint }) {
    const problems: BagProblem[] = [];
    const at = proof.indexOf('\n\n');
    const head = proof.slice(0, at).split('\n');
    const m = /^index (\d+)$/.exec(head[1] ?? '');
    if (head[0] !== 'c2sp.org/tlog-proof@v1' || !m || at < 0)
      return [{ file: proofFile, what: 'is not a tlog-proof' }];
    if (proof.slice(at + 2) !== checkpoint)
      problems.push({ file: proofFile, what: 'refers to another checkpoint' });
    const note = parseNote(checkpoint);
    const size = Number(note?.lines[1]);
    const rootHash = Buffer.from(note?.lines[2] ?? '', 'base64');
    const hashes = head.slice(2).map((h) => Buffer.from(h, 'base64'));
    const got = rootFromProof(Number(m[1]), size, leafHash(recordLeaf(recordId, sha256)), hashes);
    if (!got || !got.equals(rootHash)) {
      problems.push({ file: proofFile, what: `does not prove record ${recordId} in the checkpoint's tree` });
    }
    return problems;
  },
};
