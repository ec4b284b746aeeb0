/** Roles, from least to most trusted for the archive's data. Every route names the roles it admits. */
export const ROLES = ['ingest', 'reader', 'compliance', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A uniquely identified person or system. No shared accounts: one principal per actor. */
export interface Principal {
  /** Stable unique id (e.g. `usr_01H...`), recorded in every audit event and receipt. */
  id: string;
  /** Unique human-readable name. */
  name: string;
  role: Role;
  kind: 'user' | 'system';
  /** How this request proved who it is. */
  via: 'token' | 'oidc';
}

/** Turns request credentials into a principal; throws UnauthenticatedError. */
export interface Authenticator {
  authenticate(authorizationHeader: string | undefined): Promise<Principal>;
}
