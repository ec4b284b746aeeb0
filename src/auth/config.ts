import { z } from 'zod';
import { ROLES } from './types';

/**
 * OIDC settings, at `auth.oidc` in the main configuration (optional: absent means API tokens
 * only). Exactly one key source: `jwksUrl` (fetched and cached with jose's createRemoteJWKSet) or a
 * static `jwks`.
 */

/** Asymmetric JWS algorithms only: a shared-secret (HS*) or `none` token is never accepted. */
export const OIDC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or http to a loopback address (a local identity provider in development and tests). */
function isSafeUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/** A dotted path into the token's claims, e.g. `roles` or `realm_access.roles`. */
const claimPath = z
  .string()
  .regex(
    /^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$/,
    'a claim name or a dotted path such as realm_access.roles',
  );

const JwkSchema = z.looseObject({ kty: z.string().min(1) });

export const OidcConfigSchema = z
  .object({
    /** Expected `iss`, exactly as the identity provider writes it. */
    issuer: z.url(),
    /** Expected `aud` (one of these must be in the token). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** The provider's JWKS endpoint. */
    jwksUrl: z.url().optional(),
    /** A static JWKS, for providers without a JWKS endpoint or for pinned keys. */
    jwks: z.object({ keys: z.array(JwkSchema).min(1) }).optional(),
    /** Claim holding the roles: a string or an array of strings. */
    rolesClaim: claimPath.default('roles'),
    /**
     * Provider role name -> strongroom role. Default: the strongroom role names themselves
     * (ingest, reader, compliance, auditor, admin). Provider roles not in the map are ignored.
     */
    roleMapping: z.record(z.string().min(1), z.enum(ROLES)).optional(),
    /** Claim holding the user's unique, stable id at the provider. */
    idClaim: claimPath.default('sub'),
    /** Claims tried in order for the display name; the id is used when none is present. */
    nameClaims: z.array(claimPath).min(1).default(['preferred_username', 'email']),
    /** Allowed clock skew for exp/nbf/iat, seconds. */
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    algorithms: z
      .array(z.enum(OIDC_ALGORITHMS))
      .min(1)
      .default([...OIDC_ALGORITHMS]),
    /** JWKS fetch timeout, milliseconds. */
    jwksTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
    /** Keys fetched from jwksUrl are refetched after this long, milliseconds. */
    jwksCacheMaxAgeMs: z.number().int().min(0).default(600_000),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if ((cfg.jwksUrl === undefined) === (cfg.jwks === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: 'give exactly one of jwksUrl and jwks' });
    }
    if (cfg.jwksUrl !== undefined && !isSafeUrl(cfg.jwksUrl)) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwksUrl'],
        message: 'must be https (http only to a loopback address)',
      });
    }
    if (!isSafeUrl(cfg.issuer)) {
      ctx.addIssue({
        code: 'custom',
        path: ['issuer'],
        message: 'must be https (http only to a loopback address)',
      });
    }
    if (cfg.jwks?.keys.some((k) => k.kty === 'oct')) {
      ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'symmetric (oct) keys are not accepted' });
    }
    if (cfg.jwks?.keys.some((k) => 'd' in k)) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwks'],
        message: 'contains a private key: give public keys only',
      });
    }
  });

export type OidcConfigInput = z.input<typeof OidcConfigSchema>;
export type OidcConfig = z.output<typeof OidcConfigSchema>;

/** Environment variables for the OIDC settings (for the main configuration's ENV_VARS). */
export const OIDC_ENV_VARS: Record<string, { path: string[]; type: 'string' | 'number' }> = {
  STRONGROOM_OIDC_ISSUER: { path: ['auth', 'oidc', 'issuer'], type: 'string' },
  STRONGROOM_OIDC_AUDIENCE: { path: ['auth', 'oidc', 'audience'], type: 'string' },
  STRONGROOM_OIDC_JWKS_URL: { path: ['auth', 'oidc', 'jwksUrl'], type: 'string' },
  STRONGROOM_OIDC_ROLES_CLAIM: { path: ['auth', 'oidc', 'rolesClaim'], type: 'string' },
  STRONGROOM_OIDC_ID_CLAIM: { path: ['auth', 'oidc', 'idClaim'], type: 'string' },
};
