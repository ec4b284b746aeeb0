import { UnauthenticatedError } from '../errors';
import type { Clock } from '../util/clock';
import type { OidcConfig, OidcConfigInput } from './config';
import { OidcAuthenticator } from './oidc';
import { TOKEN_PREFIX, TokenAuthenticator, parseBearer, type TokenCatalog } from './tokens';
import type { Authenticator, Principal } from './types';

export interface CreateAuthenticatorOptions {
  /** Where API tokens are looked up. */
  catalog: TokenCatalog;
  /** OIDC settings; absent: API tokens only. */
  oidc?: OidcConfigInput | OidcConfig;
  clock?: Clock;
}

/**
 * The archive's authenticator: API tokens always, OIDC access tokens when configured. The bearer
 * credential chooses: `sr_...` is an API token, anything else is handed to OIDC (or refused when OIDC
 * is not configured).
 */
export class ArchiveAuthenticator implements Authenticator {
  readonly tokens: TokenAuthenticator;
  readonly oidc: OidcAuthenticator | undefined;

  constructor(options: CreateAuthenticatorOptions) {
    this.tokens = new TokenAuthenticator({ catalog: options.catalog });
    this.oidc =
      options.oidc !== undefined
        ? new OidcAuthenticator({
            config: options.oidc,
            ...(options.clock !== undefined ? { clock: options.clock } : {}),
          })
        : undefined;
  }

  async authenticate(authorizationHeader: string | undefined): Promise<Principal> {
    const credential = parseBearer(authorizationHeader);
    if (credential.startsWith(TOKEN_PREFIX) || this.oidc === undefined) {
      if (this.oidc === undefined && !credential.startsWith(TOKEN_PREFIX)) {
        throw new UnauthenticatedError(
          `not a strongroom API token (they start with ${TOKEN_PREFIX}); OIDC is not configured`,
        );
      }
      return this.tokens.authenticateToken(credential);
    }
    return this.oidc.authenticateToken(credential);
  }
}

export function createAuthenticator(options: CreateAuthenticatorOptions): ArchiveAuthenticator {
  return new ArchiveAuthenticator(options);
}
