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

/** Keeps the paths of one bag apart, case-insensitively (see the rule above). */
export class BagPathSet {
  private readonly seen = new Set<string>();

  /** Adds `path`; returns why it cannot be added (rule broken, or a case-insensitive duplicate). */
  add(path: string): string | null {
    const problem = bagPathProblem(path);
    if (problem !== null) return problem;
    const folded = path.toLowerCase();
    if (this.seen.has(folded)) return `the bag already holds ${JSON.stringify(path)} (letter case aside)`;
    this.seen.add(folded);
    return null;
  }
}
