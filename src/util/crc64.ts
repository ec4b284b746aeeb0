/**
 * CRC-64/XZ (also called CRC-64/GO-ECMA), the checksum OSS returns as x-oss-hash-crc64ecma:
 * polynomial 0x42F0E1EBA9EA3693 (reflected: 0xC96C5795D7870F42), reflected input and output,
 * init and xorout all ones. Check value for ASCII "123456789": 11051210869376104954.
 *
 * Three kernels compute the same slicing-by-8 recurrence (8 bytes per step, 8 table lookups):
 *   - WebAssembly (inputs of WASM_MIN bytes and more): a tiny module assembled below from its
 *     opcodes, working on i64 directly; input is copied into its memory in 64 KiB windows.
 *   - JS words (little-endian machines without WebAssembly): the 64-bit state as two uint32
 *     halves (BigInt per byte would be ~50x slower), the aligned middle of the input read through
 *     a Uint32Array view.
 *   - JS bytes: short inputs, and everything else.
 * scripts/bench/crc64.js measures them against SHA-256 and MD5.
 */

const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

// TABLE_LO[k * 256 + n], TABLE_HI[k * 256 + n]: CRC of byte n followed by k zero bytes.
const TABLE_LO = new Uint32Array(8 * 256);
const TABLE_HI = new Uint32Array(8 * 256);

(function buildTables(): void {
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    TABLE_LO[n] = lo;
    TABLE_HI[n] = hi;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prevLo = TABLE_LO[(k - 1) * 256 + n] as number;
      const prevHi = TABLE_HI[(k - 1) * 256 + n] as number;
      const idx = prevLo & 0xff;
      TABLE_LO[k * 256 + n] = (((prevLo >>> 8) | (prevHi << 24)) ^ (TABLE_LO[idx] as number)) >>> 0;
      TABLE_HI[k * 256 + n] = ((prevHi >>> 8) ^ (TABLE_HI[idx] as number)) >>> 0;
    }
  }
})();

// ---------------------------------------------------------------------------------------------
// WebAssembly kernel. Memory layout (2 pages, 128 KiB):
//   [0, 16384)        8 tables of 256 little-endian u64: table k at k * 2048 (same tables as above)
//   [16384, 16392)    the register (u64, pre-xorout)
//   [16448, 81984)    input window of 64 KiB
// export `update(n)` runs the register over the first n bytes of the window. Equivalent WAT:
//   (func (param $n i32) (local $c i64) (local $p i32) (local $end i32) (local $end8 i32)
//     c = i64.load(16384); p = 16448; end = p + n; end8 = p + (n & -8)
//     while (p < end8) { c ^= i64.load(p); c = T7[c & 255] ^ T6[(c >> 8) & 255] ^ ... ^ T0[c >> 56]; p += 8 }
//     while (p < end)  { c = T0[(c ^ i64.load8_u(p)) & 255] ^ (c >> 8); p += 1 }
//     i64.store(16384, c))

// The project's libs (ES2023, no DOM) do not describe WebAssembly; Node has it. Just what is used:
declare const WebAssembly:
  | {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
    }
  | undefined;

const WASM_STATE = 16384;
const WASM_DATA = 16448;
const WASM_WINDOW = 65536;
/** Below this, copying into WebAssembly memory and the call cost more than they save. */
const WASM_MIN = 256;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function wasmKernelBytes(): Uint8Array {
  const I32 = 0x7f;
  const I64 = 0x7e;
  const VOID = 0x40;
  const [BLOCK, LOOP, BR, BR_IF, END] = [0x02, 0x03, 0x0c, 0x0d, 0x0b];
  const [LGET, LSET] = [0x20, 0x21];
  const [I64_LOAD, I64_LOAD8_U, I64_STORE] = [0x29, 0x31, 0x37];
  const [I32_CONST, I64_CONST] = [0x41, 0x42];
  const [I32_GE_U, I32_ADD, I32_AND, I32_SHL] = [0x4f, 0x6a, 0x71, 0x74];
  const [I64_AND, I64_XOR, I64_SHR_U, I32_WRAP_I64] = [0x83, 0x85, 0x88, 0xa7];
  const memarg = (alignLog2: number, offset: number): number[] => [...uleb(alignLog2), ...uleb(offset)];
  // locals: 0 n (param), 1 c (i64), 2 p, 3 end, 4 end8
  const [N, C, P, E, E8] = [0, 1, 2, 3, 4];
  // push T_k[(c >> shift) & 255]
  // prettier-ignore
  const lookup = (k: number, shift: number): number[] => [
    LGET, C, ...(shift ? [I64_CONST, ...sleb(shift), I64_SHR_U] : []),
    I64_CONST, ...sleb(0xff), I64_AND, I32_WRAP_I64, I32_CONST, 3, I32_SHL,
    I64_LOAD, ...memarg(3, k * 2048),
  ];
  // prettier-ignore
  const body = [
    I32_CONST, 0, I64_LOAD, ...memarg(3, WASM_STATE), LSET, C,
    I32_CONST, ...sleb(WASM_DATA), LSET, P,
    LGET, P, LGET, N, I32_ADD, LSET, E,
    LGET, P, LGET, N, I32_CONST, ...sleb(-8), I32_AND, I32_ADD, LSET, E8,
    BLOCK, VOID, LOOP, VOID,
    LGET, P, LGET, E8, I32_GE_U, BR_IF, 1,
    LGET, C, LGET, P, I64_LOAD, ...memarg(3, 0), I64_XOR, LSET, C,
    ...lookup(7, 0), ...lookup(6, 8), I64_XOR, ...lookup(5, 16), I64_XOR, ...lookup(4, 24), I64_XOR,
    ...lookup(3, 32), I64_XOR, ...lookup(2, 40), I64_XOR, ...lookup(1, 48), I64_XOR, ...lookup(0, 56), I64_XOR,
    LSET, C,
    LGET, P, I32_CONST, 8, I32_ADD, LSET, P,
    BR, 0, END, END,
    BLOCK, VOID, LOOP, VOID,
    LGET, P, LGET, E, I32_GE_U, BR_IF, 1,
    LGET, C, LGET, P, I64_LOAD8_U, ...memarg(0, 0), I64_XOR,
    I64_CONST, ...sleb(0xff), I64_AND, I32_WRAP_I64, I32_CONST, 3, I32_SHL, I64_LOAD, ...memarg(3, 0),
    LGET, C, I64_CONST, 8, I64_SHR_U, I64_XOR, LSET, C,
    LGET, P, I32_CONST, 1, I32_ADD, LSET, P,
    BR, 0, END, END,
    I32_CONST, 0, LGET, C, I64_STORE, ...memarg(3, WASM_STATE),
    END,
  ];
  const func = [2, 1, I64, 3, I32, ...body]; // local groups: 1 x i64, 3 x i32
  const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
  const name = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  // prettier-ignore
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, I32, 0]), // type 0: (i32) -> ()
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0x00, 2]), // one memory, 2 pages
    ...section(7, [2, ...name('update'), 0x00, 0, ...name('mem'), 0x02, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

interface WasmKernel {
  update(n: number): void;
  bytes: Uint8Array;
  view: DataView;
}

function loadWasmKernel(): WasmKernel | null {
  if (typeof WebAssembly === 'undefined') return null;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(wasmKernelBytes()), {});
    const memory = instance.exports.mem as { buffer: ArrayBuffer };
    const update = instance.exports.update as (n: number) => void;
    const view = new DataView(memory.buffer);
    for (let i = 0; i < 8 * 256; i++) {
      view.setUint32(i * 8, TABLE_LO[i] as number, true);
      view.setUint32(i * 8 + 4, TABLE_HI[i] as number, true);
    }
    const kernel: WasmKernel = { update, bytes: new Uint8Array(memory.buffer), view };
    // Self-check against the catalogued value before trusting it.
    view.setUint32(WASM_STATE, 0xffffffff, true);
    view.setUint32(WASM_STATE + 4, 0xffffffff, true);
    kernel.bytes.set([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39], WASM_DATA);
    update(9);
    const lo = (view.getUint32(WASM_STATE, true) ^ 0xffffffff) >>> 0;
    const hi = (view.getUint32(WASM_STATE + 4, true) ^ 0xffffffff) >>> 0;
    return ((BigInt(hi) << 32n) | BigInt(lo)) === 11051210869376104954n ? kernel : null;
  } catch {
    return null;
  }
}

const WASM: WasmKernel | null = loadWasmKernel();

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Below this, making the word view costs more than it saves. */
const WORD_PATH_MIN = 64;

/** Incremental CRC-64/XZ. */
export class Crc64 {
  // Internal (pre-xorout) register, starting at all ones.
  private lo = 0xffffffff;
  private hi = 0xffffffff;
  private length = 0;

  update(chunk: Uint8Array): this {
    if (WASM !== null && chunk.length >= WASM_MIN) return this.updateWasm(chunk, WASM);
    if (LITTLE_ENDIAN && chunk.length >= WORD_PATH_MIN) return this.updateWords(chunk);
    return this.updateBytes(chunk);
  }

  /** Through the WebAssembly kernel, one 64 KiB window at a time. */
  private updateWasm(chunk: Uint8Array, k: WasmKernel): this {
    k.view.setUint32(WASM_STATE, this.lo, true);
    k.view.setUint32(WASM_STATE + 4, this.hi, true);
    for (let i = 0; i < chunk.length; i += WASM_WINDOW) {
      const part = chunk.subarray(i, i + WASM_WINDOW);
      k.bytes.set(part, WASM_DATA);
      k.update(part.length);
    }
    this.lo = k.view.getUint32(WASM_STATE, true);
    this.hi = k.view.getUint32(WASM_STATE + 4, true);
    this.length += chunk.length;
    return this;
  }

  /** Byte loads only: small inputs, big-endian machines. */
  private updateBytes(chunk: Uint8Array): this {
    let lo = this.lo;
    let hi = this.hi;
    const n = chunk.length;
    let i = 0;
    const T_LO = TABLE_LO;
    const T_HI = TABLE_HI;
    const end8 = n - (n % 8);
    while (i < end8) {
      lo ^=
        (chunk[i] as number) |
        ((chunk[i + 1] as number) << 8) |
        ((chunk[i + 2] as number) << 16) |
        ((chunk[i + 3] as number) << 24);
      hi ^=
        (chunk[i + 4] as number) |
        ((chunk[i + 5] as number) << 8) |
        ((chunk[i + 6] as number) << 16) |
        ((chunk[i + 7] as number) << 24);
      const a = 7 * 256 + (lo & 0xff);
      const b = 6 * 256 + ((lo >>> 8) & 0xff);
      const c = 5 * 256 + ((lo >>> 16) & 0xff);
      const d = 4 * 256 + (lo >>> 24);
      const e = 3 * 256 + (hi & 0xff);
      const f = 2 * 256 + ((hi >>> 8) & 0xff);
      const g = 256 + ((hi >>> 16) & 0xff);
      const h = hi >>> 24;
      lo =
        (T_LO[a] as number) ^
        (T_LO[b] as number) ^
        (T_LO[c] as number) ^
        (T_LO[d] as number) ^
        (T_LO[e] as number) ^
        (T_LO[f] as number) ^
        (T_LO[g] as number) ^
        (T_LO[h] as number);
      hi =
        (T_HI[a] as number) ^
        (T_HI[b] as number) ^
        (T_HI[c] as number) ^
        (T_HI[d] as number) ^
        (T_HI[e] as number) ^
        (T_HI[f] as number) ^
        (T_HI[g] as number) ^
        (T_HI[h] as number);
      i += 8;
    }
    while (i < n) {
      const idx = (lo ^ (chunk[i] as number)) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ (T_LO[idx] as number);
      hi = (hi >>> 8) ^ (T_HI[idx] as number);
      i++;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.length += n;
    return this;
  }

  /**
   * Little-endian only: bytes up to a 4-byte boundary one at a time, then 8 bytes per step read
   * as two uint32 words of a Uint32Array view over the same memory, then the rest bytewise.
   */
  private updateWords(chunk: Uint8Array): this {
    let lo = this.lo;
    let hi = this.hi;
    const n = chunk.length;
    const T_LO = TABLE_LO;
    const T_HI = TABLE_HI;
    let i = 0;
    while (i < n && ((chunk.byteOffset + i) & 3) !== 0) {
      const idx = (lo ^ (chunk[i] as number)) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ (T_LO[idx] as number);
      hi = (hi >>> 8) ^ (T_HI[idx] as number);
      i++;
    }
    const steps = (n - i) >>> 3;
    const words = new Uint32Array(chunk.buffer, chunk.byteOffset + i, steps * 2);
    const wordCount = words.length;
    for (let w = 0; w < wordCount; w += 2) {
      lo ^= words[w] as number;
      hi ^= words[w + 1] as number;
      const a = 7 * 256 + (lo & 0xff);
      const b = 6 * 256 + ((lo >>> 8) & 0xff);
      const c = 5 * 256 + ((lo >>> 16) & 0xff);
      const d = 4 * 256 + (lo >>> 24);
      const e = 3 * 256 + (hi & 0xff);
      const f = 2 * 256 + ((hi >>> 8) & 0xff);
      const g = 256 + ((hi >>> 16) & 0xff);
      const h = hi >>> 24;
      lo =
        (T_LO[a] as number) ^
        (T_LO[b] as number) ^
        (T_LO[c] as number) ^
        (T_LO[d] as number) ^
        (T_LO[e] as number) ^
        (T_LO[f] as number) ^
        (T_LO[g] as number) ^
        (T_LO[h] as number);
      hi =
        (T_HI[a] as number) ^
        (T_HI[b] as number) ^
        (T_HI[c] as number) ^
        (T_HI[d] as number) ^
        (T_HI[e] as number) ^
        (T_HI[f] as number) ^
        (T_HI[g] as number) ^
        (T_HI[h] as number);
    }
    i += steps * 8;
    while (i < n) {
      const idx = (lo ^ (chunk[i] as number)) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ (T_LO[idx] as number);
      hi = (hi >>> 8) ^ (T_HI[idx] as number);
      i++;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.length += n;
    return this;
  }

  /** Bytes fed so far. */
  get bytes(): number {
    return this.length;
  }

  /** The CRC as OSS writes it: an unsigned decimal string. Does not reset the state. */
  digest(): string {
    return this.value().toString(10);
  }

  value(): bigint {
    const hi = (this.hi ^ 0xffffffff) >>> 0;
    const lo = (this.lo ^ 0xffffffff) >>> 0;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
}

/** CRC-64/XZ of a whole buffer, as an unsigned decimal string. */
export function crc64(data: Uint8Array): string {
  return new Crc64().update(data).digest();
}

const POLY = 0xc96c5795d7870f42n;
const MASK = 0xffffffffffffffffn;

function gf2Times(mat: bigint[], vec: bigint): bigint {
  let sum = 0n;
  let i = 0;
  while (vec !== 0n) {
    if (vec & 1n) sum ^= mat[i] as bigint;
    vec >>= 1n;
    i++;
  }
  return sum;
}

function gf2Square(mat: bigint[]): bigint[] {
  return mat.map((row) => gf2Times(mat, row));
}

/**
 * The operators that append 2^k zero bytes to a CRC register (k = 0, 1, ...): each the square of
 * the one before, starting from eight one-bit shifts. They do not depend on the CRCs combined,
 * so they are made once, as far as the longest length asked for, and kept (64 rows each).
 */
const ZERO_BYTE_OPERATORS: bigint[][] = [];

function zeroBytesOperator(k: number): bigint[] {
  while (ZERO_BYTE_OPERATORS.length <= k) {
    const previous = ZERO_BYTE_OPERATORS[ZERO_BYTE_OPERATORS.length - 1];
    if (previous !== undefined) {
      ZERO_BYTE_OPERATORS.push(gf2Square(previous));
      continue;
    }
    // One zero bit, squared to 2, 4 and 8 bits: one zero byte.
    let op: bigint[] = [POLY];
    for (let n = 1, row = 1n; n < 64; n++, row <<= 1n) op.push(row);
    for (let i = 0; i < 3; i++) op = gf2Square(op);
    ZERO_BYTE_OPERATORS.push(op);
  }
  return ZERO_BYTE_OPERATORS[k] as bigint[];
}

/**
 * The CRC of A followed by B, from crc(A), crc(B) and B's length (zlib's crc32_combine method,
 * in 64 bits: crc(A) shifted through B's length of zero bytes, then xor crc(B)). Used to compute
 * a multipart object's CRC from its parts' CRCs. The shift applies one kept operator per bit set
 * in the length, instead of squaring them again at every call.
 */
export function crc64Combine(crcA: string | bigint, crcB: string | bigint, lengthB: number): string {
  let a = BigInt(crcA) & MASK;
  const b = BigInt(crcB) & MASK;
  if (lengthB <= 0) return a.toString(10);
  let len = lengthB;
  for (let k = 0; len > 0; k++) {
    if (len % 2 === 1) a = gf2Times(zeroBytesOperator(k), a);
    len = Math.floor(len / 2);
  }
  return ((a ^ b) & MASK).toString(10);
}
