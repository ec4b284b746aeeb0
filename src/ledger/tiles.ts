import { HASH_SIZE } from './hash';

/**
 * C2SP tlog-tiles (c2sp.org/tlog-tiles) object names and encodings, under the prefix `ledger/`
 * of the audit bucket:
 *
 *     ledger/tile/<L>/<N>[.p/<W>]        hash tile: W (256 when full) hashes of 32 bytes, concatenated
 *     ledger/tile/entries/<N>[.p/<W>]    entry bundle: W leaf data, each uint16 big-endian length || bytes
 *     ledger/checkpoint/<size>           a signed checkpoint (20 digits, zero-padded): WORM forbids
 *                                        the spec's one mutable `checkpoint`, so each has its own object
 *
 * <N> is written in three-digit groups, every group but the last prefixed with `x`
 * (1234067 -> x001/x234/067). At level L the n-th tile holds MTH(D[(n*256+i)*256^L : (n*256+i+1)*256^L])
 * for i < W. By hand, the level-0 tile of a tree of 3 leaves (data in a.bin b.bin c.bin):
 *
 *     for f in a.bin b.bin c.bin; do { printf '\0'; cat $f; } | openssl dgst -sha256 -binary; done > 000.p.3
 *     ossutil cp oss://AUDIT_BUCKET/ledger/tile/0/000.p/3 stored && cmp 000.p.3 stored
 */

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
export const LEDGER_PREFIX = 'ledger/';
export const CHECKPOINT_PREFIX = `${LEDGER_PREFIX}checkpoint/`;
const TILE_PREFIX = `${LEDGER_PREFIX}tile/`;
const MAX_ENTRY = 0xffff;

/** `x001/x234/067` for 1234067. */
export function encodeTileIndex(n: bigint): string {
  if (n < 0n) throw new RangeError('a tile index cannot be negative');
  const groups: string[] = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000n).padStart(3, '0'));
    rest /= 1000n;
  } while (rest > 0n);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function suffix(width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH)
    throw new RangeError(`bad tile width ${width}`);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** Object key of the hash tile at `level`, index `n`, holding `width` hashes (256: full). */
export function tileKey(level: number, n: bigint, width: number = TILE_WIDTH): string {
  if (!Number.isInteger(level) || level < 0 || level > 63) throw new RangeError(`bad tile level ${level}`);
  return `${TILE_PREFIX}${level}/${encodeTileIndex(n)}${suffix(width)}`;
}

/** Object key of entry bundle `n` holding `width` entries (256: full). */
export function entriesKey(n: bigint, width: number = TILE_WIDTH): string {
  return `${TILE_PREFIX}entries/${encodeTileIndex(n)}${suffix(width)}`;
}

/** Object key of the checkpoint of a tree of `size` leaves. */
export function checkpointKey(size: bigint): string {
  if (size < 0n || size >= 10n ** 20n) throw new RangeError(`bad tree size ${size}`);
  return `${CHECKPOINT_PREFIX}${String(size).padStart(20, '0')}`;
}

/** The tree size named by a checkpoint object key, or undefined for any other key. */
export function parseCheckpointKey(key: string): bigint | undefined {
  const m = /^ledger\/checkpoint\/(\d{20})$/.exec(key);
  return m ? BigInt(m[1] as string) : undefined;
}

export type ParsedTileKey =
  | { kind: 'hash'; level: number; index: bigint; width: number }
  | { kind: 'entries'; index: bigint; width: number };

/** Parses a tile or bundle key written exactly as tileKey/entriesKey write it; undefined otherwise. */
export function parseTileKey(key: string): ParsedTileKey | undefined {
  const m = /^ledger\/tile\/(entries|0|[1-9]\d?)\/((?:x\d{3}\/)*\d{3})(?:\.p\/([1-9]\d{0,2}))?$/.exec(key);
  if (!m) return undefined;
  const width = m[3] === undefined ? TILE_WIDTH : Number(m[3]);
  if (m[3] !== undefined && width >= TILE_WIDTH) return undefined;
  const index = BigInt((m[2] as string).replace(/[x/]/g, ''));
  if (encodeTileIndex(index) !== m[2]) return undefined; // no superfluous leading groups
  if (m[1] === 'entries') return { kind: 'entries', index, width };
  const level = Number(m[1]);
  return level > 63 ? undefined : { kind: 'hash', level, index, width };
}

/** How many hashes the tile (level, n) holds in a tree of `size` leaves: 0..256. */
export function tileWidth(level: number, n: bigint, size: bigint): number {
  const atLevel = size >> BigInt(TILE_HEIGHT * level); // perfect subtrees of height 8*level
  const w = atLevel - n * BigInt(TILE_WIDTH);
  if (w <= 0n) return 0;
  return w >= BigInt(TILE_WIDTH) ? TILE_WIDTH : Number(w);
}

/** Number of tile levels a tree of `size` leaves has objects at (0 for the empty tree). */
export function tileLevels(size: bigint): number {
  let levels = 0;
  for (let s = size; s > 0n; s >>= BigInt(TILE_HEIGHT)) levels++;
  return levels;
}

export function encodeHashTile(hashes: readonly Buffer[]): Buffer {
  if (hashes.length < 1 || hashes.length > TILE_WIDTH)
    throw new RangeError(`a tile holds 1..256 hashes, not ${hashes.length}`);
  for (const h of hashes) if (h.length !== HASH_SIZE) throw new RangeError('a tile hash must be 32 bytes');
  return Buffer.concat(hashes);
}

/** Throws a RangeError if a tile object does not hold exactly `width` hashes. */
export function checkHashTile(bytes: Buffer, width: number): void {
  if (bytes.length !== width * HASH_SIZE)
    throw new RangeError(`a tile of width ${width} must be ${width * HASH_SIZE} bytes, not ${bytes.length}`);
}

/** The hashes of a tile object; throws a RangeError if it does not hold exactly `width` hashes. */
export function decodeHashTile(bytes: Buffer, width: number): Buffer[] {
  checkHashTile(bytes, width);
  const out: Buffer[] = [];
  for (let i = 0; i < width; i++) out.push(bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return out;
}

export function encodeEntryBundle(entries: readonly Uint8Array[]): Buffer {
  if (entries.length < 1 || entries.length > TILE_WIDTH)
    throw new RangeError(`a bundle holds 1..256 entries, not ${entries.length}`);
  let total = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY) throw new RangeError(`an entry is at most ${MAX_ENTRY} bytes, not ${e.length}`);
    total += 2 + e.length;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const e of entries) {
    out.writeUInt16BE(e.length, at);
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/** The entries of a bundle object; throws a RangeError if it is truncated or has trailing bytes. */
export function decodeEntryBundle(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new RangeError(`entry bundle truncated at byte ${at}`);
    const len = bytes.readUInt16BE(at);
    if (at + 2 + len > bytes.length) throw new RangeError(`entry ${out.length} of the bundle is truncated`);
    out.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  if (out.length > TILE_WIDTH)
    throw new RangeError(`an entry bundle holds at most 256 entries, not ${out.length}`);
  return out;
}
