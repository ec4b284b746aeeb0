import type { Readable } from 'node:stream';
import {
  AlreadyExistsError,
  NotFoundError,
  PayloadTooLargeError,
  StorageProtocolError,
  ValidationError,
} from '../errors';
import { runOrdered } from '../util/ordered';
import { PartwiseDigests, type Digests } from './checksums';
import type { OssClient } from './client';
import type { OssConnection } from './connection';
import { ossCodeOf, storageError, type StorageErrorContext } from './errors';
import { CRC_HEADER, header, requestIdOf, unquoteEtag, verifyCrc } from './headers';
import { OSS_LIMITS } from './limits';
import type { ObjectInfo, PutStreamOptions } from './types';

/** What a multipart upload needs from the rest of the object store. */
export interface MultipartHost {
  head(bucket: string, key: string): Promise<ObjectInfo>;
  /**
   * The key turned out taken (at initiation, at completion, or after a completion whose answer was
   * lost): the adoption rule decides, given the digests of everything sent. The object found when
   * it is the one being written, else why not.
   */
  adoption(
    bucket: string,
    key: string,
    sent: Digests,
    options: PutStreamOptions,
  ): Promise<ObjectInfo | string>;
  /** The error of a key taken by another object. */
  refusal(bucket: string, key: string, why: string, cause: unknown): AlreadyExistsError;
}

export interface MultipartOutcome {
  digests: Digests;
  etag: string;
  /** The Last-Modified of an object found under the key and adopted. */
  adoptedFrom?: Date;
}

interface PartSent {
  n: number;
  part: Buffer;
  sums: { md5: string; crc64: string };
}

type PartResult = { n: number; etag: string } | { n: number; err: unknown };

/**
 * The multipart engine of putStream: InitiateMultipartUpload (create-only), the parts with their
 * own Content-MD5 and at most `partConcurrency` in flight (src/util/ordered.ts), the object's
 * CRC-64 folded from the parts' and checked at completion (create-only too). A stream cannot be
 * replayed, so each call is retried on its own, never the whole stream. Any failure aborts the
 * upload and destroys the source.
 */
export class MultipartUpload {
  constructor(
    private readonly conn: OssConnection,
    private readonly host: MultipartHost,
  ) {}

  async put(
    bucket: string,
    key: string,
    head: Buffer[],
    rest: AsyncGenerator<Buffer, void, undefined>,
    partSize: number,
    source: Readable,
    options: PutStreamOptions,
    headers: Record<string, string>,
  ): Promise<MultipartOutcome> {
    const client = this.conn.clientFor(bucket);
    const ctx = (operation: string): StorageErrorContext => ({ operation, bucket, key });
    const digests = new PartwiseDigests();
    let uploadId: string;
    try {
      const init = await this.conn.run(ctx('InitiateMultipartUpload'), () =>
        client.initMultipartUpload(key, {
          headers: { ...headers },
          ...(options.meta ? { meta: { ...options.meta } } : {}),
          ...(options.contentType ? { mime: options.contentType } : {}),
          timeout: this.conn.timeout,
        }),
      );
      uploadId = init.uploadId;
      if (typeof uploadId !== 'string' || uploadId === '')
        throw storageError(StorageProtocolError, ctx('InitiateMultipartUpload'), 'OSS returned no UploadId');
    } catch (err) {
      if (err instanceof AlreadyExistsError && options.adopt) {
        // Taken before a byte went up: read the rest through (storing nothing) and let the rule decide.
        try {
          for await (const part of chainParts(head, rest)) digests.addPart(part);
        } finally {
          source.destroy();
        }
        return this.adopted(bucket, key, digests.digest(), options, err);
      }
      await rest.return(undefined);
      source.destroy();
      throw err;
    }

    const etags: string[] = [];
    let sent: Digests | undefined;
    const decision = { made: false };
    try {
      await this.uploadParts(client, bucket, key, uploadId, head, rest, digests, etags, partSize, {
        ...(options.onPartUploaded ? { uploaded: options.onPartUploaded } : {}),
      });
      sent = digests.digest();
      checkDeclared(options, sent);
      return await this.complete(client, bucket, key, uploadId, etags, sent, options, decision);
    } catch (err) {
      source.destroy();
      await this.abort(client, bucket, key, uploadId);
      // The key was taken while the parts went up (completion refused): the rule decides.
      if (err instanceof AlreadyExistsError && options.adopt && sent && !decision.made)
        return this.adopted(bucket, key, sent, options, err);
      throw err;
    }
  }

  private async adopted(
    bucket: string,
    key: string,
    sent: Digests,
    options: PutStreamOptions,
    cause: unknown,
  ): Promise<MultipartOutcome> {
    checkDeclared(options, sent);
    const found = await this.host.adoption(bucket, key, sent, options);
    if (typeof found === 'string') throw this.host.refusal(bucket, key, found, cause);
    return { digests: sent, etag: found.etag, adoptedFrom: found.lastModified };
  }

  /** Uploads the parts with at most partConcurrency in flight; stops at the first failure. */
  private async uploadParts(
    client: OssClient,
    bucket: string,
    key: string,
    uploadId: string,
    head: Buffer[],
    rest: AsyncGenerator<Buffer, void, undefined>,
    digests: PartwiseDigests,
    etags: string[],
    partSize: number,
    hooks: { uploaded?: (part: Buffer) => void },
  ): Promise<void> {
    async function* numbered(): AsyncGenerator<PartSent, void, undefined> {
      let n = 0;
      for await (const part of chainParts(head, rest)) {
        n++;
        if (n > OSS_LIMITS.maxParts) {
          throw new PayloadTooLargeError(
            `the stream needs more than ${OSS_LIMITS.maxParts} parts of ${partSize} bytes`,
          );
        }
        yield { n, part, sums: digests.addPart(part) };
      }
    }
    let failure: { err: unknown } | undefined;
    let parts = 0;
    await runOrdered<PartSent, PartResult>(numbered(), {
      concurrency: this.conn.partConcurrency,
      window: this.conn.partConcurrency,
      work: ({ n, part, sums }) =>
        this.uploadPart(client, bucket, key, uploadId, n, part, sums).then(
          (etag) => {
            // Every attempt at it has settled: nothing reads the part any more.
            hooks.uploaded?.(part);
            return { n, etag };
          },
          (err: unknown) => {
            // Noted at once (not when its turn to be emitted comes): no further part is read.
            failure ??= { err };
            return { n, err };
          },
        ),
      emit: async (r) => {
        parts = Math.max(parts, r.n);
        if (!('err' in r)) etags[r.n - 1] = r.etag;
      },
      stop: () => failure !== undefined,
    });
    if (failure) throw failure.err;
    if (parts === 0) throw new StorageProtocolError('multipart upload without parts'); // unreachable: empty streams go as one PUT
  }

  private async uploadPart(
    client: OssClient,
    bucket: string,
    key: string,
    uploadId: string,
    partNo: number,
    part: Buffer,
    sums: { md5: string; crc64: string },
  ): Promise<string> {
    const ctx: StorageErrorContext = { operation: 'UploadPart', bucket, key, partNumber: partNo };
    const res = await this.conn.run(ctx, () =>
      client.uploadPart(key, uploadId, partNo, part, 0, part.length, {
        headers: { 'Content-MD5': sums.md5 },
        timeout: this.conn.timeout,
      }),
    );
    const reported = header(res.res.headers, CRC_HEADER);
    // UploadPart answers carry the part's CRC-64 on OSS; check it when present (the object's CRC is checked at completion anyway).
    if (reported !== undefined) verifyCrc(sums.crc64, reported, ctx, requestIdOf(res.res.headers));
    if (!res.etag) throw storageError(StorageProtocolError, ctx, 'OSS returned no ETag for the part');
    return res.etag;
  }

  private async complete(
    client: OssClient,
    bucket: string,
    key: string,
    uploadId: string,
    etags: string[],
    digests: Digests,
    options: PutStreamOptions,
    decision: { made: boolean },
  ): Promise<MultipartOutcome> {
    const ctx: StorageErrorContext = { operation: 'CompleteMultipartUpload', bucket, key };
    const parts = etags.map((etag, i) => ({ number: i + 1, etag }));
    type Outcome = {
      reported: string | undefined;
      etag: string;
      requestId: string | undefined;
      adoptedFrom?: Date;
    };
    const outcome = await this.conn.run<Outcome>(
      ctx,
      async () => {
        const res = await client.completeMultipartUpload(key, uploadId, parts, {
          headers: { 'x-oss-forbid-overwrite': 'true' },
          timeout: this.conn.timeout,
        });
        const h = res.res.headers;
        return {
          reported: header(h, CRC_HEADER),
          etag: unquoteEtag(res.etag ?? header(h, 'etag')),
          requestId: requestIdOf(h),
        };
      },
      async (err) => {
        // A completion whose answer was lost: a retry finds the upload gone or the key taken.
        const lost =
          err instanceof AlreadyExistsError ||
          (err instanceof NotFoundError && ossCodeOf(err) === 'NoSuchUpload');
        if (!lost) return undefined;
        // Decided here, once: when the object is not ours, the error goes to the caller as it is.
        decision.made = true;
        const found = await this.host.adoption(bucket, key, digests, options);
        if (typeof found === 'string') {
          if (options.adopt) throw this.host.refusal(bucket, key, found, err);
          return undefined;
        }
        return {
          reported: found.crc64,
          etag: found.etag,
          requestId: undefined,
          adoptedFrom: found.lastModified,
        };
      },
    );
    let reported = outcome.reported;
    let etag = outcome.etag;
    if (reported === undefined) {
      // Not every answer carries the CRC; the stored object's HEAD does.
      const info = await this.host.head(bucket, key);
      reported = info.crc64;
      etag ||= info.etag;
    }
    verifyCrc(digests.crc64, reported, ctx, outcome.requestId);
    return { digests, etag, ...(outcome.adoptedFrom ? { adoptedFrom: outcome.adoptedFrom } : {}) };
  }

  private async abort(client: OssClient, bucket: string, key: string, uploadId: string): Promise<void> {
    const ctx: StorageErrorContext = { operation: 'AbortMultipartUpload', bucket, key };
    try {
      await this.conn.run(ctx, () =>
        client.abortMultipartUpload(key, uploadId, { timeout: this.conn.timeout }),
      );
    } catch (err) {
      if (err instanceof NotFoundError) return;
      // The upload stays until a lifecycle rule removes it; the original failure matters more.
      this.conn.logger.warn(
        { ...ctx, uploadId, ossCode: ossCodeOf(err) },
        'could not abort multipart upload',
      );
    }
  }
}

/** The parts already read (`head`, emptied as they are taken), then the rest of the stream's. */
async function* chainParts(
  head: Buffer[],
  rest: AsyncGenerator<Buffer, void, undefined>,
): AsyncGenerator<Buffer, void, undefined> {
  while (head.length > 0) yield head.shift() as Buffer;
  yield* rest;
}

/** A declared size or SHA-256 the stream did not have: nothing was stored. */
export function checkDeclared(options: PutStreamOptions, actual: Digests): void {
  if (options.size !== undefined && options.size !== actual.size) {
    throw new ValidationError(
      `the stream delivered ${actual.size} bytes, not the declared ${options.size}: nothing was stored`,
    );
  }
  const declared = options.expectedSha256;
  if (declared !== undefined && declared.toLowerCase() !== actual.sha256) {
    throw new ValidationError(
      `the stream's SHA-256 is ${actual.sha256}, not the declared ${declared}: nothing was stored`,
      { details: { received: actual.sha256, declared } },
    );
  }
}
