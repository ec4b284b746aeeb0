/**
 * infra/terraform checked without Terraform (none can be installed here): every file parsed by
 * HashiCorp's own HCL parser (@cdktf/hcl2json, the Go hcl library compiled to WebAssembly), and
 * the module checked against the archive's configuration: a bucket per retention class with its
 * days (from the one classes file the configuration's defaults come from), the audit, exports and
 * logs buckets as bucketPlan names them, Locked only behind the explicit variable, logging,
 * SSE-KMS and the HTTPS-only policy on every bucket, the RAM identities rendered from the same
 * policy files as the emulator's local identities, the checkpoint key, the trail, and outputs
 * that fill the production configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_RETENTION_CLASSES, bucketPlan, parseConfig } from '../../src/config';
import {
  POLICY_DIR,
  POLICY_FILES,
  defaultIdentities,
  renderPolicyTemplate,
} from '../../src/emulator/iam/defaults';
import { ACCESS_LOG_PREFIX } from '../../src/provision';
import { httpsOnlyPolicy, httpsOnlyStatement, wantedEncryption } from '../../src/provision/bucket-security';

/*
 * The parser's type declarations pull in the DOM library (`/// <reference lib="dom" />`), which
 * would change the globals of the whole program: it is loaded untyped, its one function declared.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse } = require('@cdktf/hcl2json') as { parse(file: string, text: string): Promise<unknown> };

const DIR = path.resolve(__dirname, '..', '..', 'infra', 'terraform');

type Block = Record<string, unknown>;
interface Module {
  resource: Record<string, Record<string, Block[]>>;
  variable: Record<string, Block[]>;
  output: Record<string, Block[]>;
  locals: Block[];
  data: Record<string, Record<string, Block[]>>;
}

let mod: Module;

beforeAll(async () => {
  const merged: Module = { resource: {}, variable: {}, output: {}, locals: [], data: {} };
  for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.tf'))) {
    const parsed = (await parse(file, fs.readFileSync(path.join(DIR, file), 'utf8'))) as Partial<Module>;
    for (const [type, byName] of Object.entries(parsed.resource ?? {})) {
      merged.resource[type] = { ...(merged.resource[type] ?? {}), ...byName };
    }
    for (const [type, byName] of Object.entries(parsed.data ?? {})) {
      merged.data[type] = { ...(merged.data[type] ?? {}), ...byName };
    }
    Object.assign(merged.variable, parsed.variable ?? {});
    Object.assign(merged.output, parsed.output ?? {});
    merged.locals.push(...(parsed.locals ?? []));
  }
  mod = merged;
}, 60_000);

function resource(type: string, name: string): Block {
  const block = mod.resource[type]?.[name]?.[0];
  if (!block) throw new Error(`no resource ${type}.${name}`);
  return block;
}

function local(name: string): unknown {
  for (const l of mod.locals) if (name in l) return l[name];
  throw new Error(`no local ${name}`);
}

/** `templatefile("${local.policy_dir}/<file>", ...)` in an expression: the file. */
function templateFile(expression: unknown): string {
  const m = /templatefile\("\$\{local\.policy_dir\}\/([a-z-]+\.json)"/.exec(String(expression));
  if (!m) throw new Error(`not a templatefile of infra/policies: ${String(expression)}`);
  return m[1] as string;
}

const RETENTION_CLASSES_FILE = path.resolve(DIR, '..', 'retention-classes.json');
const classesFile = JSON.parse(fs.readFileSync(RETENTION_CLASSES_FILE, 'utf8')) as {
  classes: { name: string; days: number }[];
};

test('the retention classes: the Terraform reads infra/retention-classes.json, which is exactly the archive’s default classes', () => {
  expect(classesFile.classes).toEqual(DEFAULT_RETENTION_CLASSES);
  expect(String(local('classes_file'))).toContain('${path.module}/../retention-classes.json');
  expect(local('classes')).toBe(
    '${{ for c in jsondecode(file(local.classes_file)).classes : c.name => c.days }}',
  );
  const plan = bucketPlan(parseConfig({}));
  expect(plan.records.map((r) => [r.className, r.days])).toEqual(
    classesFile.classes.map((c) => [c.name, c.days]),
  );
});

test('a bucket per class and the audit, exports and logs buckets, named as bucketPlan names them', () => {
  const buckets = String(local('buckets')).replace(/\s+/g, ' ');
  expect(buckets).toContain(
    '"records-${name}" => { name = "${var.bucket_prefix}-records-${name}", days = days',
  );
  const plan = bucketPlan(parseConfig({ buckets: { prefix: 'pfx' } }));
  for (const [role, b] of [
    ['audit', plan.audit],
    ['exports', plan.exports],
    ['logs', plan.logs],
  ] as const) {
    expect(b.bucket).toBe(`pfx-${role}`);
    expect(buckets).toContain(
      `${role} = { name = "\${var.bucket_prefix}-${role}", days = coalesce(var.${role}_days, local.longest)`,
    );
  }
  // bucketPlan: audit, exports and logs default to the longest class.
  expect(plan.audit.days).toBe(Math.max(...classesFile.classes.map((c) => c.days)));
  expect(resource('alicloud_oss_bucket', 'this')).toMatchObject({
    for_each: '${local.buckets}',
    bucket: '${each.value.name}',
  });
});

test('every bucket: its retention days, Locked only behind an explicit variable that defaults to false', () => {
  const worm = resource('alicloud_oss_bucket_worm', 'this');
  expect(worm).toMatchObject({
    for_each: '${local.buckets}',
    retention_period_in_days: '${each.value.days}',
    status: '${var.lock_retention ? "Locked" : "InProgress"}',
  });
  const lock = mod.variable.lock_retention?.[0];
  expect(lock).toMatchObject({ type: '${bool}', default: false });
  expect(String(lock?.description)).toMatch(/IRREVERSIBLE/);
});

test('every bucket: access logging to the logs bucket (but the logs bucket itself), SSE-KMS, the HTTPS-only policy', () => {
  expect(resource('alicloud_oss_bucket_logging', 'this')).toMatchObject({
    for_each: '${{ for k, b in local.buckets : k => b if k != "logs" }}',
    target_bucket: '${alicloud_oss_bucket.this["logs"].bucket}',
    target_prefix: '${local.access_log_prefix}',
  });
  expect(local('access_log_prefix')).toBe(ACCESS_LOG_PREFIX);
  expect(resource('alicloud_oss_bucket_server_side_encryption', 'this')).toMatchObject({
    for_each: '${local.buckets}',
    sse_algorithm: 'KMS',
    kms_master_key_id: '${alicloud_kms_key.data.id}',
  });
  const policy = resource('alicloud_oss_bucket_policy', 'https_only');
  expect(policy.for_each).toBe('${local.buckets}');
  expect(templateFile(policy.policy)).toBe(POLICY_FILES.bucketHttpsOnly);
  expect(String(policy.policy)).toContain('{ bucket_name = each.value.name }');
  // What it renders to: deny everything to everyone over plain HTTP.
  const rendered = renderPolicyTemplate(
    fs.readFileSync(path.join(POLICY_DIR, POLICY_FILES.bucketHttpsOnly), 'utf8'),
    {
      bucket_name: 'pfx-audit',
      bucket_prefix: 'pfx',
      account_id: '1234567890',
    },
  );
  expect(rendered).toMatchObject({
    Statement: [{ Effect: 'Deny', Condition: { Bool: { 'acs:SecureTransport': ['false'] } } }],
  });
  // One source of truth: what Terraform attaches is what `provision` attaches, and what doctor
  // and the posture report accept as HTTPS-only.
  expect(rendered).toEqual(httpsOnlyPolicy('pfx-audit'));
  expect(httpsOnlyStatement(rendered as Record<string, unknown>, 'pfx-audit')).toContain(
    'acs:SecureTransport',
  );
  expect(httpsOnlyStatement(rendered as Record<string, unknown>, 'pfx-other')).toBeNull();
});

test('the encryption Terraform sets is the one provision sets with the production configuration', () => {
  const sse = resource('alicloud_oss_bucket_server_side_encryption', 'this');
  expect(sse.kms_master_key_id).toBe('${alicloud_kms_key.data.id}');
  expect(mod.output.sse_kms_key_id?.[0]?.value).toBe('${alicloud_kms_key.data.id}');
  // The output fills buckets.encryption.kmsKeyId: provision then wants the same rule.
  const keyId = 'key-hzz6512d3e8kxxxxxxx';
  const wanted = wantedEncryption(parseConfig({ buckets: { encryption: { kmsKeyId: keyId } } }));
  expect(wanted).toEqual({ algorithm: sse.sse_algorithm, keyId });
  // Locally (no key named): AES256, which needs no KMS key.
  expect(wantedEncryption(parseConfig({}))).toEqual({ algorithm: 'AES256' });
});

test('the RAM identities come from the same policy files as the emulator’s local identities', () => {
  const vars = { bucket_prefix: 'pfx', account_id: '1234567890' };
  const emulator = defaultIdentities({
    accountId: vars.account_id,
    bucketPrefix: vars.bucket_prefix,
    serviceKey: { id: 'LTAIx', secret: 'x' },
  });
  expect(local('policy_vars')).toEqual({
    bucket_prefix: '${var.bucket_prefix}',
    account_id: '${local.account_id}',
  });
  const render = (expression: unknown): unknown =>
    renderPolicyTemplate(fs.readFileSync(path.join(POLICY_DIR, templateFile(expression)), 'utf8'), vars);

  expect(resource('alicloud_ram_user', 'service').name).toBe('${var.bucket_prefix}-archive');
  expect(emulator.users?.[0]?.name).toBe('pfx-archive');
  expect(render(resource('alicloud_ram_policy', 'service').policy_document)).toEqual(
    emulator.policies?.['archive-service'],
  );
  expect(resource('alicloud_ram_user_policy_attachment', 'service')).toMatchObject({
    policy_name: '${alicloud_ram_policy.service.policy_name}',
    user_name: '${alicloud_ram_user.service.name}',
  });

  for (const [tf, policyName] of [
    ['export_reader', 'export-reader'],
    ['disposition', 'disposition'],
  ] as const) {
    const role = resource('alicloud_ram_role', tf);
    const emulated = emulator.roles?.find((r) => r.name === `pfx-${policyName}`);
    expect(role.role_name).toBe(`\${var.bucket_prefix}-${policyName}`);
    expect(render(role.assume_role_policy_document)).toEqual(emulated?.trustPolicy);
    expect(role.max_session_duration).toBe(emulated?.maxSessionSeconds);
    expect(render(resource('alicloud_ram_policy', tf).policy_document)).toEqual(
      emulator.policies?.[policyName],
    );
    expect(resource('alicloud_ram_role_policy_attachment', tf)).toMatchObject({
      role_name: `\${alicloud_ram_role.${tf}.role_name}`,
    });
  }
  // Every policy file is deployed.
  const used = new Set<string>();
  for (const byName of Object.values(mod.resource))
    for (const [block] of Object.values(byName))
      for (const value of Object.values(block ?? {}))
        if (String(value).includes('templatefile(')) used.add(templateFile(value));
  expect([...used].sort()).toEqual(Object.values(POLICY_FILES).sort());
});

test('the checkpoint signing key (EC_P256, SIGN/VERIFY, HSM) and an ActionTrail trail delivering to the audit bucket', () => {
  expect(resource('alicloud_kms_key', 'checkpoint')).toMatchObject({
    key_spec: 'EC_P256',
    key_usage: 'SIGN/VERIFY',
    protection_level: 'HSM',
  });
  expect(resource('alicloud_kms_key', 'data')).toMatchObject({
    key_usage: 'ENCRYPT/DECRYPT',
    protection_level: 'HSM',
  });
  expect(resource('alicloud_actiontrail_trail', 'this')).toMatchObject({
    oss_bucket_name: '${alicloud_oss_bucket.this["audit"].bucket}',
    trail_region: 'All',
  });
});

test('the outputs fill the production configuration: each names its key, and a configuration made from them is valid', () => {
  const described = Object.fromEntries(
    Object.entries(mod.output).map(([name, [o]]) => [name, String(o?.description ?? '')]),
  );
  // The mapping of infra/README.md, with values as the outputs would give them.
  const sample: Record<string, string> = {
    bucket_prefix: 'acme-hk-strongroom',
    oss_region: 'oss-cn-hongkong',
    oss_endpoint: 'https://oss-cn-hongkong.aliyuncs.com',
    cloud_region: 'cn-hongkong',
    checkpoint_key_id: 'key-hzz6512d3e8kyyyyyyy',
    sse_kms_key_id: 'key-hzz6512d3e8kxxxxxxx',
    export_reader_role_arn: 'acs:ram::1234567890123456:role/acme-hk-strongroom-export-reader',
    disposition_role_arn: 'acs:ram::1234567890123456:role/acme-hk-strongroom-disposition',
  };
  const keys: Record<string, string> = {
    bucket_prefix: 'buckets.prefix',
    oss_region: 'oss.region',
    oss_endpoint: 'oss.endpoint',
    cloud_region: 'cloud.region',
    checkpoint_key_id: 'cloud.kmsKeyId',
    sse_kms_key_id: 'buckets.encryption.kmsKeyId',
    export_reader_role_arn: 'cloud.exportRoleArn',
    disposition_role_arn: 'cloud.dispositionRoleArn',
  };
  const config: Record<string, Record<string, unknown>> = {
    buckets: {},
    cloud: { signer: 'kms' },
    oss: {},
  };
  for (const [output, key] of Object.entries(keys)) {
    expect({ output, description: described[output] }).toEqual({
      output,
      description: expect.stringContaining(key) as unknown as string,
    });
    const [top, ...rest] = key.split('.');
    let at = config[top as string] as Record<string, unknown>;
    for (const part of rest.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
    at[rest.at(-1) as string] = sample[output];
  }
  const parsed = parseConfig({
    ...config,
    profile: 'production',
    databaseUrl: 'postgres://strongroom@db.internal/strongroom',
    oss: { ...config.oss, accessKeyId: 'LTAIexample', accessKeySecret: 'example-secret' },
  });
  expect(parsed.buckets.prefix).toBe(sample.bucket_prefix);
  expect(parsed.buckets.encryption).toEqual({ kmsKeyId: sample.sse_kms_key_id });
  expect(parsed.oss).toMatchObject({ region: sample.oss_region, endpoint: sample.oss_endpoint });
  expect(parsed.cloud).toMatchObject({ signer: 'kms', kmsKeyId: sample.checkpoint_key_id });
  expect(described.retention_days).toContain('buckets.classes');
  expect(mod.output.retention_days?.[0]?.value).toBe('${local.classes}');
});
