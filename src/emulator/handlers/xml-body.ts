import type { RequestContext } from '../context';
import { ossErrors } from '../errors';
import { parseXml, type XmlElement, XmlSyntaxError } from '../xml';
import { checkContentMd5, readSmallBody } from './common';

/** XML request documents are small; OSS caps most of them well below this. */
const MAX_XML_BODY = 8 * 1024 * 1024;

/**
 * Reads and parses an XML request body whose root must be `rootName`. Empty body -> null when
 * `optional`, else MalformedXML. Content-MD5, when sent, is checked.
 */
export async function readXmlBody(
  ctx: RequestContext,
  rootName: string,
  optional = false,
): Promise<XmlElement | null> {
  const body = await readSmallBody(ctx, MAX_XML_BODY);
  checkContentMd5(ctx, body);
  if (body.length === 0 || body.toString('utf8').trim() === '') {
    if (optional) return null;
    throw ossErrors.malformedXml();
  }
  let root: XmlElement;
  try {
    root = parseXml(body.toString('utf8'));
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw ossErrors.malformedXml();
    throw err;
  }
  if (root.name !== rootName) throw ossErrors.malformedXml();
  return root;
}
