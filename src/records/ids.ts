/**
 * Record ids: chosen by the sender, unique in the archive, and part of the object key
 * (`<recordType>/<yyyy>/<mm>/<dd>/<recordId>.json`), so they are checked strictly.
 */

export const RECORD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const RECORD_ID_MAX_LENGTH = 128;

export type RecordIdCheck = { ok: true; id: string } | { ok: false; reason: string };

export function isValidRecordId(id: unknown): id is string {
  return typeof id === 'string' && RECORD_ID_PATTERN.test(id);
}

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return cp >= 0x20 && cp < 0x7f ? `"${ch}" (${hex})` : hex;
}

/**
 * Checks a record id and, when it is refused, says why in words a sender can act on.
 * Accepts exactly what RECORD_ID_PATTERN accepts; the reasons only explain the refusal.
 */
export function checkRecordId(id: unknown): RecordIdCheck {
  if (typeof id !== 'string')
    return { ok: false, reason: `a record id is a string, got ${id === null ? 'null' : typeof id}` };
  if (id.length === 0) return { ok: false, reason: 'a record id cannot be empty' };
  if (id.length > RECORD_ID_MAX_LENGTH) {
    return {
      ok: false,
      reason: `a record id has at most ${RECORD_ID_MAX_LENGTH} characters, got ${id.length}`,
    };
  }
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(id);
  if (control)
    return {
      ok: false,
      reason: `a record id cannot contain control characters (found ${describeChar(control[0])})`,
    };
  if (id.includes('/') || id.includes('\\')) {
    return {
      ok: false,
      reason: id.includes('..')
        ? 'a record id cannot contain a path (found "../" or similar)'
        : 'a record id cannot contain "/" or "\\"',
    };
  }
  if (!/^[A-Za-z0-9]/.test(id))
    return { ok: false, reason: 'a record id must start with a letter or a digit' };
  for (const ch of id) {
    if (!/^[A-Za-z0-9._-]$/.test(ch)) {
      return {
        ok: false,
        reason: `a record id may contain only A-Z, a-z, 0-9, ".", "_" and "-" (found ${describeChar(ch)})`,
      };
    }
  }
  /* istanbul ignore next: the checks above cover the whole pattern */
  if (!RECORD_ID_PATTERN.test(id)) return { ok: false, reason: 'not a valid record id' };
  return { ok: true, id };
}

/**
 * The `recordId` a sender put in an object not yet validated (for audit targets and for keeping a
 * batch's repeated ids in order): a non-empty string, or undefined.
 */
export function recordIdOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const id = (input as { recordId?: unknown }).recordId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
