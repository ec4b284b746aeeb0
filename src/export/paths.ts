/**
 * The path rule of an export bag: which names may appear in it, written down once.
 *
 * Every path inside the bag is a `/`-separated list of segments, each of which
 *   - matches `^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$` (ASCII letters, digits, `.`, `_`, `-`; starting
 *     with a letter or digit, so never `.`, `..`, a hidden file or a leading `-`, `*` or `#`),
 *   - is not a Windows device name (`CON`, `PRN`, `AUX`, `NUL`, `COM0`-`COM9`, `LPT0`-`LPT9`,
 *     with or without an extension, any case): such a file cannot be unzipped on Windows.
 * and no two paths of a bag differ only by letter case (they would collide on the case-insensitive
 * file systems of Windows and macOS).
 *
 * Why so strict: a manifest line is `<digest>  <path>`. RFC 8493 §2.1.3 asks for CR, LF and `%` to
 * be percent-encoded, but bagit-python decodes only `%0D` and `%0A` (not `%25`), strips leading and
 * trailing white space and a leading `*`, skips lines starting with `#`, normalises the path
 * (`a//b`, `a/./b`) and compares names after Unicode NFC normalisation; GNU `sha256sum -c` escapes
 * names holding a backslash or a line break. A name made only of the characters above means the
 * same thing to all of them, needs no encoding at all, and survives unzip on every desktop.
 *
 * Nothing is encoded or renamed: a path outside the rule is refused (the export fails and names
 * the record), so a record's file in the bag is always `data/records/<its object key>`, byte for byte
 * the key it has in the archive. Object keys (`<recordType>/<yyyy>/<mm>/<dd>/<recordId>.<ext>`,
 * record ids matching `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`) already satisfy the rule, except a
 * record id that is a Windows device name.
 */

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** The whole rule for a path at once (the usual case; a path that fails it is told why below). */
const GOOD_PATH = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}(?:\/[A-Za-z0-9][A-Za-z0-9._-]{0,254})*$/;
const ANY_DEVICE = /(?:^|\/)(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\.[^/]*)?(?:\/|$)/i;

/** Why a path breaks the rule, or null when it keeps it. */
export function bagPathProblem(path: string): string | null {
  if (GOOD_PATH.test(path) && !ANY_DEVICE.test(path)) return null;
  if (path.length === 0) return 'the path is empty';
  for (const segment of path.split('/')) {
    if (segment.length === 0) return 'the path has an empty segment (a leading, trailing or double "/")';
    if (!SEGMENT.test(segment)) {
      return `segment ${JSON.stringify(segment)} holds something other than ASCII letters, digits, ".", "_" and "-", or does not start with a letter or digit, or is longer than 255 characters`;
    }
    if (WINDOWS_DEVICE.test(segment)) return `segment ${JSON.stringify(segment)} is a Windows device name`;
  }
  return null;
}

/** 64 bits of a folded path, as two uint32: only a filter, so any function will do (tests force collisions). */
export type PathHash = (folded: string) => readonly [number, number];

/** Two 32-bit multiply-xorshift lanes over the characters (cyrb53's mixing, both lanes kept whole). */
export const pathHash: PathHash = (s) => {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
};

const BLOCK_BYTES = 64 * 1024;
/** The table doubles past this load (linear probing stays short below it). */
const MAX_LOAD = 0.8;

/**
 * Keeps the paths of one bag apart, case-insensitively (see the rule above), in little memory: a
 * 100,000-record bag has 200,000 paths, which as a Set of folded strings held 18 MB of heap
 * (scripts/bench/bag-paths.js). Here each folded path is
 *   - a 64-bit hash in an open-addressing table of uint32 pairs (8 bytes a slot, at most 80% full),
 *     which decides alone when a path is new, the usual case;
 *   - and an entry in a log, front-coded against one of the two paths before it (bag paths come
 *     in runs: a record, its proof, the next record...): the length of the prefix they share and
 *     the rest, a few bytes for a record's file or proof.
 * The hash is only a filter: on a hit, the log is read from the start and every path compared in
 * full. The set is exact: a hash collision never refuses a path, a duplicate (letter case aside)
 * is always refused. A hit means a duplicate (the export then fails) or a collision (about one
 * chance in a billion over a 200,000-path bag): a read of a few MB, rarely.
 */
export class BagPathSet {
  /** Pairs (h1, h2); (0, 0) is an empty slot (a path hashing to it is stored as (0, 1)). */
  private table = new Uint32Array(2 * 1024);
  private count = 0;
  /** The log: blocks of entries (none straddles two), and the bytes used in each. */
  private readonly blocks: Uint8Array[] = [];
  private readonly used: number[] = [];
  /** The last two paths added (folded): the references of the next entry. */
  private last = '';
  private beforeLast = '';

  constructor(private readonly hash: PathHash = pathHash) {}

  /** Adds `path`; returns why it cannot be added (rule broken, or a case-insensitive duplicate). */
  add(path: string): string | null {
    const problem = bagPathProblem(path);
    if (problem !== null) return problem;
    // The rule admits ASCII only: folded, one character is one byte.
    const folded = path.toLowerCase();
    const [a, b] = this.hash(folded);
    const h1 = a >>> 0;
    const h2 = h1 === 0 && b >>> 0 === 0 ? 1 : b >>> 0;
    const slot = this.find(h1, h2);
    // A slot in use holds this very hash: a path added before had it.
    const hit = this.table[slot] !== 0 || this.table[slot + 1] !== 0;
    if (hit && this.holds(folded)) return `the bag already holds ${JSON.stringify(path)} (letter case aside)`;
    this.append(folded);
    // On a collision the table keeps the hash once; the log has both paths for the next hit.
    if (!hit) {
      this.table[slot] = h1;
      this.table[slot + 1] = h2;
      this.count += 1;
      if (this.count > MAX_LOAD * (this.table.length / 2)) this.grow();
    }
    return null;
  }

  /** The slot (index of h1) holding (h1, h2), or the empty slot where it would go. */
  private find(h1: number, h2: number): number {
    const mask = this.table.length / 2 - 1;
    for (let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const x = this.table[2 * i] as number;
      const y = this.table[2 * i + 1] as number;
      if ((x === h1 && y === h2) || (x === 0 && y === 0)) return 2 * i;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      const h1 = old[i] as number;
      const h2 = old[i + 1] as number;
      if (h1 === 0 && h2 === 0) continue;
      const slot = this.find(h1, h2);
      this.table[slot] = h1;
      this.table[slot + 1] = h2;
    }
  }

  /** Appends a folded path to the log: varint (prefix length × 2 + which reference), varint (rest's length), rest. */
  private append(folded: string): void {
    const p1 = sharedPrefix(folded, this.last);
    const p2 = sharedPrefix(folded, this.beforeLast);
    const ref = p2 > p1 ? 1 : 0;
    const prefix = ref === 1 ? p2 : p1;
    const rest = folded.length - prefix;
    const size = varintBytes(prefix * 2 + ref) + varintBytes(rest) + rest;
    let n = this.blocks.length - 1;
    if (n < 0 || (this.used[n] as number) + size > (this.blocks[n] as Uint8Array).length) {
      this.blocks.push(new Uint8Array(Math.max(BLOCK_BYTES, size)));
      this.used.push(0);
      n += 1;
    }
    const block = this.blocks[n] as Uint8Array;
    let at = writeVarint(block, this.used[n] as number, prefix * 2 + ref);
    at = writeVarint(block, at, rest);
    for (let i = prefix; i < folded.length; i++) block[at++] = folded.charCodeAt(i);
    this.used[n] = at;
    this.beforeLast = this.last;
    this.last = folded;
  }

  /**
   * Whether the log holds `folded`: every entry decoded and compared, from the first. Entries are
   * rebuilt as bytes in three buffers taken in turn (the entry, and the two it may refer to), so a
   * read of the whole log makes no string (~20 ms for 200,000 paths).
   */
  private holds(folded: string): boolean {
    const target = Buffer.from(folded, 'latin1');
    const bufs = [new Uint8Array(256), new Uint8Array(256), new Uint8Array(256)];
    let last = 0;
    let beforeLast = 1;
    let cur = 2;
    for (let n = 0; n < this.blocks.length; n++) {
      const block = this.blocks[n] as Uint8Array;
      const end = this.used[n] as number;
      let at = 0;
      while (at < end) {
        let head: number;
        let rest: number;
        [head, at] = readVarint(block, at);
        [rest, at] = readVarint(block, at);
        const ref = bufs[head % 2 === 1 ? beforeLast : last] as Uint8Array;
        const prefix = Math.floor(head / 2);
        const length = prefix + rest;
        if ((bufs[cur] as Uint8Array).length < length) bufs[cur] = new Uint8Array(2 * length);
        const path = bufs[cur] as Uint8Array;
        path.set(ref.subarray(0, prefix), 0);
        path.set(block.subarray(at, at + rest), prefix);
        at += rest;
        if (length === target.length && sameBytes(path, target, length)) return true;
        [beforeLast, last, cur] = [last, cur, beforeLast];
      }
    }
    return false;
  }
}

/** The first `length` bytes alike; compared from the end, where paths that share a prefix differ. */
function sameBytes(a: Uint8Array, b: Uint8Array, length: number): boolean {
  for (let i = length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

function sharedPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function varintBytes(n: number): number {
  let bytes = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) bytes++;
  return bytes;
}

function writeVarint(block: Uint8Array, at: number, n: number): number {
  let v = n;
  while (v >= 0x80) {
    block[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  block[at++] = v;
  return at;
}

function readVarint(block: Uint8Array, at: number): [number, number] {
  let n = 0;
  let scale = 1;
  let i = at;
  for (;;) {
    const byte = block[i++] as number;
    n += (byte & 0x7f) * scale;
    if (byte < 0x80) return [n, i];
    scale *= 0x80;
  }
}
