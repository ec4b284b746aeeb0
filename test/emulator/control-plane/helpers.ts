import { randomBytes } from 'node:crypto';
import RPCClient from '@alicloud/pop-core';
import type { IamFile } from '../../../src/emulator';
import type { EmulatorOptions } from '../../../src/emulator/types';
import { startTestEmulator, type TestEmulator } from '../helpers';

export const ACCOUNT = '1000000000000001';
export const STS = '2015-04-01';
export const KMS = '2016-01-20';
export const TRAIL = '2020-07-06';

export interface Key {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export function newKey(tag: string): { id: string; secret: string } {
  return { id: `LTAI${tag}${randomBytes(6).toString('hex')}`, secret: randomBytes(18).toString('base64url') };
}

export interface CloudEmulator {
  emu: TestEmulator;
  endpoint: string;
  root: Key;
  /** RAM user `svc`: may assume `reader`, sign with KMS, look up events; OSS reads on `data-*` buckets. */
  svc: Key;
  /** RAM user `nobody`: no policies. */
  nobody: Key;
  roleArn(name: string): string;
  rpc(version: string, key: Key): RPCClient;
  stop(): Promise<void>;
}

/** The IAM file of these tests (the shape `--iam FILE` takes). */
export function testIam(
  svc: { id: string; secret: string },
  nobody: { id: string; secret: string },
): IamFile {
  return {
    accountId: ACCOUNT,
    users: [
      { name: 'svc', accessKeys: [{ id: svc.id, secret: svc.secret }], policies: ['svc-policy'] },
      { name: 'nobody', accessKeys: [{ id: nobody.id, secret: nobody.secret }], policies: [] },
    ],
    roles: [
      { name: 'reader', trustedUsers: ['svc'], maxSessionSeconds: 43200, policies: ['read-data'] },
      { name: 'untrusting', trustedUsers: ['nobody'], policies: ['read-data'] },
      { name: 'short', trustedUsers: ['svc'], maxSessionSeconds: 3600, policies: ['read-data'] },
    ],
    policies: {
      'svc-policy': {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sts:AssumeRole'],
            Resource: [
              `acs:ram::${ACCOUNT}:role/reader`,
              `acs:ram::${ACCOUNT}:role/short`,
              `acs:ram::${ACCOUNT}:role/untrusting`,
            ],
          },
          { Effect: 'Allow', Action: ['kms:*'], Resource: ['*'] },
          { Effect: 'Allow', Action: ['actiontrail:LookupEvents'], Resource: ['*'] },
          { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: ['acs:oss:*:*:data-*/*'] },
          {
            Effect: 'Allow',
            Action: ['oss:ListObjects', 'oss:GetBucketInfo'],
            Resource: ['acs:oss:*:*:data-*'],
          },
        ],
      },
      'read-data': {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['oss:GetObject', 'oss:ListObjects'],
            Resource: ['acs:oss:*:*:data-*', 'acs:oss:*:*:data-*/*'],
          },
          { Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: ['*'] },
        ],
      },
    },
  };
}

export async function startCloudEmulator(overrides: Partial<EmulatorOptions> = {}): Promise<CloudEmulator> {
  const svc = newKey('svc');
  const nobody = newKey('nob');
  const emu = await startTestEmulator({ iam: testIam(svc, nobody), region: 'oss-cn-hongkong', ...overrides });
  const endpoint = emu.handle.controlPlaneUrl;
  return {
    emu,
    endpoint,
    root: { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret },
    svc: { accessKeyId: svc.id, accessKeySecret: svc.secret },
    nobody: { accessKeyId: nobody.id, accessKeySecret: nobody.secret },
    roleArn: (name) => `acs:ram::${ACCOUNT}:role/${name}`,
    rpc: (version, key) =>
      new RPCClient({
        endpoint,
        apiVersion: version,
        accessKeyId: key.accessKeyId,
        accessKeySecret: key.accessKeySecret,
        ...(key.securityToken !== undefined ? { securityToken: key.securityToken } : {}),
      }),
    stop: () => emu.stop(),
  };
}

/** What pop-core throws for a cloud error answer. */
export interface PopCoreError extends Error {
  code: string;
  data: { RequestId: string; HostId: string; Code: string; Message: string };
  entry: { response: { statusCode: number } };
}

export async function expectRpcError(p: Promise<unknown>): Promise<PopCoreError> {
  try {
    await p;
  } catch (err) {
    return err as PopCoreError;
  }
  throw new Error('expected the call to fail');
}

export interface AssumeRoleAnswer {
  RequestId: string;
  AssumedRoleUser: { Arn: string; AssumedRoleId: string };
  Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
}

export async function assume(
  cloud: CloudEmulator,
  key: Key,
  role: string,
  params: Record<string, string | number> = {},
): Promise<{ answer: AssumeRoleAnswer; key: Key }> {
  const answer = await cloud
    .rpc(STS, key)
    .request<AssumeRoleAnswer>(
      'AssumeRole',
      { RoleArn: cloud.roleArn(role), RoleSessionName: 'test-session', ...params },
      { method: 'POST' },
    );
  return {
    answer,
    key: {
      accessKeyId: answer.Credentials.AccessKeyId,
      accessKeySecret: answer.Credentials.AccessKeySecret,
      securityToken: answer.Credentials.SecurityToken,
    },
  };
}

/** CreateKey makes an RSA key on the emulator's thread pool: seconds on a loaded machine, not pop-core's default 3. */
export const CREATE_KEY = { method: 'POST', timeout: 60_000 };
