/**
 * What @types/ali-oss 6.23.3 lacks or gets wrong, checked against the ali-oss 6.23.0 source
 * (node_modules/ali-oss/lib). Only src/storage uses these; nothing else imports ali-oss.
 */
import 'ali-oss';

declare module 'ali-oss' {
  // @types/ali-oss is `export = OSS` with a class and a namespace of the same name: declarations
  // here merge into the namespace. The class's instance type cannot be augmented from outside its
  // file, so the missing and mistyped methods are described by `ClientExtensions`, and
  // src/storage/client.ts types the client as the class with those methods replaced.

  interface Options {
    /** Path-style requests (`/bucket/key` on the endpoint host). Needed for `localhost` endpoints. */
    sldEnable?: boolean | undefined;
    /** ali-oss's own retry count for network errors (status -1/-2) of non-stream requests; default 0. */
    retryMax?: number | undefined;
    /** Ignored unless `refreshSTSToken` is a function; given only to silence ali-oss's console warning. */
    refreshSTSTokenInterval?: number;
  }

  /** Response headers as urllib (Node's http) gives them: lower-case names. */
  type ResponseHeaders = Record<string, string | string[] | undefined>;

  /**
   * The `res` object urllib 2 builds for every answer (lib/urllib.js createCallbackResponse);
   * ali-oss hands it back as `result.res`.
   */
  interface ResponseInfo {
    status: number;
    statusCode?: number;
    statusMessage?: string;
    headers: ResponseHeaders;
    size: number;
    rt: number;
    /** The body when it was buffered (e.g. error bodies of completeBucketWorm/abortBucketWorm). */
    data?: Buffer | null;
    requestUrls?: string[];
  }

  /** What `client.request()` resolves to: urllib's `{ data, status, headers, res }`. */
  interface RawResponse<T = Buffer> {
    status: number;
    headers: ResponseHeaders;
    /** Buffer, or parsed XML (xml2js, explicitArray: false) when `xmlResponse` was set. */
    data: T;
    res: ResponseInfo;
  }

  /**
   * The error ali-oss throws (lib/client.js requestError): OSS error XML fields for answered
   * requests; for network failures `status` is -1 (net) or -2 (timeout) and `code` is urllib's
   * error name; ResponseTimeoutError carries no status.
   */
  interface RequestError extends Error {
    code?: string;
    status?: number;
    requestId?: string;
    ecCode?: string;
    hostId?: string;
  }

  /** Parameters of `client.request()` (lib/client.js, lib/common/utils/createRequest.js). */
  interface RequestParams {
    method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
    bucket?: string;
    object?: string;
    /** Signed sub-resources: a name, names, or name -> value ('' for a bare name). */
    subres?: string | string[] | Record<string, string | number>;
    /** Unsigned query parameters. */
    query?: Record<string, string | number>;
    headers?: Record<string, string | number>;
    /** A key extension or a full MIME type; ali-oss guesses Content-Type from it or the key. */
    mime?: string;
    /** The body; ali-oss adds Content-MD5 for it unless `headers['Content-MD5']` is given. */
    content?: Buffer | string;
    /** Statuses that resolve; any other status rejects with a RequestError. Absent: nothing rejects. */
    successStatuses?: number[];
    /** Parse the body as XML into `data`. */
    xmlResponse?: boolean;
    timeout?: number;
  }

  interface PutBucketParams {
    acl?: ACLType;
    dataRedundancyType?: RedundancyType;
    storageClass?: StorageType;
    timeout?: number;
    headers?: Record<string, string>;
  }

  /** listBuckets' real result (lib/bucket.js); the typings say `Bucket[]`. */
  interface ListBucketsResult {
    buckets: Array<{ name: string; region: string; creationDate: string; storageClass?: string }> | null;
    owner: { id: string; displayName: string };
    isTruncated: boolean;
    nextMarker: string | null;
    res: ResponseInfo;
  }

  /** GetBucketInfo's `<Bucket>` element as xml2js parses it. */
  interface BucketInfoXml {
    Name?: string;
    CreationDate?: string;
    Location?: string;
    [element: string]: unknown;
  }

  /** lib/common/bucket/initiateBucketWorm.ts: 200 with header x-oss-worm-id. */
  interface InitiateBucketWormResult {
    wormId: string | undefined;
    status: number;
    res: ResponseInfo;
  }

  /** completeBucketWorm / extendBucketWorm / abortBucketWorm. */
  interface BucketWormStatusResult {
    status: number;
    res: ResponseInfo;
  }

  /**
   * lib/common/bucket/getBucketWorm.ts: `<WormConfiguration>` children with the first letter
   * lower-cased and RetentionPeriodInDays renamed `days`; all values are strings.
   */
  interface GetBucketWormResult {
    wormId?: string;
    state?: string;
    days?: string;
    creationDate?: string;
    expirationDate?: string;
    status: number;
    res: ResponseInfo;
  }

  /** signatureUrl options ali-oss reads (lib/common/signUtils.js _signatureForURL). */
  interface SignatureUrlV1Options {
    expires?: number;
    method?: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
    'Content-Type'?: string;
    response?: Record<string, string>;
    subResource?: Record<string, string>;
    /** `x-oss-*` keys become signed headers the user of the URL must send. */
    [xOssHeader: `x-oss-${string}`]: string;
  }

  /** The XML of GetBucketLogging as xml2js parses it. */
  interface BucketLoggingStatusXml {
    LoggingEnabled?: { TargetBucket?: string; TargetPrefix?: string } | '';
  }

  /** Per-call options the object methods pass through to the request. */
  interface CallOptions {
    timeout?: number;
    headers?: Record<string, string>;
  }

  interface PutParams extends CallOptions {
    /** A MIME type, or an extension to guess one from; absent: guessed from the key. */
    mime?: string;
    /** Sent as x-oss-meta-<key>. */
    meta?: Record<string, string>;
  }

  /** lib/object.js put(): `res` carries the answer's headers (x-oss-hash-crc64ecma, etag). */
  interface PutResultRaw {
    name: string;
    url: string;
    res: ResponseInfo;
  }

  /** lib/common/object/head.js: `meta` rebuilt from x-oss-meta-*, null when there is none. */
  interface HeadResultRaw {
    meta: Record<string, string> | null;
    status: number;
    res: ResponseInfo;
  }

  /** lib/object.js getStream(): the live HTTP response and its status and headers. */
  interface GetStreamResultRaw {
    stream: import('node:http').IncomingMessage;
    res: { status: number; headers: ResponseHeaders };
  }

  /** lib/common/object/get.js with no target file: the body buffered. */
  interface GetResultRaw {
    content: Buffer;
    res: ResponseInfo;
  }

  /** lib/object.js listV2(): one page. */
  interface ListV2ResultRaw {
    objects: Array<{
      name: string;
      lastModified: string;
      etag: string;
      size: number;
      type?: string;
      storageClass?: string;
    }>;
    prefixes: string[] | null;
    isTruncated: boolean;
    keyCount: number;
    continuationToken: string | null;
    nextContinuationToken: string | null;
    res: ResponseInfo;
  }

  interface ListV2Params {
    prefix?: string;
    'max-keys'?: number;
    'start-after'?: string;
    'continuation-token'?: string;
    delimiter?: string;
  }

  interface InitMultipartResultRaw {
    uploadId: string;
    bucket: string;
    name: string;
    res: ResponseInfo;
  }

  interface UploadPartResultRaw {
    name: string;
    etag: string;
    res: ResponseInfo;
  }

  interface CompleteMultipartResultRaw {
    bucket: string;
    name: string;
    etag: string | undefined;
    res: ResponseInfo;
  }

  /** Methods ali-oss 6.23 has that @types/ali-oss lacks or types wrongly. */
  interface ClientExtensions {
    /** The normalised options (lib/common/client/initOptions.js). */
    options: Omit<Options, 'endpoint'> & { endpoint: { hostname: string; host: string; protocol: string } };

    /** lib/client.js: sends a signed request; rejects with RequestError unless status is in successStatuses. */
    request<T = Buffer>(params: RequestParams): Promise<RawResponse<T>>;
    /** lib/client.js: builds the RequestError for an answer (reads the error XML or the x-oss-err header). */
    requestError(result: {
      status: number;
      headers: ResponseHeaders;
      data?: Buffer | null;
    }): Promise<RequestError>;

    put(name: string, file: Buffer, options?: PutParams): Promise<PutResultRaw>;
    head(name: string, options?: CallOptions): Promise<HeadResultRaw>;
    getStream(name: string, options?: CallOptions): Promise<GetStreamResultRaw>;
    /** get(name, options): the second argument is taken as options when it is a plain object. */
    get(name: string, options?: CallOptions): Promise<GetResultRaw>;
    delete(name: string, options?: CallOptions): Promise<{ res: ResponseInfo }>;
    listV2(query: ListV2Params, options?: CallOptions): Promise<ListV2ResultRaw>;
    initMultipartUpload(name: string, options?: PutParams): Promise<InitMultipartResultRaw>;
    /** With a Buffer, sends bytes [start, end) as a stream: no Content-MD5 unless given in headers. */
    uploadPart(
      name: string,
      uploadId: string,
      partNo: number,
      file: Buffer,
      start: number,
      end: number,
      options?: CallOptions,
    ): Promise<UploadPartResultRaw>;
    completeMultipartUpload(
      name: string,
      uploadId: string,
      parts: Array<{ number: number; etag: string }>,
      options?: CallOptions,
    ): Promise<CompleteMultipartResultRaw>;
    /** Also sets the client's cancel flag (used only by the managed multipartUpload, which the adapter does not use). */
    abortMultipartUpload(
      name: string,
      uploadId: string,
      options?: CallOptions,
    ): Promise<{ res: ResponseInfo }>;
    deleteBucket(name: string, options?: RequestOptions): Promise<{ res: ResponseInfo }>;

    putBucket(name: string, options?: PutBucketParams): Promise<{ bucket: string | null; res: ResponseInfo }>;
    getBucketInfo(
      name: string,
      options?: RequestOptions,
    ): Promise<{ bucket: BucketInfoXml; res: ResponseInfo }>;
    listBuckets(query: ListBucketsQueryType | null, options?: RequestOptions): Promise<ListBucketsResult>;

    initiateBucketWorm(
      name: string,
      days: string | number,
      options?: RequestOptions,
    ): Promise<InitiateBucketWormResult>;
    /** Resolves whatever the status: check `status`. */
    completeBucketWorm(
      name: string,
      wormId: string,
      options?: RequestOptions,
    ): Promise<BucketWormStatusResult>;
    extendBucketWorm(
      name: string,
      wormId: string,
      days: string | number,
      options?: RequestOptions,
    ): Promise<BucketWormStatusResult>;
    getBucketWorm(name: string, options?: RequestOptions): Promise<GetBucketWormResult>;
    /** Resolves whatever the status: check `status`. */
    abortBucketWorm(name: string, options?: RequestOptions): Promise<BucketWormStatusResult>;

    signatureUrl(name: string, options?: SignatureUrlV1Options, strictObjectNameValidation?: boolean): string;
    signatureUrlV4(
      method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE',
      expires: number,
      request: { headers?: Record<string, string>; queries?: Record<string, string | null> } | undefined,
      objectName?: string,
      additionalHeaders?: string[],
    ): Promise<string>;
  }
}
