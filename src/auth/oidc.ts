import type * as Jose from 'jose' with { 'resolution-mode': 'import' };
import { ForbiddenError, UnauthenticatedError, UnavailableError } from '../errors';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import { OidcConfigSchema, type OidcConfig, type OidcConfigInput } from './config';
import { parseBearer } from './tokens';
import { ROLES, type Authenticator, type Principal, type Role } from './types';

/**
 * jose 6 is published as ES modules only. This package compiles to CommonJS, where TypeScript
 * refuses a static import of an ES module (TS1479), so jose is loaded with a dynamic import (kept as
 * a real `import()` by `module: node16`) once, on first use. The types come from the type-only
 * import above.
 */
type JoseModule = typeof Jose;
let josePromise: Promise<JoseModule> | undefined;
export function loadJose(): Promise<JoseModule> {
  josePromise ??= import('jose');
  return josePromise;
}

type KeyResolver = Parameters<typeof Jose.jwtVerify>[1];

export interface OidcAuthenticatorOptions {
  /** The OIDC settings (validated with OidcConfigSchema here, so raw input is accepted too). */
  config: OidcConfigInput | OidcConfig;
  /** Time used for exp/nbf checks; default the system clock. */
  clock?: Clock;
}

/** A prefix that keeps OIDC principal ids apart from token principals (`usr_`, `sys_`) and from other issuers. */
export function oidcPrincipalId(issuer: string, subject: string): string {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  return `oidc:${url.host}${path}:${subject}`;
}

const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

function cleanString(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length === 0 || value.length > max || CONTROL.test(value)) return undefined;
  return value;
}

/**
 * A claim by name. A name present as a top-level claim wins (`https://example.com/roles` is one claim,
 * as Auth0 writes them); otherwise a dotted name walks nested objects (`realm_access.roles`).
 */
export function readClaim(payload: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, name)) return payload[name];
  let node: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * Authenticates OIDC access tokens (JWTs) from one identity provider: signature (asymmetric
 * algorithms only) against the provider's JWKS, `iss`, `aud`, `exp` (required) and `nbf`, with a small
 * clock tolerance.
 *
 * Roles: the roles claim (a string, space-separated, or an array of strings) is mapped through
 * `roleMapping` (default: strongroom's own role names); roles the archive does not know are ignored.
 * Exactly one recognised role is required. Roles are separate duties, not ranks (an auditor is not
 * "more" than compliance, an admin may not read records), so there is no "highest" role to pick:
 * several recognised roles are refused as ambiguous, and the provider must give each account one.
 *
 * A token that is valid but carries no (or an ambiguous) role gets ForbiddenError, not
 * UnauthenticatedError: the caller has proven who they are, so the refusal is about permission (HTTP
 * 403, retrying with the same token cannot help), and the error's details name the principal so the
 * audit trail records who was refused.
 *
 * Principal ids are `oidc:<issuer host and path>:<sub>`: they cannot collide with token principals
 * (`usr_...`, `sys_...`) nor between providers or realms. OIDC principals are not rows in the
 * catalog; they are disabled at the provider.
 */
export class OidcAuthenticator implements Authenticator {
  readonly config: OidcConfig;
  private readonly clock: Clock;
  private keys: Promise<KeyResolver> | undefined;

  constructor(options: OidcAuthenticatorOptions) {
    this.config = OidcConfigSchema.parse(options.config);
    this.clock = options.clock ?? systemClock;
  }

  private keyResolver(): Promise<KeyResolver> {
    this.keys ??= loadJose().then((jose) => {
      if (this.config.jwksUrl !== undefined) {
        return jose.createRemoteJWKSet(new URL(this.config.jwksUrl), {
          timeoutDuration: this.config.jwksTimeoutMs,
          cacheMaxAge: this.config.jwksCacheMaxAgeMs,
        });
      }
      // The schema guarantees one of jwksUrl and jwks.
      return jose.createLocalJWKSet(this.config.jwks as Jose.JSONWebKeySet);
    });
    return this.keys;
  }

  async authenticate(authorizationHeader: string | undefined): Promise<Principal> {
    return this.authenticateToken(parseBearer(authorizationHeader));
  }

  /** Authenticates a bearer credential already taken from its header. */
  async authenticateToken(token: string): Promise<Principal> {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
      throw new UnauthenticatedError('malformed bearer token: neither a strongroom API token nor a JWT');
    }
    const jose = await loadJose();
    const keys = await this.keyResolver();
    let payload: Jose.JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: this.config.clockToleranceSeconds,
        currentDate: this.clock.now(),
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw translateJoseError(err, jose);
    }
    return this.principalFrom(payload);
  }

  private principalFrom(payload: Jose.JWTPayload): Principal {
    const claims = payload as Record<string, unknown>;
    const subject = cleanString(readClaim(claims, this.config.idClaim), 255);
    if (subject === undefined) {
      throw new UnauthenticatedError(
        `OIDC token rejected: claim ${this.config.idClaim} (the principal id) is missing or not a clean string`,
      );
    }
    const id = oidcPrincipalId(this.config.issuer, subject);
    let name = subject;
    for (const claim of this.config.nameClaims) {
      const value = cleanString(readClaim(claims, claim), 255);
      if (value !== undefined) {
        name = value;
        break;
      }
    }
    const role = this.roleFrom(claims, { id, name });
    return { id, name, role, kind: 'user', via: 'oidc' };
  }

  private roleFrom(claims: Record<string, unknown>, who: { id: string; name: string }): Role {
    const claim = this.config.rolesClaim;
    const raw = readClaim(claims, claim);
    const refuse = (message: string, extra: Record<string, unknown> = {}): ForbiddenError =>
      new ForbiddenError(message, {
        details: { principalId: who.id, name: who.name, rolesClaim: claim, ...extra },
      });
    if (raw === undefined) {
      throw refuse(`${who.name} has no strongroom role: the token has no ${claim} claim`);
    }
    let values: string[];
    if (typeof raw === 'string') values = raw.split(/\s+/).filter((v) => v !== '');
    else if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) values = raw as string[];
    else
      throw refuse(
        `${who.name} has no strongroom role: claim ${claim} is not a string or an array of strings`,
      );

    const mapping = this.config.roleMapping;
    const recognised = new Set<Role>();
    for (const value of values) {
      const role =
        mapping !== undefined
          ? mapping[value]
          : (ROLES as readonly string[]).includes(value)
            ? (value as Role)
            : undefined;
      if (role !== undefined) recognised.add(role);
    }
    const roles = [...recognised];
    if (roles.length === 0) {
      const known = mapping !== undefined ? Object.keys(mapping).join(', ') : ROLES.join(', ');
      throw refuse(
        `${who.name} has no strongroom role: none of the roles in claim ${claim} is one of ${known}`,
      );
    }
    if (roles.length > 1) {
      throw refuse(
        `${who.name} has several strongroom roles (${roles.join(', ')}): an account must have exactly one`,
        { roles },
      );
    }
    return roles[0] as Role;
  }
}

/** jose's failures, as the archive's errors. Messages name the failed check, never the token. */
function translateJoseError(err: unknown, jose: JoseModule): unknown {
  if (err instanceof jose.errors.JWTExpired) {
    return new UnauthenticatedError('OIDC token rejected: expired', { cause: err });
  }
  if (err instanceof jose.errors.JWTClaimValidationFailed) {
    return new UnauthenticatedError(
      `OIDC token rejected: claim ${err.claim} failed its check (${err.reason})`,
      { cause: err },
    );
  }
  if (err instanceof jose.errors.JWSSignatureVerificationFailed) {
    return new UnauthenticatedError('OIDC token rejected: bad signature', { cause: err });
  }
  if (err instanceof jose.errors.JWKSNoMatchingKey || err instanceof jose.errors.JWKSMultipleMatchingKeys) {
    return new UnauthenticatedError('OIDC token rejected: not signed by a key of the identity provider', {
      cause: err,
    });
  }
  if (err instanceof jose.errors.JOSEAlgNotAllowed || err instanceof jose.errors.JOSENotSupported) {
    return new UnauthenticatedError('OIDC token rejected: signing algorithm not allowed', { cause: err });
  }
  if (err instanceof jose.errors.JWSInvalid || err instanceof jose.errors.JWTInvalid) {
    return new UnauthenticatedError('OIDC token rejected: not a valid signed JWT', { cause: err });
  }
  if (err instanceof jose.errors.JWKSTimeout || err instanceof jose.errors.JWKSInvalid) {
    return new UnavailableError("the identity provider's keys could not be fetched", { cause: err });
  }
  // Anything else while verifying comes from fetching the key set (HTTP status, network, bad JSON).
  // (fetch failures are TypeErrors; compared by name because they may come from another realm.)
  if (
    err instanceof jose.errors.JOSEError ||
    (typeof err === 'object' && err !== null && (err as Error).name === 'TypeError')
  ) {
    return new UnavailableError("the identity provider's keys could not be fetched", { cause: err });
  }
  return err;
}
