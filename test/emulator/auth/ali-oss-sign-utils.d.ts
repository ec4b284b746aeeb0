/** The part of ali-oss's own signing code (lib/common/signUtils.js, untyped) the tests call directly. */
declare module 'ali-oss/lib/common/signUtils' {
  export function buildCanonicalString(
    method: string,
    resourcePath: string,
    request: { headers: Record<string, string>; parameters?: Record<string, string> },
    expires?: string,
  ): string;
  export function computeSignature(accessKeySecret: string, canonicalString: string): string;
}
