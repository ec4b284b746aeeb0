/**
 * Reading a bag's tag files as RFC 8493 defines them (and as bagit-python reads them), for the
 * offline verifier. Each parser returns what it understood and the problems it met.
 */

export interface BagProblem {
  /** The file concerned, relative to the bag's top directory. */
  file: string;
  /** What is wrong, in words. */
  what: string;
  expected?: string;
  found?: string;
}

/** Algorithms a manifest may name that Node's crypto computes, with their hex digest lengths. */
export const MANIFEST_ALGORITHMS: Readonly<Record<string, number>> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

/** RFC 8493 §2.1.3: `%0D`, `%0A` and `%25` are the only escapes. */
function decodePath(path: string): string {
  return path.replace(/%(0D|0A|25)/gi, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
}

function unsafePath(path: string): boolean {
  return (
    path.startsWith('/') ||
    /^[A-Za-z]:/.test(path) ||
    path.includes('\\') ||
    path.split('/').some((s) => s === '..' || s === '.' || s === '')
  );
}

export interface Manifest {
  file: string;
  algorithm: string;
  /** path -> lower-case hex digest. */
  entries: Map<string, string>;
}

/**
 * A payload or tag manifest: `<digest> <path>` lines (one or more spaces or tabs between; a `*`
 * before the path, as sha256sum's binary mode writes, is allowed). `payload` says whether every
 * path must be under data/ (payload manifest) or none may be (tag manifest).
 */
export function parseManifest(
  file: string,
  text: string,
  payload: boolean,
): { manifest: Manifest | null; problems: BagProblem[] } {
  const problems: BagProblem[] = [];
  const m = /^(?:tag)?manifest-([a-z0-9]+)\.txt$/.exec(file);
  const algorithm = m?.[1] ?? '';
  const length = MANIFEST_ALGORITHMS[algorithm];
  if (length === undefined) {
    return { manifest: null, problems: [{ file, what: `unsupported checksum algorithm "${algorithm}"` }] };
  }
  const entries = new Map<string, string>();
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const parts = /^([0-9A-Fa-f]+)[ \t]+\*?(.+)$/.exec(line);
    if (!parts) {
      problems.push({ file, what: `line ${i + 1} is not "<checksum> <path>"`, found: line.slice(0, 200) });
      return;
    }
    const digest = (parts[1] as string).toLowerCase();
    const path = decodePath(parts[2] as string);
    if (digest.length !== length) {
      problems.push({ file, what: `line ${i + 1}: not a ${algorithm} digest`, found: digest });
      return;
    }
    if (unsafePath(path)) {
      problems.push({ file, what: `line ${i + 1}: unsafe path`, found: path });
      return;
    }
    if (payload !== path.startsWith('data/')) {
      problems.push({
        file,
        what: payload
          ? `line ${i + 1}: a payload manifest lists a file outside data/`
          : `line ${i + 1}: a tag manifest lists a payload file`,
        found: path,
      });
      return;
    }
    if (entries.has(path)) {
      problems.push({ file, what: `line ${i + 1}: ${path} is listed twice` });
      return;
    }
    entries.set(path, digest);
  });
  return { manifest: { file, algorithm, entries }, problems };
}

/** bag-info.txt (RFC 8493 §2.2.2): `Label: value` lines, continuation lines start with white space. */
export function parseBagInfo(text: string): { tags: Map<string, string[]>; problems: BagProblem[] } {
  const tags = new Map<string, string[]>();
  const problems: BagProblem[] = [];
  let last: { label: string; index: number } | null = null;
  text.split(/\r\n|\n|\r/).forEach((line, i) => {
    if (line.trim() === '') return;
    if (/^[ \t]/.test(line) && last) {
      const values = tags.get(last.label) as string[];
      values[last.index] = `${values[last.index] ?? ''} ${line.trim()}`;
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push({
        file: 'bag-info.txt',
        what: `line ${i + 1} is not "Label: value"`,
        found: line.slice(0, 200),
      });
      return;
    }
    const label = line.slice(0, colon).trim();
    const values = tags.get(label) ?? [];
    values.push(line.slice(colon + 1).trim());
    tags.set(label, values);
    last = { label, index: values.length - 1 };
  });
  return { tags, problems };
}

/** bagit.txt must say exactly version 1.0 and UTF-8, without a byte-order mark (RFC 8493 §2.1.1). */
export function checkBagitTxt(bytes: Buffer): BagProblem[] {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return [{ file: 'bagit.txt', what: 'starts with a byte-order mark' }];
  }
  const lines = bytes
    .toString('utf8')
    .split(/\r\n|\n|\r/)
    .filter((l) => l !== '');
  const expected = ['BagIt-Version: 1.0', 'Tag-File-Character-Encoding: UTF-8'];
  if (lines.length !== 2 || lines[0] !== expected[0] || lines[1] !== expected[1]) {
    return [
      {
        file: 'bagit.txt',
        what: 'is not a BagIt 1.0 declaration',
        expected: expected.join(' / '),
        found: lines.join(' / '),
      },
    ];
  }
  return [];
}

/** Payload-Oxum `<octets>.<streams>`. */
export function parseOxum(value: string | undefined): { bytes: number; files: number } | null {
  const m = /^([0-9]+)\.([0-9]+)$/.exec(value ?? '');
  return m ? { bytes: Number(m[1]), files: Number(m[2]) } : null;
}
