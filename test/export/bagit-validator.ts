/**
 * A BagIt 1.0 validator written in the test from RFC 8493 (not from the builder or the verifier):
 * §2.1.1 bagit.txt, §2.1.2 data/, §2.1.3 payload manifests, §2.2.1 tag manifests, §2.2.2
 * bag-info.txt, §3 complete and valid. Returns the list of failures (empty when valid).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir: string, prefix: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`, out);
    else out.push(`${prefix}${name}`);
  }
  return out;
}

const digest = (alg: string, file: string): string =>
  createHash(alg).update(readFileSync(file)).digest('hex');

function readManifest(bag: string, name: string, errors: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of readFileSync(join(bag, name), 'utf8').split('\n')) {
    if (line === '') continue;
    // "checksum followed by one or more linear whitespace characters followed by the filepath"
    const m = /^(\S+)[ \t]+(.*)$/.exec(line);
    if (!m) {
      errors.push(`${name}: malformed line ${JSON.stringify(line)}`);
      continue;
    }
    const path = (m[2] as string).replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
    if (map.has(path)) errors.push(`${name}: ${path} listed twice`);
    map.set(path, (m[1] as string).toLowerCase());
  }
  return map;
}

export function validateBag(bag: string): string[] {
  const errors: string[] = [];
  // §2.1.1
  const bagit = existsSync(join(bag, 'bagit.txt')) ? readFileSync(join(bag, 'bagit.txt')) : null;
  if (!bagit) errors.push('bagit.txt is missing');
  else if (bagit.toString('utf8') !== 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n') {
    errors.push(`bagit.txt is ${JSON.stringify(bagit.toString('utf8'))}`);
  }
  // §2.1.2
  if (!existsSync(join(bag, 'data')) || !statSync(join(bag, 'data')).isDirectory())
    errors.push('no data/ directory');
  const payload = existsSync(join(bag, 'data')) ? walk(join(bag, 'data'), 'data/', []) : [];
  const top = readdirSync(bag);
  // §2.1.3: at least one payload manifest; each lists every payload file, each entry exists and matches
  const manifests = top.filter((n) => /^manifest-[a-z0-9]+\.txt$/.test(n));
  if (manifests.length === 0) errors.push('no payload manifest');
  for (const name of manifests) {
    const alg = name.slice('manifest-'.length, -'.txt'.length);
    const entries = readManifest(bag, name, errors);
    for (const file of payload) if (!entries.has(file)) errors.push(`${name} does not list ${file}`);
    for (const [file, sum] of entries) {
      if (!file.startsWith('data/')) errors.push(`${name} lists ${file}, outside data/`);
      else if (!existsSync(join(bag, file))) errors.push(`${name} lists missing ${file}`);
      else if (digest(alg, join(bag, file)) !== sum) errors.push(`${name}: ${file} does not match`);
    }
  }
  // §2.2.1: tag manifests list tag files only, each present and matching
  for (const name of top.filter((n) => /^tagmanifest-[a-z0-9]+\.txt$/.test(n))) {
    const alg = name.slice('tagmanifest-'.length, -'.txt'.length);
    for (const [file, sum] of readManifest(bag, name, errors)) {
      if (file.startsWith('data/')) errors.push(`${name} lists payload file ${file}`);
      else if (!existsSync(join(bag, file))) errors.push(`${name} lists missing ${file}`);
      else if (digest(alg, join(bag, file)) !== sum) errors.push(`${name}: ${file} does not match`);
    }
  }
  // §2.2.2: bag-info.txt, "label: value" lines (continuations indented); Payload-Oxum octets.streams
  if (existsSync(join(bag, 'bag-info.txt'))) {
    const info = new Map<string, string>();
    for (const line of readFileSync(join(bag, 'bag-info.txt'), 'utf8').split('\n')) {
      if (line === '' || /^[ \t]/.test(line)) continue;
      const m = /^([^:\s][^:]*): (.*)$/.exec(line);
      if (!m) errors.push(`bag-info.txt: malformed line ${JSON.stringify(line)}`);
      else info.set(m[1] as string, m[2] as string);
    }
    const oxum = info.get('Payload-Oxum');
    if (oxum !== undefined) {
      const bytes = payload.reduce((n, f) => n + statSync(join(bag, f)).size, 0);
      if (oxum !== `${bytes}.${payload.length}`)
        errors.push(`Payload-Oxum ${oxum}, payload is ${bytes}.${payload.length}`);
    }
    const date = info.get('Bagging-Date');
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) errors.push(`Bagging-Date ${date}`);
  }
  return errors;
}
