/**
 * Signing a digest the client already computed, as KMS AsymmetricSign does. node:crypto signs
 * messages (it hashes them itself), so the pre-hashed forms are built here from public standards:
 *
 * - ECDSA P-256 (FIPS 186-4), with k from RFC 6979 (deterministic, HMAC-SHA256); signatures in
 *   DER (SEQUENCE of two INTEGERs), which node:crypto and OpenSSL verify against the message.
 * - RSASSA-PKCS1-v1_5 (RFC 8017 §8.2): the SHA-256 DigestInfo, then node's private-key operation.
 * - RSASSA-PSS (RFC 8017 §8.1, MGF1-SHA256, salt of 32 bytes): EMSA-PSS encoded here, then the
 *   raw RSA operation.
 *
 * The emulator's keys never leave it; a local stand-in needs no constant-time arithmetic.
 */
import {
  constants,
  createHash,
  createHmac,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

// P-256 domain parameters (SEC 2 / FIPS 186-4 D.1.2.3).
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const GX = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n;
const GY = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n;

type Jacobian = [bigint, bigint, bigint];
const INFINITY: Jacobian = [0n, 1n, 0n];

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return mod(s0, m);
}

function double([x, y, z]: Jacobian): Jacobian {
  if (z === 0n || y === 0n) return INFINITY;
  const yy = mod(y * y, P);
  const s = mod(4n * x * yy, P);
  const zz = mod(z * z, P);
  const m = mod(3n * (x - zz) * (x + zz), P); // a = -3
  const x3 = mod(m * m - 2n * s, P);
  const y3 = mod(m * (s - x3) - 8n * yy * yy, P);
  const z3 = mod(2n * y * z, P);
  return [x3, y3, z3];
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p[2] === 0n) return q;
  if (q[2] === 0n) return p;
  const z1z1 = mod(p[2] * p[2], P);
  const z2z2 = mod(q[2] * q[2], P);
  const u1 = mod(p[0] * z2z2, P);
  const u2 = mod(q[0] * z1z1, P);
  const s1 = mod(p[1] * q[2] * z2z2, P);
  const s2 = mod(q[1] * p[2] * z1z1, P);
  if (u1 === u2) return s1 === s2 ? double(p) : INFINITY;
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const hh = mod(h * h, P);
  const hhh = mod(h * hh, P);
  const v = mod(u1 * hh, P);
  const x3 = mod(r * r - hhh - 2n * v, P);
  const y3 = mod(r * (v - x3) - s1 * hhh, P);
  const z3 = mod(p[2] * q[2] * h, P);
  return [x3, y3, z3];
}

function multiply(k: bigint, point: Jacobian): Jacobian {
  let result = INFINITY;
  let addend = point;
  let n = k;
  while (n > 0n) {
    if (n & 1n) result = add(result, addend);
    addend = double(addend);
    n >>= 1n;
  }
  return result;
}

function affineX([x, , z]: Jacobian): bigint {
  const zi = inverse(z, P);
  return mod(x * zi * zi, P);
}

function toBigInt(buf: Buffer): bigint {
  return buf.length === 0 ? 0n : BigInt('0x' + buf.toString('hex'));
}

function toBytes(n: bigint, length: number): Buffer {
  return Buffer.from(n.toString(16).padStart(length * 2, '0'), 'hex');
}

function fromBase64Url(s: string): Buffer {
  return Buffer.from(s, 'base64url');
}

/** RFC 6979 §3.2 with HMAC-SHA256, for a 256-bit order and a 32-byte digest. */
function* rfc6979(d: bigint, digest: Buffer): Generator<bigint> {
  const x = toBytes(d, 32);
  const h1 = toBytes(mod(toBigInt(digest), N), 32);
  let v: Buffer = Buffer.alloc(32, 1);
  let k: Buffer = Buffer.alloc(32, 0);
  const hmac = (key: Buffer, ...parts: Buffer[]): Buffer => {
    const h = createHmac('sha256', key);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  k = hmac(k, v, Buffer.from([0]), x, h1);
  v = hmac(k, v);
  k = hmac(k, v, Buffer.from([1]), x, h1);
  v = hmac(k, v);
  for (;;) {
    v = hmac(k, v);
    const candidate = toBigInt(v);
    if (candidate >= 1n && candidate < N) yield candidate;
    k = hmac(k, v, Buffer.from([0]));
    v = hmac(k, v);
  }
}

function derInteger(n: bigint): Buffer {
  let bytes = Buffer.from(
    n
      .toString(16)
      .padStart(2, '0')
      .replace(/^(.(..)*)$/, '0$1'),
    'hex',
  );
  while (bytes.length > 1 && bytes[0] === 0 && ((bytes[1] as number) & 0x80) === 0) bytes = bytes.subarray(1);
  if (((bytes[0] as number) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }`. */
export function encodeDerSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** Parses a DER ECDSA signature strictly (short-form lengths: P-256 signatures fit); null when malformed. */
export function decodeDerSignature(der: Buffer): { r: bigint; s: bigint } | null {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const ints: bigint[] = [];
  let at = 2;
  for (let i = 0; i < 2; i++) {
    if (der[at] !== 0x02) return null;
    const len = der[at + 1] as number;
    if (len === 0 || len > 33 || at + 2 + len > der.length) return null;
    const bytes = der.subarray(at + 2, at + 2 + len);
    if (((bytes[0] as number) & 0x80) !== 0) return null; // negative
    if (len > 1 && bytes[0] === 0 && ((bytes[1] as number) & 0x80) === 0) return null; // not minimal
    ints.push(toBigInt(bytes));
    at += 2 + len;
  }
  if (at !== der.length) return null;
  return { r: ints[0] as bigint, s: ints[1] as bigint };
}

/** ECDSA P-256 over a 32-byte digest; DER. */
export function ecdsaSignDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || jwk.d === undefined) throw new Error('not a P-256 private key');
  const d = toBigInt(fromBase64Url(jwk.d));
  const z = toBigInt(digest);
  for (const k of rfc6979(d, digest)) {
    const r = mod(affineX(multiply(k, [GX, GY, 1n])), N);
    if (r === 0n) continue;
    const s = mod(inverse(k, N) * (z + r * d), N);
    if (s === 0n) continue;
    return encodeDerSignature(r, s);
  }
  throw new Error('unreachable');
}

export function ecdsaVerifyDigest(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const sig = decodeDerSignature(signature);
  if (sig === null || sig.r < 1n || sig.r >= N || sig.s < 1n || sig.s >= N) return false;
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || jwk.x === undefined || jwk.y === undefined) return false;
  const q: Jacobian = [toBigInt(fromBase64Url(jwk.x)), toBigInt(fromBase64Url(jwk.y)), 1n];
  const w = inverse(sig.s, N);
  const u1 = mod(toBigInt(digest) * w, N);
  const u2 = mod(sig.r * w, N);
  const point = add(multiply(u1, [GX, GY, 1n]), multiply(u2, q));
  if (point[2] === 0n) return false;
  return mod(affineX(point), N) === sig.r;
}

// DER prefix of DigestInfo { sha256, NULL, OCTET STRING(32) } (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export function pkcs1SignDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  return privateEncrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([SHA256_DIGEST_INFO, digest]),
  );
}

export function pkcs1VerifyDigest(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  try {
    const decoded = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
    const expected = Buffer.concat([SHA256_DIGEST_INFO, digest]);
    return decoded.length === expected.length && timingSafeEqual(decoded, expected);
  } catch {
    return false;
  }
}

const H_LEN = 32;
const SALT_LEN = 32;

function mgf1(seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let counter = 0; out.length * H_LEN < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    out.push(createHash('sha256').update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

function modulusBits(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined) throw new Error('not an RSA key');
  return bits;
}

function pssHash(mHash: Buffer, salt: Buffer): Buffer {
  return createHash('sha256').update(Buffer.alloc(8)).update(mHash).update(salt).digest();
}

export function pssSignDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  const modBits = modulusBits(privateKey);
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const k = Math.ceil(modBits / 8);
  const salt = randomBytes(SALT_LEN);
  const h = pssHash(digest, salt);
  const db = Buffer.alloc(emLen - H_LEN - 1);
  db[emLen - SALT_LEN - H_LEN - 2] = 0x01;
  salt.copy(db, emLen - SALT_LEN - H_LEN - 1);
  const mask = mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  const em = Buffer.concat([Buffer.alloc(k - emLen), db, h, Buffer.from([0xbc])]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, em);
}

export function pssVerifyDigest(publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const modBits = modulusBits(publicKey);
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const k = Math.ceil(modBits / 8);
  if (signature.length !== k) return false;
  let em: Buffer;
  try {
    em = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature).subarray(k - emLen);
  } catch {
    return false;
  }
  if (em[emLen - 1] !== 0xbc) return false;
  const masked = em.subarray(0, emLen - H_LEN - 1);
  const h = em.subarray(emLen - H_LEN - 1, emLen - 1);
  if (((masked[0] as number) & ~(0xff >> (8 * emLen - emBits)) & 0xff) !== 0) return false;
  const mask = mgf1(h, masked.length);
  const db = Buffer.alloc(masked.length);
  for (let i = 0; i < db.length; i++) db[i] = (masked[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  const psLen = emLen - H_LEN - SALT_LEN - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(psLen + 1);
  return timingSafeEqual(pssHash(digest, salt), h);
}
