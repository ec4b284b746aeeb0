import OSS from 'ali-oss';

/**
 * The ali-oss client as the adapter uses it: the class's typings, with the methods that
 * @types/ali-oss lacks or types wrongly replaced by OSS.ClientExtensions (src/types/ali-oss.d.ts,
 * written from the ali-oss 6.23 source).
 */
export type OssClient = Omit<OSS, keyof OSS.ClientExtensions> & OSS.ClientExtensions;

export type OssClientOptions = OSS.Options;

export function createOssClient(options: OSS.Options): OssClient {
  // The double assertion is the one place the corrected typings meet the class: the runtime object
  // has every method of OSS.ClientExtensions (see lib/client.js, lib/object.js, lib/bucket.js).
  return new OSS(options) as unknown as OssClient;
}
