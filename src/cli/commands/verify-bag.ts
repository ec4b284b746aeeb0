import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ValidationError } from '../../errors';
import { verifyBag, type BagVerification, type EvidenceChecker } from '../../export';
import { printJson } from '../common';
import type { Finish } from '../outcome';

export interface VerifyBagCommandOptions {
  key?: string;
  keyFile?: string;
  json?: boolean;
}

/**
 * Until src/ledger's tlog-proof and signed-note verifier is wired in (by whoever registers this
 * command), every bag fails on its evidence with this reason: a bag is never called verified
 * without its proofs and signature checked.
 */
export const noEvidenceChecker: EvidenceChecker = {
  checkpoint: () => [
    {
      file: 'data/evidence/checkpoint.txt',
      what: 'this build has no ledger verifier wired in: the signature was not checked',
    },
  ],
  proof: ({ proofFile }) => [
    { file: proofFile, what: 'this build has no ledger verifier wired in: the proof was not checked' },
  ],
};

/**
 * `strongroom verify bag FILE.zip|DIR [--key KEY | --key-file F] [--json]`: prints the verdict and
 * returns the result (not verified is exit code 4: the outcome `not-verified`, src/cli/main.ts).
 */
export async function verifyBagCommand(
  path: string,
  opts: VerifyBagCommandOptions,
  checker: EvidenceChecker,
): Promise<BagVerification> {
  if (opts.key !== undefined && opts.keyFile !== undefined) {
    throw new ValidationError('give the verifier key with --key or --key-file, not both');
  }
  const key = opts.keyFile !== undefined ? (await readFile(opts.keyFile, 'utf8')).trim() : opts.key;
  const result = await verifyBag(path, { checker, ...(key ? { key } : {}) });
  if (opts.json) printJson(result);
  else process.stdout.write(result.verdict);
  return result;
}

/** Adds `bag` under the `verify` command (created here unless another module made it first). */
export function register(
  program: Command,
  finish: Finish,
  deps: { checker: EvidenceChecker } = { checker: noEvidenceChecker },
): void {
  const verify =
    program.commands.find((c) => c.name() === 'verify') ??
    program.command('verify').description('offline checks of what the archive produced');
  verify
    .command('bag')
    .description(
      'check an export bag (ZIP or unzipped folder) offline: BagIt manifests, completeness, proofs, checkpoint signature; exit 4 when it does not verify',
    )
    .argument('<path>', 'the bag: FILE.zip or an unzipped folder')
    .option('--key <key>', "the archive's published verifier key (<name>+<hex id>+<base64>)")
    .option('--key-file <file>', 'a file holding the verifier key')
    .option('--json', 'machine-readable output (every problem)')
    .action(async (path: string, opts: VerifyBagCommandOptions) => {
      const result = await verifyBagCommand(path, opts, deps.checker);
      finish(result.ok ? 'ok' : 'not-verified');
    });
}
