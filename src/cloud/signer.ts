/**
 * What signs the archive's evidence (checkpoints of the ledger, docs/EVIDENCE.md). Two
 * implementations are chosen in the composition root: a local Ed25519 key (generated on first
 * start under the data directory) and a KMS asymmetric key (the private key never leaves the
 * HSM; KMS has no Ed25519, so ECDSA P-256 with SHA-256). The ledger turns a signature into a
 * C2SP signed-note line; the signer knows nothing of notes.
 */
export type SignatureAlgorithm = 'ed25519' | 'ecdsa-p256-sha256';

export interface Signer {
  readonly algorithm: SignatureAlgorithm;
  /** A description for logs and `doctor` (key id, never key material). */
  readonly description: string;
  /** Ed25519: the 32-byte raw public key. ECDSA P-256: the public key as SPKI DER. */
  publicKey(): Promise<Buffer>;
  /**
   * Signs `message` (the whole message, not a digest). Ed25519: the 64-byte signature.
   * ECDSA P-256: a DER-encoded signature over SHA-256(message).
   */
  sign(message: Buffer): Promise<Buffer>;
}
