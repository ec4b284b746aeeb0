import type { StsClient, StsCredentials } from '../cloud';
import type { ExportRow } from '../catalog';
import { ConfigError, ExportNotReadyError, ValidationError } from '../errors';
import type { ObjectStore } from '../storage/types';
import type { Clock } from '../util/clock';

export const LINK_TTL_MINUTES = { min: 15, max: 720, default: 720 } as const;

export interface LinkDeps {
  sts: StsClient | null;
  /** The export-reader role (GetObject on the exports bucket; sessions up to 12 h). */
  roleArn: string | undefined;
  /** A store signing with these temporary credentials (only its signedUrl is used). */
  signingStore: (credentials: StsCredentials) => Pick<ObjectStore, 'signedUrl'>;
  /** When set, the link works only from these addresses or CIDR blocks (acs:SourceIp). */
  sourceIps?: readonly string[];
  clock: Clock;
}

export interface IssuedLink {
  url: string;
  expiresAt: Date;
  /** The STS access key id the URL carries (public; kept for attribution, never the secret). */
  accessKeyId: string;
  roleArn: string;
}

export function parseTtlMinutes(value: unknown): number {
  if (value === undefined) return LINK_TTL_MINUTES.default;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < LINK_TTL_MINUTES.min ||
    value > LINK_TTL_MINUTES.max
  )
    throw new ValidationError(
      `ttlMinutes must be a whole number of minutes from ${LINK_TTL_MINUTES.min} to ${LINK_TTL_MINUTES.max}`,
      {
        hint: `send {"ttlMinutes": ${LINK_TTL_MINUTES.default}} or leave it out for ${LINK_TTL_MINUTES.default}`,
      },
    );
  return value;
}

/**
 * A download link for a ready export: a V4 presigned GET of its ZIP, signed with temporary
 * credentials of the export-reader role whose session policy allows GetObject on that one object
 * (and from the configured addresses only). The URL leaves only to the caller: it is never
 * logged or stored, and the archive's own long-term key is not in it.
 */
export async function issueLink(deps: LinkDeps, row: ExportRow, ttlMinutes: number): Promise<IssuedLink> {
  if (row.status !== 'ready' || row.bag === null)
    throw new ExportNotReadyError(`export ${row.exportId} is ${row.status}: it has no bag to link to yet`, {
      hint: row.status === 'failed' ? 'create a new export' : 'wait until GET /v1/exports/:id says ready',
    });
  if (!deps.sts || !deps.roleArn)
    throw new ConfigError('no export-reader role or STS endpoint is configured: links cannot be signed', {
      hint: 'set cloud.exportRoleArn (and the control-plane endpoints) in the configuration',
    });
  const seconds = ttlMinutes * 60;
  const credentials = await deps.sts.assumeRole({
    roleArn: deps.roleArn,
    sessionName: `export-${row.exportId}`.slice(0, 64),
    durationSeconds: seconds,
    scope: {
      bucket: row.bag.bucket,
      key: row.bag.key,
      actions: ['GetObject'],
      ...(deps.sourceIps && deps.sourceIps.length > 0 ? { sourceIp: deps.sourceIps } : {}),
    },
  });
  const now = deps.clock.now().getTime();
  const expires = Math.min(now + seconds * 1000, credentials.expiration.getTime());
  const expiresSeconds = Math.max(1, Math.floor((expires - now) / 1000));
  const url = await deps.signingStore(credentials).signedUrl(row.bag.bucket, row.bag.key, {
    method: 'GET',
    expiresSeconds,
    version: 'v4',
    response: {
      contentDisposition: `attachment; filename="${row.exportId}.zip"`,
      contentType: 'application/zip',
    },
  });
  return {
    url,
    expiresAt: new Date(now + expiresSeconds * 1000),
    accessKeyId: credentials.accessKeyId,
    roleArn: deps.roleArn,
  };
}
