import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import yauzl from 'yauzl';

const run = promisify(execFile);
const BIG = { maxBuffer: 256 * 1024 * 1024 };

/**
 * Other people's ZIP readers, driven on a file: Info-ZIP `unzip -t` and `zipinfo`, Python's
 * `zipfile -t`, yauzl, and libarchive's `bsdtar` reading from a pipe (its streaming reader, which
 * sees only the local headers and data descriptors). Each throws when the tool is missing or
 * reports a problem, so a test can never pass without them (.ci/run installs the Debian ones).
 */
export async function unzipTest(zip: string, names: string[] = []): Promise<string> {
  const { stdout } = await run('unzip', ['-t', zip, ...names], BIG);
  if (!stdout.includes('No errors detected')) throw new Error(`unzip -t: ${stdout}`);
  return stdout;
}

/** `zipinfo -l -T` lines of the entries: permissions, version, os, size, type, csize, method, date.time, name. */
export async function zipinfo(zip: string): Promise<string[][]> {
  const { stdout } = await run('zipinfo', ['-l', '-T', zip], BIG);
  return stdout
    .split('\n')
    .filter((l) => /^-/.test(l))
    .map((l) => {
      const f = l.split(/\s+/);
      return [...f.slice(0, 8), f.slice(8).join(' ')];
    });
}

export async function pythonTest(zip: string): Promise<void> {
  const { stdout } = await run('python3', ['-m', 'zipfile', '-t', zip], BIG);
  if (!stdout.includes('Done testing')) throw new Error(`python3 -m zipfile -t: ${stdout}`);
}

/** Python's view of each entry (name, sizes, CRC, method, date_time, flags, versions, extra length). */
export async function pythonInfo(zip: string): Promise<Array<Record<string, unknown>>> {
  const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(json.dumps([dict(name=i.filename, size=i.file_size, csize=i.compress_size, crc=i.CRC,
        method=i.compress_type, date_time=list(i.date_time), flags=i.flag_bits,
        needed=i.extract_version, made=i.create_version, system=i.create_system,
        external=i.external_attr, offset=i.header_offset) for i in z.infolist()]))
`;
  const { stdout } = await run('python3', ['-c', script, zip], BIG);
  return JSON.parse(stdout) as Array<Record<string, unknown>>;
}

export interface YauzlEntry {
  name: string;
  size: number;
  compressedSize: number;
  crc32: number;
  method: number;
  data: Buffer | null;
}

/**
 * Every entry through yauzl (which checks the directory and, for what it reads, the sizes; not
 * the CRC-32). `read(name)` decides per entry: 'data' keeps its bytes, 'count' reads them and
 * only counts (a 4 GiB entry costs no memory), 'skip' lists it without reading.
 */
export async function yauzlEntries(
  zip: string,
  read: (name: string) => 'data' | 'count' | 'skip' = () => 'data',
): Promise<{ entries: YauzlEntry[]; entryCount: number }> {
  const z = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zip, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (err, f) =>
      err || !f ? reject(err) : resolve(f),
    ),
  );
  const entries: YauzlEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    z.on('error', reject);
    z.on('end', resolve);
    z.on('entry', (e: yauzl.Entry) => {
      const entry: YauzlEntry = {
        name: e.fileName,
        size: e.uncompressedSize,
        compressedSize: e.compressedSize,
        crc32: e.crc32,
        method: e.compressionMethod,
        data: null,
      };
      const how = read(e.fileName);
      if (how === 'skip') {
        entries.push(entry);
        return z.readEntry();
      }
      z.openReadStream(e, (err, stream) => {
        if (err || !stream) return reject(err);
        const parts: Buffer[] = [];
        let n = 0;
        stream.on('data', (c: Buffer) => {
          n += c.length;
          if (how === 'data') parts.push(c);
        });
        stream.on('error', reject);
        stream.on('end', () => {
          if (n !== e.uncompressedSize) return reject(new Error(`${e.fileName}: ${n} bytes read`));
          entries.push({ ...entry, data: how === 'data' ? Buffer.concat(parts) : null });
          z.readEntry();
        });
      });
    });
    z.readEntry();
  });
  const entryCount = z.entryCount;
  z.close();
  return { entries, entryCount };
}

/** Runs bsdtar with the ZIP on its stdin (a pipe: libarchive's streaming ZIP reader); its stdout. */
export function bsdtarStream(zip: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('bsdtar', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => errors.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`bsdtar ${args.join(' ')} exited ${code}: ${Buffer.concat(errors).toString()}`)),
    );
    pipeline(createReadStream(zip), child.stdin).catch(reject);
  });
}

/**
 * A file sink that leaves runs of 1 MiB zero chunks as holes (a sparse file), so a test can write a
 * ZIP of more than 4 GiB in seconds and without 4 GiB of disk; readers see the zeros.
 */
export async function sparseFile(path: string): Promise<Writable> {
  const fh = await open(path, 'w');
  const zeros = Buffer.alloc(1024 * 1024);
  let position = 0;
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const at = position;
      position += chunk.length;
      if (chunk.length === zeros.length && chunk.equals(zeros)) return cb();
      fh.write(chunk, 0, chunk.length, at).then(() => cb(), cb);
    },
    final(cb) {
      fh.truncate(position)
        .then(() => fh.close())
        .then(() => cb(), cb);
    },
    destroy(err, cb) {
      fh.close().then(
        () => cb(err),
        () => cb(err),
      );
    },
  });
}

/** Collects a stream into one Buffer. */
export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
