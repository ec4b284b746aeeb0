/** Content-Type parsing (RFC 9110 8.3): a lower-cased media type and its parameters. */

export interface MediaType {
  /** `type/subtype`, lower case. */
  type: string;
  /** Parameter names lower case; values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseMediaType(header: string | undefined): MediaType | undefined {
  if (header === undefined) return undefined;
  const [head = '', ...rest] = header.split(';');
  const type = head.trim().toLowerCase();
  const slash = type.indexOf('/');
  if (slash <= 0 || !TOKEN.test(type.slice(0, slash)) || !TOKEN.test(type.slice(slash + 1))) return undefined;
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    if (TOKEN.test(name)) params[name] = value;
  }
  return { type, params };
}

/** True for UTF-8 or an absent charset (JSON, NDJSON and CSV bodies are UTF-8). */
export function isUtf8(media: MediaType): boolean {
  const charset = media.params.charset;
  return charset === undefined || charset.toLowerCase() === 'utf-8' || charset.toLowerCase() === 'utf8';
}

export function isJson(media: MediaType | undefined): boolean {
  return (
    media !== undefined &&
    (media.type === 'application/json' || /^application\/[^/]+\+json$/.test(media.type))
  );
}
