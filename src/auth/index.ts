/**
 * Principals, roles and authentication: API tokens (stored hashed) always, OIDC JWTs when
 * configured; one route/role policy table; principal administration; the first-start bootstrap.
 */
export { ROLES, type Authenticator, type Principal, type Role } from './types';
export {
  OIDC_ALGORITHMS,
  OIDC_ENV_VARS,
  OidcConfigSchema,
  type OidcConfig,
  type OidcConfigInput,
} from './config';
export {
  TOKEN_PATTERN,
  TOKEN_PREFIX,
  TokenAuthenticator,
  hashToken,
  issueToken,
  parseBearer,
  tokenId,
  type IssuedToken,
  type TokenAuthenticatorOptions,
  type TokenCatalog,
} from './tokens';
export { OidcAuthenticator, oidcPrincipalId, readClaim, type OidcAuthenticatorOptions } from './oidc';
export { ArchiveAuthenticator, createAuthenticator, type CreateAuthenticatorOptions } from './authenticator';
export { ACTIONS, POLICY, actionsFor, authorize, can, isAction, rolesFor, type Action } from './policy';
export {
  PRINCIPAL_KINDS,
  cliActor,
  createPrincipal,
  disablePrincipal,
  issuePrincipalToken,
  listPrincipalSummaries,
  parseKind,
  parseRole,
  resolvePrincipal,
  revokePrincipalTokens,
  toPrincipal,
  validatePrincipalName,
  type Actor,
  type CreatePrincipalInput,
  type PrincipalAdminCatalog,
  type PrincipalKind,
  type PrincipalSummary,
  type PrincipalWithToken,
} from './principals';
export {
  BOOTSTRAP_ADMIN_NAME,
  BOOTSTRAP_INGEST_NAME,
  BOOTSTRAP_TOKEN_FILE,
  describeBootstrap,
  ensureBootstrapAdmin,
  writeSecretFileOnce,
  type BootstrapResult,
  type BootstrapTokenEntry,
  type BootstrapTokenFile,
} from './bootstrap';
