/**
 * XML for the emulator: escaping and building answers, and a small strict parser for request
 * bodies. The parser is our own (not fast-xml-parser) because request bodies carry object keys,
 * and keys may hold characters a general-purpose parser drops or rewrites (character references
 * to control characters, leading and trailing spaces); a key must round-trip exactly or a batch
 * delete could remove the wrong object. It understands elements, attributes (ignored), text,
 * entities, CDATA, comments and processing instructions, and refuses DTDs (no entity expansion).
 */

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

// Control characters are what this pattern exists to find.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\r]/;

/** Escapes text for element content; control characters become numeric references. */
export function escapeXml(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    switch (c) {
      case 38:
        out += '&amp;';
        break;
      case 60:
        out += '&lt;';
        break;
      case 62:
        out += '&gt;';
        break;
      case 34:
        out += '&quot;';
        break;
      case 39:
        out += '&apos;';
        break;
      default:
        if (c < 0x20 && c !== 9 && c !== 10) out += `&#x${c.toString(16).toUpperCase()};`;
        else out += value[i];
    }
  }
  return out;
}

/** `<name>escaped value</name>` */
export function el(name: string, value: string | number | boolean): string {
  return `<${name}>${typeof value === 'string' ? escapeXml(value) : String(value)}</${name}>`;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

export interface XmlElement {
  name: string;
  children: XmlElement[];
  /** All direct text content, entities resolved, whitespace kept. */
  text: string;
}

const NAME_CHAR = /[A-Za-z0-9_:.-]/;
const HEX_DIGITS = /^[0-9a-fA-F]+$/;
const DEC_DIGITS = /^[0-9]+$/;

/** Parses a document into its root element; throws XmlSyntaxError on anything malformed. */
export function parseXml(input: string): XmlElement {
  const src = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  let pos = 0;
  let root: XmlElement | undefined;
  const stack: XmlElement[] = [];

  const fail = (what: string): never => {
    throw new XmlSyntaxError(`${what} at offset ${pos}`);
  };

  const readName = (): string => {
    const start = pos;
    while (pos < src.length && NAME_CHAR.test(src[pos] as string)) pos++;
    if (pos === start) fail('expected a name');
    return src.slice(start, pos);
  };

  const skipSpace = (): void => {
    while (pos < src.length) {
      const c = src.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) pos++;
      else break;
    }
  };

  const decodeText = (raw: string): string => {
    if (raw.indexOf('&') < 0) return raw;
    let out = '';
    let i = 0;
    while (i < raw.length) {
      const amp = raw.indexOf('&', i);
      if (amp < 0) {
        out += raw.slice(i);
        break;
      }
      out += raw.slice(i, amp);
      const semi = raw.indexOf(';', amp);
      if (semi < 0 || semi - amp > 12) fail('unterminated entity');
      const ent = raw.slice(amp + 1, semi);
      if (ent === 'lt') out += '<';
      else if (ent === 'gt') out += '>';
      else if (ent === 'amp') out += '&';
      else if (ent === 'quot') out += '"';
      else if (ent === 'apos') out += "'";
      else if (ent.startsWith('#x') || ent.startsWith('#X')) out += codePoint(ent.slice(2), 16);
      else if (ent.startsWith('#')) out += codePoint(ent.slice(1), 10);
      else fail(`unknown entity &${ent};`);
      i = semi + 1;
    }
    return out;
  };

  const codePoint = (digits: string, radix: number): string => {
    if (digits.length === 0 || !(radix === 16 ? HEX_DIGITS : DEC_DIGITS).test(digits))
      fail('bad character reference');
    const cp = parseInt(digits, radix);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail('bad character reference');
    return String.fromCodePoint(cp);
  };

  const addText = (text: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.text += text;
    else if (text.trim() !== '') fail('text outside the root element');
  };

  while (pos < src.length) {
    const lt = src.indexOf('<', pos);
    if (lt < 0) {
      addText(decodeText(src.slice(pos)));
      pos = src.length;
      break;
    }
    if (lt > pos) addText(decodeText(src.slice(pos, lt)));
    pos = lt;
    if (src.startsWith('<?', pos)) {
      const end = src.indexOf('?>', pos + 2);
      if (end < 0) fail('unterminated processing instruction');
      pos = end + 2;
    } else if (src.startsWith('<!--', pos)) {
      const end = src.indexOf('-->', pos + 4);
      if (end < 0) fail('unterminated comment');
      pos = end + 3;
    } else if (src.startsWith('<![CDATA[', pos)) {
      const end = src.indexOf(']]>', pos + 9);
      if (end < 0) fail('unterminated CDATA');
      if (stack.length === 0) fail('CDATA outside the root element');
      addText(src.slice(pos + 9, end));
      pos = end + 3;
    } else if (src.startsWith('<!', pos)) {
      fail('DTDs are not accepted');
    } else if (src.startsWith('</', pos)) {
      pos += 2;
      const name = readName();
      skipSpace();
      if (src[pos] !== '>') fail('expected >');
      pos++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`mismatched </${name}>`);
    } else {
      pos++;
      const name = readName();
      // Attributes are accepted (xmlns and the like) and ignored.
      for (;;) {
        skipSpace();
        const c = src[pos];
        if (c === undefined) fail('unterminated tag');
        if (c === '>' || c === '/') break;
        readName();
        skipSpace();
        if (src[pos] !== '=') fail('expected =');
        pos++;
        skipSpace();
        const quote = src[pos];
        if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
        const end = src.indexOf(quote as string, pos + 1);
        if (end < 0) fail('unterminated attribute value');
        pos = end + 1;
      }
      const element: XmlElement = { name, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail('more than one root element');
      else root = element;
      if (src[pos] === '/') {
        if (src[pos + 1] !== '>') fail('expected />');
        pos += 2;
      } else {
        pos++;
        stack.push(element);
      }
    }
  }
  if (stack.length > 0) fail('unclosed element');
  if (!root) fail('no root element');
  return root as XmlElement;
}

export function childElement(parent: XmlElement, name: string): XmlElement | undefined {
  for (const c of parent.children) if (c.name === name) return c;
  return undefined;
}

export function childElements(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((c) => c.name === name);
}

/** Text of the first child called `name`, or undefined when there is no such child. */
export function childText(parent: XmlElement, name: string): string | undefined {
  return childElement(parent, name)?.text;
}
