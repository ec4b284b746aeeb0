import type { Handler } from '../context';
import { OssError, ossErrors } from '../errors';
import { assertDeletable, releaseFile } from '../objects';
import { checkObjectKey } from '../request';
import { sendXml } from '../response';
import { childElements, childText, el } from '../xml';
import { encodeKey, nowMs, requireBucket, urlEncoding } from './common';
import { readXmlBody } from './xml-body';

const MAX_KEYS = 1000;

interface Outcome {
  key: string;
  error: OssError | null;
}

/**
 * POST /bucket?delete (DeleteMultipleObjects). Missing keys count as deleted (as OSS does);
 * a protected object is not deleted and gets its own <Error> entry (reported in quiet mode too).
 */
export const deleteMultipleObjects: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const encode = urlEncoding(ctx);
  const doc = await readXmlBody(ctx, 'Delete');
  if (!doc) throw ossErrors.malformedXml();
  const quiet = (childText(doc, 'Quiet') ?? 'false').trim().toLowerCase() === 'true';
  const objects = childElements(doc, 'Object');
  if (objects.length === 0 || objects.length > MAX_KEYS) throw ossErrors.malformedXml();
  const keys = objects.map((o) => {
    const key = childText(o, 'Key');
    if (key === undefined) throw ossErrors.malformedXml();
    return key;
  });
  env.access.authorizeKeys(ctx, env, 'oss:DeleteObject', keys);
  const outcomes = await env.writes.run((tx) => {
    const bucket = requireBucket(env, ctx.bucket);
    const now = nowMs(env);
    return keys.map((key): Outcome => {
      try {
        const bytes = checkObjectKey(key);
        const row = env.index.getObject(ctx.bucket, bytes);
        if (row) {
          assertDeletable(bucket, row, now);
          env.index.deleteObject(tx, row, releaseFile(env));
        }
        return { key, error: null };
      } catch (err) {
        if (err instanceof OssError) return { key, error: err };
        throw err;
      }
    });
  });
  let xml = '<DeleteResult>';
  if (encode) xml += el('EncodingType', 'url');
  for (const o of outcomes) {
    const key = el('Key', encodeKey(o.key, encode));
    if (o.error) xml += `<Error>${key}${el('Code', o.error.code)}${el('Message', o.error.message)}</Error>`;
    else if (!quiet) xml += `<Deleted>${key}</Deleted>`;
  }
  sendXml(ctx, 200, xml + '</DeleteResult>');
};
