import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OidcConfigSchema } from '../auth/config';
import { CLOUD_ENV_VARS, CloudConfigSchema, cloudConfigIssues } from '../cloud/config';
import { ConfigError } from '../errors';
import { OSS_LIMITS } from '../storage/limits';

/**
 * All of strongroom's settings, in one schema. Sources, later ones winning:
 *   defaults < JSON file (STRONGROOM_CONFIG or --config) < environment < explicit overrides (CLI flags).
 * Parsed once at start; an invalid setting stops the process with a message naming it.
 */

const bucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    'an OSS bucket name: 3-63 lowercase letters, digits and hyphens',
  );

const days = z.number().int().min(1).max(OSS_LIMITS.maxRetentionDays);

export const RetentionClassSchema = z
  .object({
    /** Short name, used in the bucket name: `<prefix>-records-<name>`. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,20}$/, 'lowercase letters, digits and hyphens, at most 21'),
    days,
    description: z.string().default(''),
    /** Record types stored in this class. */
    recordTypes: z.array(z.string()).default([]),
    /** Document types (documents' `documentType`) stored in this class. */
    documentTypes: z.array(z.string()).default([]),
  })
  .strict();

export type RetentionClass = z.infer<typeof RetentionClassSchema>;

/**
 * Defaults from ../shared/docs/REGULATORY.md; the operator must confirm them with counsel. The
 * Terraform's record buckets read the same list from infra/retention-classes.json; the test of
 * infra/terraform fails when the two differ (a file read at start would not be found by every
 * build of the CLI).
 */
export const DEFAULT_RETENTION_CLASSES: z.input<typeof RetentionClassSchema>[] = [
  {
    name: '7y',
    days: 2557,
    description: 'Keeping of Records Rules (Cap. 571O) and key compliance records: 7 years',
    recordTypes: ['order', 'trade', 'contract_note', 'alp_order', 'alp_trade', 'correction', 'document'],
  },
  {
    name: 'aml-5y',
    days: 1827,
    description: 'AML CDD and transaction records (Cap. 615): a floor of 5 years',
    documentTypes: ['cdd', 'aml'],
  },
  {
    name: 'voice-6m',
    days: 184,
    description: 'Telephone order recordings: at least 6 months',
    documentTypes: ['voice_recording'],
  },
  {
    name: 'etlog-2y',
    days: 731,
    description: 'Electronic trading audit logs: at least 2 years',
    documentTypes: ['trading_log'],
  },
];

const positiveInt = z.number().int().positive();

/** An `http://` URL whose host is this machine's loopback interface. */
function isHttpLoopback(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:') return false;
  return (
    url.hostname === 'localhost' ||
    url.hostname === '[::1]' ||
    /^127(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$/.test(url.hostname)
  );
}

/** `fixity`: how often serve sweeps (days since the last finished sweep of the kind), and how gently. */
export const FixityConfigSchema = z
  .object({
    /** Days between HEAD sweeps (size, CRC-64, SHA-256 metadata); 0 turns them off. */
    headDays: z.number().min(0).default(7),
    /** Days between deep sweeps (every byte read and hashed); 0 turns them off. */
    deepDays: z.number().min(0).default(90),
    /** Most objects per second a scheduled sweep HEADs or GETs, so ingest keeps its speed. */
    rate: z.number().positive().default(50),
    /** Objects in flight at once in a scheduled sweep. */
    concurrency: z.number().int().min(1).max(256).default(4),
    /** How often the leader looks whether a sweep is due, in seconds. */
    checkSeconds: z.number().int().min(1).default(3600),
  })
  .strict();

export const ConfigSchema = z
  .object({
    /** `local`: embedded emulator, SQLite, buckets provisioned and locked on first start. */
    profile: z.enum(['local', 'production']).default('local'),
    dataDir: z.string().min(1).default('./data'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /**
         * API limits; each one absent keeps its default (src/http/types.ts DEFAULT_LIMITS): body
         * caps, batch lines, batch concurrency (lines in flight, at most 256), document size.
         */
        limits: z
          .object({
            maxRecordBytes: positiveInt.optional(),
            maxBatchBytes: positiveInt.optional(),
            maxBatchLines: positiveInt.optional(),
            maxBatchLineBytes: positiveInt.optional(),
            batchConcurrency: z.number().int().min(1).max(256).optional(),
            maxDocumentBytes: positiveInt.optional(),
            maxDescriptionBytes: positiveInt.optional(),
            /** A request body idle this long while awaited: 408 (default 30 s). */
            bodyIdleTimeoutMs: positiveInt.optional(),
          })
          .strict()
          .prefault({}),
        /**
         * How far V8 lets serve's heap grow past what the last full collection kept, percent (0
         * keeps V8's own choice: up to 4x on a machine with a few GB, which let a 100,000-record
         * export build hold ~300 MB of garbage). Set once when serve starts (src/runtime/heap.ts,
         * docs/decisions/0022-heap-growth.md).
         */
        heapGrowthPercent: z.number().int().min(0).max(300).default(30),
        /**
         * By what factor V8 may grow serve's young generation when it fills (V8's own: 2, up to
         * ~34 MB; 1 keeps it at ~2 MB). Set once when serve starts (src/runtime/heap.ts,
         * docs/decisions/0024-export-memory.md).
         */
        youngGenerationGrowth: z.number().int().min(1).max(8).default(1),
      })
      .strict()
      .prefault({}),
    oss: z
      .object({
        /** OSS endpoint URL. Absent: the embedded emulator is started and used. */
        endpoint: z.url().optional(),
        region: z.string().default('oss-cn-hongkong'),
        accessKeyId: z.string().min(1).optional(),
        accessKeySecret: z.string().min(1).optional(),
        securityToken: z.string().min(1).optional(),
        /** Header signature version used by the adapter. */
        authVersion: z.enum(['v1', 'v4']).default('v4'),
        timeoutMs: positiveInt.default(60_000),
        retry: z
          .object({
            maxAttempts: z.number().int().min(1).max(20).default(5),
            baseDelayMs: z.number().int().min(0).default(100),
            maxDelayMs: z.number().int().min(0).default(5_000),
          })
          .strict()
          .prefault({}),
        /** Streams larger than this go up as multipart uploads. */
        multipartThresholdBytes: positiveInt.default(16 * 1024 * 1024),
        partSizeBytes: z
          .number()
          .int()
          .min(OSS_LIMITS.minPartBytes)
          .max(OSS_LIMITS.maxPartBytes)
          .default(8 * 1024 * 1024),
        /** Expiry cap for signed URLs, seconds (OSS V4 allows at most 7 days). */
        maxSignedUrlSeconds: z
          .number()
          .int()
          .min(1)
          .max(OSS_LIMITS.maxSignedUrlSeconds)
          .default(OSS_LIMITS.maxSignedUrlSeconds),
        /**
         * Production only: also accept an `http://` endpoint on this machine's loopback interface
         * (localhost, 127.0.0.0/8, [::1]), e.g. an OSS emulator in integration tests. Off by default;
         * not settable from the environment. Any other plain-HTTP endpoint stays refused.
         */
        allowHttpLoopback: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    buckets: z
      .object({
        prefix: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lowercase letters, digits and hyphens, at most 31')
          .default('strongroom'),
        classes: z.array(RetentionClassSchema).min(1).prefault(DEFAULT_RETENTION_CLASSES),
        /** Retention of the audit bucket; must be at least the longest class. Default: the longest class. */
        auditDays: days.optional(),
        exportsDays: days.optional(),
        /** Days for the logs bucket (OSS access logs): default the longest class, as the audit trail. */
        logsDays: days.optional(),
        /** Warn when an InProgress policy has less than this many hours before it lapses. */
        lapseWarningHours: z.number().min(0).max(24).default(6),
        /**
         * Default server-side encryption that `provision` sets on every bucket (docs/decisions/0020).
         * Locally AES256; in production name the KMS key (Terraform output `sse_kms_key_id`).
         */
        encryption: z
          .object({
            /** AES256, KMS or SM4. Default: KMS when `kmsKeyId` is set, else AES256. */
            algorithm: z
              .enum(['AES256', 'KMS', 'SM4'])
              .optional()
              .describe('KMS when kmsKeyId is set, else AES256'),
            /** The KMS key of SSE-KMS (KMSMasterKeyID); only with algorithm KMS. */
            kmsKeyId: z.string().min(1).max(128).optional(),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** The ALP and posture reports (src/reports). */
    reports: z
      .object({
        /** The licensed corporation, as the SFC knows it: named on every report. */
        operator: z.string().min(1).max(200).optional(),
        /**
         * Days without business besides weekends and general holidays (`YYYY-MM-DD`), e.g. a day
         * closed by a typhoon signal No. 8: they move the ALP reports' due dates.
         */
        extraClosures: z.array(z.iso.date()).default([]),
        /**
         * `serve` archives the posture report as a document record once per Hong Kong calendar
         * month (a leader job; never twice for one month).
         */
        postureMonthly: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    emulator: z
      .object({
        host: z.string().default('127.0.0.1'),
        /**
         * The embedded emulator's port. Unset: `serve` on a fixed API port uses that port + 1 (8081),
         * stable so that other tools (ossutil, ali-oss) can be pointed at it; anything else (the
         * CLI's own short-lived emulator, an API on port 0) takes a free port.
         */
        port: z
          .number()
          .int()
          .min(0)
          .max(65535)
          .optional()
          .describe('`serve`: the API port + 1 (`8081`); otherwise a free port'),
        /** How often access-log objects are written (OSS: hourly). */
        logFlushSeconds: z.number().positive().default(3600),
      })
      .strict()
      .prefault({}),
    /** The audit trail's sealer and importers in `serve` (docs/decisions/0018-audit-trail.md). */
    audit: z
      .object({
        /** Most events in one sealed segment. */
        sealEvents: z.number().int().min(1).max(1_000_000).default(10_000),
        /** A shorter segment is sealed once this many seconds passed since the last seal. */
        sealSeconds: z.number().positive().default(300),
        /** How often the OSS access logs and ActionTrail are imported into the trail. */
        importSeconds: z.number().positive().default(300),
      })
      .strict()
      .prefault({}),
    /** SFC access requests (issue 11, src/export). */
    exports: z
      .object({
        /** Most records one export may hold (413 past it). */
        maxRecords: positiveInt.default(200_000),
        /** Most bytes of records one export may hold (413 past it). */
        maxBytes: positiveInt.default(100 * 1024 * 1024 * 1024),
        /** Exports built at once by serve. */
        buildConcurrency: z.number().int().min(1).max(8).default(2),
        /**
         * Where a bag is written: in a worker thread while the serving thread reads the records and
         * uploads (default), or on the serving thread, which is ~5% slower to ready for 10,000
         * records on 2 cores, with its event loop busy for the build, and ~25 MB lower at the peak
         * of a 100,000-record build (docs/decisions/0026-bag-worker.md, 0027-bag-worker-buffers.md).
         */
        bagThread: z.enum(['main', 'worker']).default('worker'),
        /** Links work only from these addresses or CIDR blocks (the SFC's), when set. */
        linkSourceIps: z.array(z.string().min(1)).min(1).optional(),
        /** bag-info.txt Source-Organization: the licensed corporation producing the records. */
        sourceOrganization: z.string().min(1).default('strongroom archive'),
      })
      .strict()
      .prefault({}),
    /** PostgreSQL URL; absent: SQLite under dataDir. */
    databaseUrl: z.string().min(1).optional(),
    /**
     * Where `serve` runs the SQLite catalog: on the serving thread (default) or in a worker thread
     * (statements and commits no longer hold up requests: about 10% more records/s on 2 cores, for
     * about 100 MB more memory; docs/decisions/0003-catalog-thread.md). PostgreSQL ignores it.
     */
    catalogThread: z.enum(['main', 'worker']).default('main'),
    auth: z
      .object({
        /** OIDC access tokens (jose); API tokens always work too. */
        oidc: OidcConfigSchema.optional(),
      })
      .strict()
      .prefault({}),
    /** The evidence ledger's checkpointer (src/evidence, src/ledger). */
    ledger: z
      .object({
        /** How often the leader integrates new leaves and signs a checkpoint (when the tree grew). */
        checkpointSeconds: z.number().positive().default(60),
        /** The log's origin, also its key name: default `strongroom/<buckets.prefix>`. */
        origin: z
          .string()
          .regex(/^[!-*,-~]{1,200}$/, 'printable ASCII, no space and no +')
          .optional(),
      })
      .strict()
      .prefault({}),
    /** STS, KMS, ActionTrail and the checkpoint signer (src/cloud/config.ts). */
    cloud: CloudConfigSchema.prefault({}),
    integrity: z
      .object({
        /**
         * The key that seals every object the archive writes (src/records/seal.ts), 64 hex, mode
         * 0600. Default `<dataDir>/keys/record-mac.key`; made on first start in the local profile
         * only (docs/decisions/0011-object-seal-key.md).
         */
        macKeyFile: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** Event-based retention (src/lifecycle/retention.ts). */
    retention: z
      .object({
        /** Classes whose retention runs from a retention event (relationship_ended) rather than ingest. */
        eventClasses: z.array(z.string().min(1)).default(['aml-5y']),
      })
      .strict()
      .prefault({}),
    /** Fixity sweeps that `serve` runs on one leader (src/fixity/schedule.ts). */
    fixity: FixityConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const issue of cloudConfigIssues(cfg.profile, cfg.cloud)) ctx.addIssue({ code: 'custom', ...issue });
    const names = new Set<string>();
    for (const [i, c] of cfg.buckets.classes.entries()) {
      if (names.has(c.name))
        ctx.addIssue({
          code: 'custom',
          path: ['buckets', 'classes', i, 'name'],
          message: `duplicate class ${c.name}`,
        });
      names.add(c.name);
    }
    const sse = cfg.buckets.encryption;
    if (sse.kmsKeyId !== undefined && sse.algorithm !== undefined && sse.algorithm !== 'KMS')
      ctx.addIssue({
        code: 'custom',
        path: ['buckets', 'encryption', 'kmsKeyId'],
        message: `a KMS key id goes only with algorithm KMS, not ${sse.algorithm}`,
      });
    const longest = Math.max(...cfg.buckets.classes.map((c) => c.days));
    if (cfg.buckets.auditDays !== undefined && cfg.buckets.auditDays < longest) {
      ctx.addIssue({
        code: 'custom',
        path: ['buckets', 'auditDays'],
        message: `the audit trail must be kept as long as the records: at least ${longest} days`,
      });
    }
    if (cfg.profile === 'production') {
      if (!cfg.oss.endpoint)
        ctx.addIssue({ code: 'custom', path: ['oss', 'endpoint'], message: 'required in production' });
      if (
        cfg.oss.endpoint &&
        !cfg.oss.endpoint.startsWith('https://') &&
        !(cfg.oss.allowHttpLoopback && isHttpLoopback(cfg.oss.endpoint))
      ) {
        const message = cfg.oss.allowHttpLoopback
          ? 'production uses HTTPS only (oss.allowHttpLoopback admits http:// to localhost, 127.0.0.0/8 or [::1] only)'
          : 'production uses HTTPS only';
        ctx.addIssue({ code: 'custom', path: ['oss', 'endpoint'], message });
      }
    }
    if (cfg.oss.endpoint && (!cfg.oss.accessKeyId || !cfg.oss.accessKeySecret)) {
      ctx.addIssue({
        code: 'custom',
        path: ['oss', 'accessKeyId'],
        message: 'an OSS endpoint needs accessKeyId and accessKeySecret',
      });
    }
  });

export type ConfigInput = z.input<typeof ConfigSchema>;
export type Config = z.output<typeof ConfigSchema>;

/** Environment variables and the setting each one fills. */
export const ENV_VARS: Record<string, { path: string[]; type: 'string' | 'number' }> = {
  STRONGROOM_PROFILE: { path: ['profile'], type: 'string' },
  STRONGROOM_DATA_DIR: { path: ['dataDir'], type: 'string' },
  STRONGROOM_LOG_LEVEL: { path: ['logLevel'], type: 'string' },
  STRONGROOM_HOST: { path: ['server', 'host'], type: 'string' },
  STRONGROOM_PORT: { path: ['server', 'port'], type: 'number' },
  STRONGROOM_HEAP_GROWTH_PERCENT: { path: ['server', 'heapGrowthPercent'], type: 'number' },
  STRONGROOM_YOUNG_GENERATION_GROWTH: { path: ['server', 'youngGenerationGrowth'], type: 'number' },
  STRONGROOM_CATALOG_THREAD: { path: ['catalogThread'], type: 'string' },
  STRONGROOM_EXPORTS_BAG_THREAD: { path: ['exports', 'bagThread'], type: 'string' },
  STRONGROOM_BATCH_CONCURRENCY: { path: ['server', 'limits', 'batchConcurrency'], type: 'number' },
  STRONGROOM_OSS_ENDPOINT: { path: ['oss', 'endpoint'], type: 'string' },
  STRONGROOM_OSS_REGION: { path: ['oss', 'region'], type: 'string' },
  STRONGROOM_OSS_ACCESS_KEY_ID: { path: ['oss', 'accessKeyId'], type: 'string' },
  STRONGROOM_OSS_ACCESS_KEY_SECRET: { path: ['oss', 'accessKeySecret'], type: 'string' },
  STRONGROOM_OSS_SECURITY_TOKEN: { path: ['oss', 'securityToken'], type: 'string' },
  STRONGROOM_OSS_AUTH_VERSION: { path: ['oss', 'authVersion'], type: 'string' },
  STRONGROOM_BUCKET_PREFIX: { path: ['buckets', 'prefix'], type: 'string' },
  STRONGROOM_EMULATOR_PORT: { path: ['emulator', 'port'], type: 'number' },
  STRONGROOM_EMULATOR_LOG_FLUSH_SECONDS: { path: ['emulator', 'logFlushSeconds'], type: 'number' },
  STRONGROOM_REPORTS_OPERATOR: { path: ['reports', 'operator'], type: 'string' },
  DATABASE_URL: { path: ['databaseUrl'], type: 'string' },
  STRONGROOM_MAC_KEY_FILE: { path: ['integrity', 'macKeyFile'], type: 'string' },
  ...CLOUD_ENV_VARS,
};

type Json = { [key: string]: unknown };

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function setPath(target: Json, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!isPlainObject(next)) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1] as string] = value;
}

function fromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = spec.type === 'number' ? Number(raw) : raw;
    if (spec.type === 'number' && !Number.isFinite(value)) {
      throw new ConfigError(`${name}: expected a number, got ${JSON.stringify(raw)}`);
    }
    setPath(out, spec.path, value);
  }
  return out;
}

function readFile(file: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`config file ${file} must hold a JSON object`);
  return parsed;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** A JSON config file; defaults to $STRONGROOM_CONFIG when set. */
  file?: string;
  /** Settings from CLI flags; they win over everything else. */
  overrides?: ConfigInput;
}

/** Formats zod issues as `path: message` lines. */
export function formatIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('\n');
}

export function parseConfig(input: unknown): Config {
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n${formatIssues(result.error.issues)}`, {
      details: result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    });
  }
  return result.data;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.STRONGROOM_CONFIG;
  let merged: Json = {};
  if (file) merged = deepMerge(merged, readFile(file));
  merged = deepMerge(merged, fromEnv(env));
  if (options.overrides) merged = deepMerge(merged, options.overrides as Json);
  const config = parseConfig(merged);
  return { ...config, dataDir: path.resolve(config.dataDir) };
}

/** The names of every bucket the configuration implies. */
export interface BucketPlan {
  /** One per retention class. */
  records: { className: string; bucket: string; days: number }[];
  audit: { bucket: string; days: number };
  exports: { bucket: string; days: number };
  logs: { bucket: string; days: number };
}

export function bucketPlan(config: Config): BucketPlan {
  const prefix = config.buckets.prefix;
  const longest = Math.max(...config.buckets.classes.map((c) => c.days));
  const plan: BucketPlan = {
    records: config.buckets.classes.map((c) => ({
      className: c.name,
      bucket: `${prefix}-records-${c.name}`,
      days: c.days,
    })),
    audit: { bucket: `${prefix}-audit`, days: config.buckets.auditDays ?? longest },
    exports: { bucket: `${prefix}-exports`, days: config.buckets.exportsDays ?? longest },
    logs: { bucket: `${prefix}-logs`, days: config.buckets.logsDays ?? longest },
  };
  for (const b of [
    ...plan.records.map((r) => r.bucket),
    plan.audit.bucket,
    plan.exports.bucket,
    plan.logs.bucket,
  ]) {
    bucketName.parse(b);
  }
  return plan;
}

/** Where the catalog lives: PostgreSQL when a URL is configured, else SQLite under the data directory. */
export function catalogLocation(config: Pick<Config, 'databaseUrl' | 'dataDir'>): {
  sqlitePath?: string;
  databaseUrl?: string;
} {
  return config.databaseUrl
    ? { databaseUrl: config.databaseUrl }
    : { sqlitePath: path.join(config.dataDir, 'catalog.sqlite') };
}
