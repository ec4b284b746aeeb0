import type { Handler } from '../context';
import { ossErrors } from '../errors';
import { sendEmpty, sendXml } from '../response';
import { childElement, childElements, childText, el } from '../xml';
import { decodeTags, encodeTags } from './attributes';
import { requireBucket } from './common';
import { readXmlBody } from './xml-body';

/** PUT /bucket/key?tagging: replaces the object's tag set. */
export const putObjectTagging: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const doc = await readXmlBody(ctx, 'Tagging');
  const set = doc ? childElement(doc, 'TagSet') : undefined;
  if (!set) throw ossErrors.malformedXml();
  const tags: Array<[string, string]> = childElements(set, 'Tag').map((t) => {
    const k = childText(t, 'Key');
    if (k === undefined) throw ossErrors.malformedXml();
    return [k, childText(t, 'Value') ?? ''];
  });
  const encoded = encodeTags(tags);
  await env.writes.run(() => {
    requireBucket(env, ctx.bucket);
    const row = env.index.getObject(ctx.bucket, ctx.keyBytes);
    if (!row) throw ossErrors.noSuchKey(ctx.key);
    env.index.setTags(row.id, encoded);
  });
  sendEmpty(ctx, 200);
};

/** GET /bucket/key?tagging */
export const getObjectTagging: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  const row = env.index.getObject(ctx.bucket, ctx.keyBytes);
  if (!row) throw ossErrors.noSuchKey(ctx.key);
  const tags = decodeTags(row.tags)
    .map(([k, v]) => `<Tag>${el('Key', k)}${el('Value', v)}</Tag>`)
    .join('');
  sendXml(ctx, 200, `<Tagging><TagSet>${tags}</TagSet></Tagging>`);
};

/** DELETE /bucket/key?tagging */
export const deleteObjectTagging: Handler = async (ctx, env) => {
  requireBucket(env, ctx.bucket);
  await env.writes.run(() => {
    requireBucket(env, ctx.bucket);
    const row = env.index.getObject(ctx.bucket, ctx.keyBytes);
    if (!row) throw ossErrors.noSuchKey(ctx.key);
    env.index.setTags(row.id, null);
  });
  sendEmpty(ctx, 204);
};
