import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Command } from 'commander';
import { openCatalog } from '../../catalog';
import { leafData } from '../../catalog/hashing';
import { LocalEd25519Signer, LOCAL_KEY_FILE } from '../../cloud/signer-local';
import { bucketPlan, catalogLocation, type Config } from '../../config';
import { ConfigError, ValidationError } from '../../errors';
import { firstMismatch } from '../../evidence/agreement';
import { EvidenceLedger, ledgerOrigin } from '../../evidence';
import {
  latestCheckpoint,
  ObjectTileStore,
  parseVerifierKey,
  signerVerifierKey,
  verifyLog,
  verifyTlogProof,
  type VerifierKey,
} from '../../ledger';
import { openCloud } from '../../runtime/cloud';
import { cliConfig, cliLogger, printJson, withCommonOptions, withStore, type CommonOptions } from '../common';
import type { Finish } from '../outcome';

/**
 * `strongroom verify ledger [--bucket [NAME]] [--state FILE]`, `strongroom verify record ID`,
 * `strongroom verify proof FILE --key KEY --id ID (--sha256 HEX | --file PATH)`. Exit 0 verified,
 * 4 not verified (the first problem and where, in words), others for usage and unreachable
 * services. No server is involved: the bucket (and the catalog, when it is compared) directly.
 */

export interface VerifyResult {
  ok: boolean;
  /** The first problem, legible. */
  problem?: { what: string; where: string; message: string };
  facts: Record<string, unknown>;
}

interface KeyOptions extends CommonOptions {
  key?: string;
  keyFile?: string;
  json?: boolean;
}

function keyFrom(text: string): VerifierKey {
  const parsed = parseVerifierKey(text.trim());
  if (!parsed.ok) throw new ValidationError(parsed.message);
  return parsed.key;
}

/** --key, --key-file, else the archive's own key (the local key file, or KMS's public key); never creates one. */
export async function verifierKeyOf(
  config: Config,
  opts: KeyOptions,
  handle?: Parameters<typeof openCloud>[1],
): Promise<VerifierKey> {
  if (opts.key !== undefined && opts.keyFile !== undefined)
    throw new ValidationError('give the verifier key with --key or --key-file, not both');
  if (opts.key !== undefined) return keyFrom(opts.key);
  if (opts.keyFile !== undefined) return keyFrom(fs.readFileSync(opts.keyFile, 'utf8'));
  const origin = ledgerOrigin(config);
  if (config.cloud.signer === 'local') {
    if (!fs.existsSync(`${config.dataDir}/${LOCAL_KEY_FILE}`))
      throw new ConfigError(
        `no verifier key: give --key (GET /v1/ledger/key) or run where ${config.dataDir} holds the key`,
      );
    return signerVerifierKey(origin, LocalEd25519Signer.open(config.dataDir));
  }
  if (!handle) throw new ConfigError('give the verifier key with --key');
  return signerVerifierKey(origin, openCloud(config, handle, cliLogger(config)).signer);
}

function report(result: VerifyResult, opts: { json?: boolean }, title: string): VerifyResult {
  if (opts.json) printJson(result);
  else if (result.ok) {
    const facts = Object.entries(result.facts).map(([k, v]) => `  ${k}: ${String(v)}`);
    process.stdout.write(`${title}: VERIFIED\n${facts.join('\n')}\n`);
  } else {
    const p = result.problem;
    process.stdout.write(
      `${title}: NOT VERIFIED\n  problem: ${p?.what}\n  where: ${p?.where}\n  ${p?.message}\n`,
    );
  }
  return result;
}

interface LedgerOptions extends KeyOptions {
  bucket?: string | boolean;
  state?: string;
}

interface State {
  size: string;
  root: string;
  key?: string;
  note?: string;
}

export async function verifyLedgerCommand(opts: LedgerOptions): Promise<VerifyResult> {
  const config = cliConfig(opts);
  const bucketOnly = opts.bucket !== undefined;
  const bucket = typeof opts.bucket === 'string' ? opts.bucket : bucketPlan(config).audit.bucket;
  let from: { size: bigint; root: Buffer } | undefined;
  if (opts.state && fs.existsSync(opts.state)) {
    const s = JSON.parse(fs.readFileSync(opts.state, 'utf8')) as State;
    if (!/^(0|[1-9][0-9]*)$/.test(s.size) || !/^[0-9a-f]{64}$/.test(s.root))
      throw new ValidationError(`${opts.state} is not a state file this command wrote`);
    from = { size: BigInt(s.size), root: Buffer.from(s.root, 'hex') };
  }
  const result = await withStore(
    config,
    async (handle): Promise<VerifyResult> => {
      const key = await verifierKeyOf(config, opts, handle);
      const store = new ObjectTileStore({ store: handle.store, bucket });
      const log = await verifyLog({ store, key, ...(from ? { from } : {}) });
      if (!log.ok)
        return {
          ok: false,
          problem: { what: log.problem, where: `${bucket}/${log.where}`, message: log.message },
          facts: { verifiedLeaves: String(log.verifiedSize) },
        };
      const facts: Record<string, unknown> = {
        bucket,
        leaves: String(log.size),
        checkpoints: log.checkpoints,
        latest: log.latest?.key ?? 'none',
        key: key.text,
      };
      if (from) facts.consistentWithState = `${from.size} (${opts.state})`;
      if (!bucketOnly && log.latest) {
        const catalog = await openCatalog(catalogLocation(config));
        try {
          const size = Number(log.latest.size);
          const m = await firstMismatch(catalog, store, log.latest.size, 0, size);
          if (m)
            return {
              ok: false,
              problem: {
                what: 'catalog_mismatch',
                where: `catalog ledger row ${m.index}`,
                message: m.message,
              },
              facts: { ...facts, catalog: m.catalog, bucketHolds: m.bucket },
            };
          facts.catalog = `its first ${size} ledger rows agree with the bucket`;
        } finally {
          await catalog.close();
        }
      }
      if (opts.state && log.latest) {
        const state: State = {
          size: String(log.latest.size),
          root: log.latest.root.toString('hex'),
          key: log.latest.key,
          note: log.latest.note,
        };
        fs.writeFileSync(opts.state, `${JSON.stringify(state, null, 2)}\n`);
      }
      return { ok: true, facts };
    },
    { as: 'service' },
  );
  return report(result, opts, 'verify ledger');
}

export async function verifyRecordCommand(id: string, opts: KeyOptions): Promise<VerifyResult> {
  const config = cliConfig(opts);
  const result = await withStore(
    config,
    async (handle): Promise<VerifyResult> => {
      const key = await verifierKeyOf(config, opts, handle);
      const store = new ObjectTileStore({ store: handle.store, bucket: bucketPlan(config).audit.bucket });
      const catalog = await openCatalog(catalogLocation(config));
      try {
        const record = await catalog.getRecord(id);
        if (!record) throw new ValidationError(`no record ${id} in the catalog`);
        const where = `${record.bucket}/${record.objectKey}`;
        const bytes = (await handle.store.getBuffer(record.bucket, record.objectKey)).body;
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const facts: Record<string, unknown> = {
          record: id,
          object: where,
          sha256,
          ledgerIndex: record.ledgerSeq,
        };
        if (sha256 !== record.sha256)
          return {
            ok: false,
            problem: {
              what: 'content_mismatch',
              where,
              message: `the stored bytes hash to ${sha256}, the catalog says ${record.sha256}`,
            },
            facts,
          };
        const latest = await latestCheckpoint(store, key);
        if (!latest || latest.size <= BigInt(record.ledgerSeq))
          return {
            ok: false,
            problem: {
              what: 'not_checkpointed',
              where: `ledger entry ${record.ledgerSeq}`,
              message: 'no signed checkpoint covers this record yet',
            },
            facts,
          };
        const ledger = new EvidenceLedger({
          catalog: {
            latestCheckpointRow: async () => ({
              treeSize: Number(latest.size),
              rootHash: latest.root.toString('hex'),
              key: latest.key,
              createdAt: new Date(0),
            }),
            checkpointRows: () => Promise.resolve([]),
            ledgerLeaves: (r) => catalog.ledgerLeaves(r),
            getRecord: (r) => catalog.getRecord(r),
          },
          store,
          key: () => Promise.resolve(key),
          retryAfterSeconds: () => 0,
        });
        const proof = await ledger.tlogProof(record.ledgerSeq, {
          row: {
            treeSize: Number(latest.size),
            rootHash: latest.root.toString('hex'),
            key: latest.key,
            createdAt: new Date(0),
          },
          note: latest.note,
        });
        const check = verifyTlogProof(proof, { key, leafData: leafData({ kind: 'record', id, sha256 }) });
        if (!check.ok)
          return {
            ok: false,
            problem: {
              what: check.problem,
              where: `ledger entry ${record.ledgerSeq} in ${latest.key}`,
              message: check.message,
            },
            facts,
          };
        return { ok: true, facts: { ...facts, checkpoint: latest.key, treeSize: String(latest.size) } };
      } finally {
        await catalog.close();
      }
    },
    { as: 'service' },
  );
  return report(result, opts, `verify record ${id}`);
}

interface ProofOptions extends KeyOptions {
  id?: string;
  kind?: string;
  sha256?: string;
  file?: string;
}

/** Offline: nothing but the file, the key and the entry. */
export function verifyProofCommand(file: string, opts: ProofOptions): VerifyResult {
  if (opts.key === undefined && opts.keyFile === undefined)
    throw new ValidationError('--key (or --key-file) is required');
  if (opts.id === undefined)
    throw new ValidationError('--id is required: the entry (record id) the proof is for');
  if ((opts.sha256 === undefined) === (opts.file === undefined))
    throw new ValidationError(
      "give the entry's SHA-256 with --sha256 HEX or --file PATH (its bytes), one of them",
    );
  const key = keyFrom(opts.key ?? fs.readFileSync(opts.keyFile as string, 'utf8'));
  const sha256 =
    opts.sha256 ??
    createHash('sha256')
      .update(fs.readFileSync(opts.file as string))
      .digest('hex');
  const kind = (opts.kind ?? 'record') as Parameters<typeof leafData>[0]['kind'];
  let data: Buffer;
  try {
    data = leafData({ kind, id: opts.id, sha256 });
  } catch (err) {
    throw new ValidationError(`not a ledger entry: ${(err as Error).message}`);
  }
  const check = verifyTlogProof(fs.readFileSync(file, 'utf8'), { key, leafData: data });
  const facts = { file, entry: `${kind} ${opts.id} ${sha256}`, key: key.text };
  const result: VerifyResult = check.ok
    ? { ok: true, facts: { ...facts, index: String(check.index), treeSize: String(check.checkpoint.size) } }
    : { ok: false, problem: { what: check.problem, where: file, message: check.message }, facts };
  return report(result, opts, `verify proof ${file}`);
}

export function register(program: Command, finish: Finish): void {
  const verify =
    program.commands.find((c) => c.name() === 'verify') ??
    program.command('verify').description('offline checks of what the archive produced');
  const keyOptions = (c: Command): Command =>
    c
      .option('--key <key>', "the archive's published verifier key (<name>+<hex id>+<base64>)")
      .option('--key-file <file>', 'a file holding the verifier key')
      .option('--json', 'machine-readable output');
  keyOptions(
    withCommonOptions(
      verify
        .command('ledger')
        .description(
          'recompute the log from the tiles in the audit bucket, check every checkpoint (signature, root, consistency with the next) and that the catalog agrees; exit 4 when it does not verify',
        ),
    ),
  )
    .option('--bucket [name]', 'the bucket alone (no catalog); NAME: another bucket than the audit bucket')
    .option(
      '--state <file>',
      'remember the latest checkpoint verified, and prove consistency from it next time',
    )
    .action(async (opts: LedgerOptions) => {
      finish((await verifyLedgerCommand(opts)).ok ? 'ok' : 'not-verified');
    });
  keyOptions(
    withCommonOptions(
      verify
        .command('record <id>')
        .description(
          "the record's stored bytes against the catalog, and its inclusion in the latest signed checkpoint",
        ),
    ),
  ).action(async (id: string, opts: KeyOptions) => {
    finish((await verifyRecordCommand(id, opts)).ok ? 'ok' : 'not-verified');
  });
  keyOptions(
    verify
      .command('proof <file>')
      .description(
        'a C2SP tlog-proof file, offline: the checkpoint signature and the inclusion of the entry',
      ),
  )
    .option('--id <id>', 'the entry id (record id)')
    .option('--kind <kind>', 'the entry kind (default record)')
    .option('--sha256 <hex>', "the entry's SHA-256")
    .option('--file <path>', "the entry's bytes (the stored record), hashed here")
    .action((file: string, opts: ProofOptions) => {
      finish(verifyProofCommand(file, opts).ok ? 'ok' : 'not-verified');
    });
}
