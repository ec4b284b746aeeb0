import { createPublicKey, verify } from 'node:crypto';
import { createSigner } from '../../src/cloud';
import { AccessDeniedError, ControlPlaneError, NotFoundError, ValidationError } from '../../src/errors';
import { alibabaEnv, alibabaTarget, emulatorTarget, type CloudTarget, type TargetSpec } from './targets';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The src/cloud conformance suite: the same tests against the emulator and, when
 * STRONGROOM_TEST_ALIBABA_* credentials are set (see targets.ts), against the real control plane,
 * so the emulator stays honest. Without them, it says the real run was skipped.
 */
const real = alibabaEnv();
const specs: TargetSpec[] = [emulatorTarget()];
if ('skipped' in real) console.warn(real.skipped);
else specs.push(alibabaTarget(real));

describe.each(specs.map((s) => [s.name, s] as const))('src/cloud against %s', (_name, spec) => {
  let t: CloudTarget;
  beforeAll(async () => {
    t = await spec.open();
  });
  afterAll(async () => {
    await t.close();
  });

  it('GetCallerIdentity: a RAM user, never the root account', async () => {
    const me = await t.clients.sts.getCallerIdentity();
    expect(me.identityType).toBe('RAMUser');
    expect(me.arn).toMatch(/^acs:ram::\d+:user\/.+$/);
    expect(me.accountId).toMatch(/^\d+$/);
  });

  it('AssumeRole with a scoped session policy: STS. credentials expiring after the duration; the session knows who it is', async () => {
    const before = Date.now();
    const creds = await t.clients.sts.assumeRole({
      roleArn: t.roleArn,
      sessionName: 'strongroom-conformance',
      durationSeconds: 900,
      scope: { bucket: t.bucket, prefix: 'conformance/', actions: ['GetObject'] },
    });
    expect(creds.accessKeyId).toMatch(/^STS\./);
    expect(creds.securityToken.length).toBeGreaterThan(0);
    // Allow five minutes of clock difference with the cloud.
    expect(Math.abs(creds.expiration.getTime() - (before + 900_000))).toBeLessThan(300_000);
    expect(creds.assumedRoleArn).toMatch(/^acs:ram::\d+:role\/[^/]+\/strongroom-conformance$/);
  });

  it('refuses a role that does not exist (or that we may not assume) and a session policy the grammar refuses', async () => {
    const account = (await t.clients.sts.getCallerIdentity()).accountId;
    const missing = await t.clients.sts
      .assumeRole({ roleArn: `acs:ram::${account}:role/strongroom-no-such-role-x`, sessionName: 'missing' })
      .catch((e: unknown) => e);
    // A caller without sts:AssumeRole on that ARN is refused before the role is looked up.
    expect(missing instanceof NotFoundError || missing instanceof AccessDeniedError).toBe(true);
    await expect(
      t.clients.sts.assumeRole({
        roleArn: t.roleArn,
        sessionName: 'x',
        scope: { bucket: t.bucket, prefix: 'p/', actions: ['GetObject'] },
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('the KMS signer signs checkpoints with ECDSA P-256: DER that node:crypto verifies', async () => {
    const info = await t.clients.kms.describeKey(t.kmsKeyId);
    expect([info.keySpec, info.keyUsage]).toEqual(['EC_P256', 'SIGN/VERIFY']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-conf-'));
    const signer = createSigner({ signer: 'kms', kmsKeyId: t.kmsKeyId }, dir, t.clients);
    const message = Buffer.from('strongroom.example/log\n12\nAAAA\n');
    const sig = await signer.sign(message);
    const pub = createPublicKey({ key: await signer.publicKey(), format: 'der', type: 'spki' });
    expect(verify('sha256', message, pub, sig)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('KMS refuses an unknown key', async () => {
    const err = await t.clients.kms.describeKey('key-strongroom-does-not-exist').catch((e: unknown) => e);
    expect(
      err instanceof NotFoundError || err instanceof AccessDeniedError || err instanceof ControlPlaneError,
    ).toBe(true);
  });

  it('ActionTrail LookupEvents answers and pages', async () => {
    const now = new Date();
    const events = [];
    for await (const e of t.clients.actionTrail.lookupEvents({
      start: new Date(now.getTime() - 24 * 3600_000),
      end: now,
      pageSize: 5,
    })) {
      events.push(e);
      if (events.length >= 12) break;
    }
    for (const e of events) {
      expect(e.eventId).toEqual(expect.any(String));
      expect(e.eventTime).toBeInstanceOf(Date);
    }
  });
});

describe('real-cloud conformance settings', () => {
  it('says why the real run is skipped when credentials are missing', () => {
    expect(alibabaEnv({ STRONGROOM_TEST_ALIBABA_ACCESS_KEY_ID: 'LTAIx' })).toEqual({
      skipped: expect.stringContaining(
        'STRONGROOM_TEST_ALIBABA_ACCESS_KEY_SECRET, STRONGROOM_TEST_ALIBABA_ROLE_ARN, STRONGROOM_TEST_ALIBABA_KMS_KEY_ID not set',
      ),
    });
  });

  it('reads keys, role, key id, region and the region endpoints', () => {
    expect(
      alibabaEnv({
        STRONGROOM_TEST_ALIBABA_ACCESS_KEY_ID: 'LTAIx',
        STRONGROOM_TEST_ALIBABA_ACCESS_KEY_SECRET: 's',
        STRONGROOM_TEST_ALIBABA_ROLE_ARN: 'acs:ram::1:role/r',
        STRONGROOM_TEST_ALIBABA_KMS_KEY_ID: 'key-1',
      }),
    ).toMatchObject({
      region: 'cn-hongkong',
      endpoints: {
        sts: 'https://sts.cn-hongkong.aliyuncs.com',
        kms: 'https://kms.cn-hongkong.aliyuncs.com',
        actionTrail: 'https://actiontrail.cn-hongkong.aliyuncs.com',
      },
    });
  });
});
