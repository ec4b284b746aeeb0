import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { Signer } from '../cloud/signer';

/**
 * C2SP signed-note v1.0.0 (c2sp.org/signed-note): a text ending in LF, a blank line, and one or
 * more lines `— <key name> base64(uint32 key ID || signature)`. Verifier keys are
 * `<name>+<hex key ID>+base64(type || public key)`. Two signature types:
 *
 * - 0x01 Ed25519 (RFC 8032) over the text; public key: its 32 bytes;
 *   key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4].
 * - 0x02 ECDSA (as github.com/transparency-dev/witness and Sigstore's Rekor implement it) with
 *   P-256: ASN.1 DER signature over SHA-256(text); public key: SPKI DER;
 *   key ID = SHA-256(SPKI DER)[:4] (the spec's exception to the recommended formula).
 *
 * By hand (Ed25519): the key ID of a 32-byte key pub.bin named NAME is
 *
 *     { printf '%s\n\001' NAME; cat pub.bin; } | sha256sum | cut -c1-8
 *
 * and the signature of note.txt (the text, with its final LF) checks with
 * `openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in note.txt -sigfile sig.bin`, where
 * sig.bin is the base64 of the signature line decoded, less its first 4 bytes.
 */

export const NOTE_TYPE_ED25519 = 0x01;
export const NOTE_TYPE_ECDSA = 0x02;
export type NoteKeyType = typeof NOTE_TYPE_ED25519 | typeof NOTE_TYPE_ECDSA;

/** Signatures a note may carry (the spec asks for at least 16; golang.org/x/mod/sumdb/note allows 100). */
export const MAX_NOTE_SIGNATURES = 100;

const DASH = '\u2014 ';
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** ASCII control characters other than LF (the spec forbids them anywhere in a note). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

/** Strict standard base64 (padded, canonical), as Go's base64.StdEncoding; undefined otherwise. */
export function decodeBase64Strict(s: string): Buffer | undefined {
  if (!B64.test(s) || s.length % 4 !== 0) return undefined;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
}

/** A key name: non-empty, no Unicode space, no `+`. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s\u0085+]/u.test(name) && !hasControl(name) && !name.includes('\n');
}

export function noteKeyId(name: string, type: NoteKeyType, publicKey: Buffer): number {
  const h =
    type === NOTE_TYPE_ECDSA
      ? createHash('sha256').update(publicKey).digest()
      : createHash('sha256')
          .update(Buffer.from(`${name}\n`, 'utf8'))
          .update(Buffer.from([type]))
          .update(publicKey)
          .digest();
  return h.readUInt32BE(0);
}

export interface VerifierKey {
  name: string;
  keyId: number;
  type: NoteKeyType;
  /** Ed25519: 32 bytes; ECDSA: SPKI DER. */
  publicKey: Buffer;
  /** The `<name>+<hex id>+<base64>` text. */
  text: string;
  key: KeyObject;
}

function publicKeyObject(type: NoteKeyType, publicKey: Buffer): KeyObject {
  if (type === NOTE_TYPE_ED25519) {
    if (publicKey.length !== 32) throw new RangeError('an Ed25519 key is 32 bytes');
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') },
      format: 'jwk',
    });
  }
  const key = createPublicKey({ key: publicKey, format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new RangeError('an ECDSA note key must be a P-256 key');
  if (!key.export({ format: 'der', type: 'spki' }).equals(publicKey))
    throw new RangeError('the SPKI is not canonical DER');
  return key;
}

/** Builds the verifier key of a public key. */
export function verifierKey(name: string, type: NoteKeyType, publicKey: Buffer): VerifierKey {
  if (!isValidKeyName(name)) throw new RangeError(`invalid key name ${JSON.stringify(name)}`);
  const key = publicKeyObject(type, publicKey);
  const keyId = noteKeyId(name, type, publicKey);
  const text = `${name}+${keyId.toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.from([type]), publicKey]).toString('base64')}`;
  return { name, keyId, type, publicKey, text, key };
}

/** The verifier key of a Signer (the key the archive's checkpoints verify with). */
export async function signerVerifierKey(name: string, signer: Signer): Promise<VerifierKey> {
  return verifierKey(
    name,
    signer.algorithm === 'ed25519' ? NOTE_TYPE_ED25519 : NOTE_TYPE_ECDSA,
    await signer.publicKey(),
  );
}

export type KeyParse = { ok: true; key: VerifierKey } | { ok: false; message: string };

/** Parses `<name>+<hex key id>+<base64(type || key)>`, refusing anything the spec does not allow. */
export function parseVerifierKey(text: string): KeyParse {
  const bad = (message: string): KeyParse => ({ ok: false, message: `verifier key: ${message}` });
  // The base64 may hold `+` itself: split at the first two only.
  const a = text.indexOf('+');
  const b = a < 0 ? -1 : text.indexOf('+', a + 1);
  if (b < 0) return bad('must be <name>+<hex key id>+<base64 key>');
  const [name, hex, b64] = [text.slice(0, a), text.slice(a + 1, b), text.slice(b + 1)];
  if (!isValidKeyName(name)) return bad('invalid key name');
  if (!/^[0-9a-f]{8}$/.test(hex)) return bad('the key id must be 8 lower-case hex digits');
  const raw = decodeBase64Strict(b64);
  if (!raw || raw.length < 2) return bad('the key is not valid base64');
  const type = raw[0];
  if (type !== NOTE_TYPE_ED25519 && type !== NOTE_TYPE_ECDSA)
    return bad(`unknown signature type 0x${type?.toString(16)}`);
  let key: VerifierKey;
  try {
    key = verifierKey(name, type, raw.subarray(1));
  } catch (err) {
    return bad((err as Error).message);
  }
  if (key.keyId !== parseInt(hex, 16)) return bad('the key id does not match the key');
  return { ok: true, key };
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The base64 of the signature line (key ID and signature). */
  base64: string;
}

/** Checks a note text (ends in LF, valid, no control characters but LF). */
function checkText(text: string): string | undefined {
  if (!text.endsWith('\n')) return 'the text must end with a newline';
  if (hasControl(text)) return 'control characters';
  if (/\p{Surrogate}/u.test(text)) return 'a lone surrogate (not UTF-8)';
  return undefined;
}

/** Signs a note text with a Signer under `name`: the whole signed note. */
export async function signNote(text: string, name: string, signer: Signer): Promise<string> {
  const problem = checkText(text);
  if (problem) throw new RangeError(`cannot sign this note: ${problem}`);
  const key = await signerVerifierKey(name, signer);
  const body = Buffer.from(text, 'utf8');
  const sig = await signer.sign(body);
  const id = Buffer.alloc(4);
  id.writeUInt32BE(key.keyId);
  if (!checkSignature(key, body, sig))
    throw new RangeError(
      `the signer's signature does not verify with its own public key (${signer.description})`,
    );
  return `${text}\n${DASH}${name} ${Buffer.concat([id, sig]).toString('base64')}\n`;
}

function checkSignature(key: VerifierKey, text: Buffer, sig: Buffer): boolean {
  try {
    if (key.type === NOTE_TYPE_ED25519) return sig.length === 64 && verifySignature(null, text, key.key, sig);
    return verifySignature('sha256', text, { key: key.key, dsaEncoding: 'der' }, sig);
  } catch {
    return false;
  }
}

export type NoteProblem =
  /** Not a signed note: bad UTF-8, control characters, no blank line, a bad signature line. */
  | 'malformed'
  /** Two of the given keys share a name and key ID. */
  | 'ambiguous_key'
  /** A signature by a known key does not verify: the whole note is refused. */
  | 'bad_signature'
  /** No signature by a known key. */
  | 'unverified';

export type OpenedNote =
  | { ok: true; text: string; verified: NoteSignature[]; unverified: NoteSignature[] }
  | { ok: false; problem: NoteProblem; message: string };

/**
 * Parses and verifies a signed note against trusted keys, as golang.org/x/mod/sumdb/note's Open:
 * unknown keys' signatures are ignored (returned as unverified), a known key's signature that does
 * not verify refuses the note, and so does a note with no verified signature.
 */
export function openNote(note: Buffer | string, keys: readonly VerifierKey[]): OpenedNote {
  const malformed = (message: string): OpenedNote => ({
    ok: false,
    problem: 'malformed',
    message: `malformed note: ${message}`,
  });
  let s: string;
  try {
    s = typeof note === 'string' ? note : new TextDecoder('utf-8', { fatal: true }).decode(note);
  } catch {
    return malformed('not valid UTF-8');
  }
  if (/\p{Surrogate}/u.test(s)) return malformed('not valid UTF-8');
  if (hasControl(s)) return malformed('control characters');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) return malformed('no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const sigText = s.slice(split + 2);
  if (!sigText.endsWith('\n')) return malformed('the last signature line does not end with a newline');
  const lines = sigText.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) return malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  const sigs: NoteSignature[] = [];
  for (const line of lines) {
    if (!line.startsWith(DASH)) return malformed('a signature line must start with an em dash and a space');
    const rest = line.slice(DASH.length);
    const sp = rest.indexOf(' ');
    const name = sp < 0 ? '' : rest.slice(0, sp);
    const b64 = sp < 0 ? '' : rest.slice(sp + 1);
    if (!isValidKeyName(name)) return malformed('invalid key name in a signature line');
    const raw = decodeBase64Strict(b64);
    if (!raw || raw.length < 5) return malformed(`invalid signature by ${name}`);
    sigs.push({ name, keyId: raw.readUInt32BE(0), base64: b64 });
  }

  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  const body = Buffer.from(text, 'utf8');
  for (const sig of sigs) {
    const known = keys.filter((k) => k.name === sig.name && k.keyId === sig.keyId);
    const id = `${sig.name}+${sig.keyId.toString(16).padStart(8, '0')}`;
    const dedupe = `${id} ${sig.base64}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    if (known.length === 0) {
      unverified.push(sig);
      continue;
    }
    if (known.length > 1) return { ok: false, problem: 'ambiguous_key', message: `ambiguous key ${id}` };
    const raw = Buffer.from(sig.base64, 'base64');
    if (!checkSignature(known[0] as VerifierKey, body, raw.subarray(4)))
      return { ok: false, problem: 'bad_signature', message: `invalid signature for key ${id}` };
    verified.push(sig);
  }
  if (verified.length === 0)
    return { ok: false, problem: 'unverified', message: 'note has no verifiable signatures' };
  return { ok: true, text, verified, unverified };
}
