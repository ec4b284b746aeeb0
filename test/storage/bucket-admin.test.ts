/**
 * Bucket administration of the adapter (src/storage/bucket-admin.ts) against a scripted OSS:
 * copy and delete, retention policies (WORM), access logging, buckets.
 */
import {
  ImmutableError,
  NotFoundError,
  RetentionPolicyError,
  UnavailableError,
  ValidationError,
} from '../../src/errors';
import { storeWith } from './helpers/adapter';
import { ok, ossError, reset, xml, type SeenRequest } from './helpers/scripted-oss';

describe('copy and delete', () => {
  it('copy is server-side and create-only', async () => {
    const { store, requests } = await storeWith((_req, res) =>
      xml(
        res,
        '<CopyObjectResult><ETag>"C1"</ETag><LastModified>2026-03-03T10:00:00.000Z</LastModified></CopyObjectResult>',
      ),
    );
    const r = await store.copy(
      { bucket: 'records-7y', key: 'a/b c.json' },
      { bucket: 'exports-x', key: 'bag/data/b c.json' },
    );
    expect(r).toEqual({ etag: 'C1' });
    const req = requests[0] as SeenRequest;
    expect(req.method).toBe('PUT');
    expect(req.path).toBe('/exports-x/bag/data/b c.json');
    expect(req.headers['x-oss-copy-source']).toBe('/records-7y/a%2Fb%20c.json');
    expect(req.headers['x-oss-forbid-overwrite']).toBe('true');
    expect(Object.keys(req.headers).filter((h) => h.startsWith('x-oss-copy-source-'))).toEqual([]);
  });

  it('delete of a protected object is Immutable', async () => {
    const { store } = await storeWith((_req, res) => ossError(res, 409, 'FileImmutable'));
    await expect(store.delete('records-7y', 'k')).rejects.toThrow(ImmutableError);
  });
});

describe('retention policy', () => {
  it('getRetention parses the policy and is null without one', async () => {
    let none = false;
    const { store, requests } = await storeWith((_req, res) =>
      none
        ? ossError(res, 404, 'NoSuchWORMConfiguration')
        : xml(
            res,
            '<WormConfiguration><WormId>W1</WormId><State>Locked</State><RetentionPeriodInDays>2557</RetentionPeriodInDays><CreationDate>2026-03-03T10:00:00</CreationDate></WormConfiguration>',
          ),
    );
    expect(await store.getRetention('records-7y')).toEqual({
      wormId: 'W1',
      state: 'Locked',
      days: 2557,
      createdAt: new Date('2026-03-03T10:00:00Z'),
    });
    expect(requests[0]?.path).toBe('/records-7y/');
    expect(requests[0]?.query.has('worm')).toBe(true);
    none = true;
    expect(await store.getRetention('records-7y')).toBeNull();
  });

  it('getRetention on a missing bucket is NotFound, not null', async () => {
    const { store } = await storeWith((_req, res) => ossError(res, 404, 'NoSuchBucket'));
    await expect(store.getRetention('records-7y')).rejects.toThrow(NotFoundError);
  });

  it('completeRetention and abortRetention check the status ali-oss does not', async () => {
    let code = 'InvalidWORMConfiguration';
    let status = 400;
    const { store } = await storeWith((_req, res) => ossError(res, status, code));
    await expect(store.completeRetention('records-7y', 'W1')).rejects.toThrow(RetentionPolicyError);
    code = 'WORMConfigurationLocked';
    status = 403;
    await expect(store.abortRetention('records-7y')).rejects.toThrow(RetentionPolicyError);
    code = 'InternalError';
    status = 500;
    await expect(store.completeRetention('records-7y', 'W1')).rejects.toThrow(UnavailableError);
  });

  it('initiate returns the worm id; days out of range are refused before asking', async () => {
    const { store, requests } = await storeWith((_req, res) => ok(res, { 'x-oss-worm-id': 'W9' }));
    expect(await store.initiateRetention('records-7y', 30)).toEqual({ wormId: 'W9' });
    expect(requests[0]?.body.toString()).toContain('<RetentionPeriodInDays>30</RetentionPeriodInDays>');
    await expect(store.initiateRetention('records-7y', 0)).rejects.toThrow(ValidationError);
    await expect(store.initiateRetention('records-7y', 25551)).rejects.toThrow(ValidationError);
    expect(requests).toHaveLength(1);
  });

  it('an abort whose answer was lost counts as done when the policy is gone', async () => {
    let n = 0;
    const { store } = await storeWith((_req, res) => {
      n++;
      if (n === 1) return reset(res);
      ossError(res, 404, 'NoSuchWORMConfiguration');
    });
    await expect(store.abortRetention('records-7y')).resolves.toBeUndefined();
  });
});

describe('logging', () => {
  it('putLogging names another target bucket; getLogging reads it back', async () => {
    let stored = '';
    const { store, requests } = await storeWith((req, res) => {
      if (req.method === 'PUT') {
        stored = req.body.toString();
        return ok(res);
      }
      xml(res, stored ? stored.replace(/^<\?xml[^>]*>\n?/, '') : '<BucketLoggingStatus/>');
    });
    expect(await store.getLogging('records-7y')).toBeNull();
    await store.putLogging('records-7y', { targetBucket: 'strongroom-logs', targetPrefix: 'access-log/' });
    expect(requests[1]?.query.has('logging')).toBe(true);
    expect(stored).toContain('<TargetBucket>strongroom-logs</TargetBucket>');
    expect(await store.getLogging('records-7y')).toEqual({
      targetBucket: 'strongroom-logs',
      targetPrefix: 'access-log/',
    });
  });
});

describe('buckets', () => {
  it('bucketInfo is null for a missing bucket', async () => {
    let exists = false;
    const { store } = await storeWith((_req, res) =>
      exists
        ? xml(
            res,
            '<BucketInfo><Bucket><Name>records-7y</Name><CreationDate>2026-03-03T10:00:00.000Z</CreationDate><Location>oss-cn-hongkong</Location></Bucket></BucketInfo>',
          )
        : ossError(res, 404, 'NoSuchBucket'),
    );
    expect(await store.bucketInfo('records-7y')).toBeNull();
    exists = true;
    expect(await store.bucketInfo('records-7y')).toEqual({
      name: 'records-7y',
      createdAt: new Date('2026-03-03T10:00:00Z'),
      region: 'oss-cn-hongkong',
    });
  });

  it('listBuckets walks markers', async () => {
    const { store, requests } = await storeWith((req, res) => {
      const marker = req.query.get('marker');
      const bucket = (name: string): string =>
        `<Bucket><Name>${name}</Name><CreationDate>2026-03-03T10:00:00.000Z</CreationDate><Location>oss-cn-hongkong</Location></Bucket>`;
      xml(
        res,
        marker
          ? `<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><Buckets>${bucket('b-two')}</Buckets></ListAllMyBucketsResult>`
          : `<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><IsTruncated>true</IsTruncated><NextMarker>b-one</NextMarker><Buckets>${bucket('b-one')}</Buckets></ListAllMyBucketsResult>`,
      );
    });
    expect((await store.listBuckets()).map((b) => b.name)).toEqual(['b-one', 'b-two']);
    expect(requests[1]?.query.get('marker')).toBe('b-one');
  });

  it('invalid names are refused before any request', async () => {
    const { store, requests } = await storeWith((_req, res) => ok(res));
    await expect(store.createBucket('Bad_Name')).rejects.toThrow(ValidationError);
    await expect(store.putBuffer('ok-bucket', '/leading', Buffer.from('x'))).rejects.toThrow(ValidationError);
    await expect(
      store.putBuffer('ok-bucket', 'k', Buffer.from('x'), { meta: { 'Bad Key': 'v' } }),
    ).rejects.toThrow(ValidationError);
    expect(requests).toHaveLength(0);
  });
});
