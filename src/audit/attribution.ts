/**
 * Who an access key is, for events the archive did not make itself (OSS access-log lines,
 * ActionTrail events): the archive's own identities, an STS session the archive obtained (and the
 * export and recipient it was for), `anonymous` (no key), or `unknown` (a key the archive does not
 * know). Principal ids and detail fields: docs/decisions/0018-audit-trail.md.
 */
import type { StsAttribution } from '../catalog/evidence-types';

export type AttributionKind = 'service' | 'sts' | 'anonymous' | 'unknown';

export interface Attribution {
  kind: AttributionKind;
  principalId: string;
  /** STS sessions: what the archive obtained the credentials for. */
  purpose?: string;
  exportId?: string;
  recipient?: string;
}

export const ANONYMOUS_PRINCIPAL = 'anonymous';
export const UNKNOWN_PRINCIPAL = 'unknown';
/** The principal of the key `serve` signs with. */
export const SERVICE_PRINCIPAL = 'archive-service';

export interface AttributionSource {
  stsAttribution(accessKeyId: string): Promise<StsAttribution | undefined>;
}

export class Attributor {
  private readonly cache = new Map<string, Attribution>();

  /**
   * `ownKeys`: access key ids of the archive's own identities and their principal ids (the
   * service key as `archive-service`; in the local profile the provisioning key too).
   */
  constructor(
    private readonly source: AttributionSource,
    private readonly ownKeys: ReadonlyMap<string, string>,
  ) {}

  async attribute(accessKeyId: string | null | undefined): Promise<Attribution> {
    if (accessKeyId === null || accessKeyId === undefined || accessKeyId === '')
      return { kind: 'anonymous', principalId: ANONYMOUS_PRINCIPAL };
    const own = this.ownKeys.get(accessKeyId);
    if (own !== undefined) return { kind: 'service', principalId: own };
    const cached = this.cache.get(accessKeyId);
    if (cached) return cached;
    const sts = accessKeyId.startsWith('STS.') ? await this.source.stsAttribution(accessKeyId) : undefined;
    const found: Attribution = sts
      ? {
          kind: 'sts',
          principalId: `sts:${accessKeyId}`,
          purpose: sts.purpose,
          ...(sts.exportId !== null ? { exportId: sts.exportId } : {}),
          ...(sts.recipient !== null ? { recipient: sts.recipient } : {}),
        }
      : { kind: 'unknown', principalId: UNKNOWN_PRINCIPAL };
    // Unknown keys are asked again next time: the export may register its key after the access.
    if (sts) this.cache.set(accessKeyId, found);
    return found;
  }
}

/** The attribution as detail fields of an event. */
export function attributionDetails(a: Attribution): Record<string, string> {
  return {
    attribution: a.kind,
    ...(a.purpose !== undefined ? { purpose: a.purpose } : {}),
    ...(a.exportId !== undefined ? { exportId: a.exportId } : {}),
    ...(a.recipient !== undefined ? { recipient: a.recipient } : {}),
  };
}
