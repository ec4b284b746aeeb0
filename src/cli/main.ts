import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { isStrongroomError } from '../errors';
import { detailLines } from './api-error';
import { register as registerAlerts } from './commands/alerts';
import { register as registerAudit } from './commands/audit';
import { register as registerDoctor } from './commands/doctor';
import { register as registerEmulator } from './commands/emulator';
import { register as registerExport } from './commands/export';
import { register as registerIngest } from './commands/ingest';
import { register as registerProvision } from './commands/provision';
import { register as registerReconcile } from './commands/reconcile';
import { register as registerReports } from './commands/reports';
import { register as registerServe } from './commands/serve';
import { register as registerUsers } from './commands/users';
import { register as registerVerifyAudit } from './commands/verify-audit';
import { register as registerVerifyBag } from './commands/verify-bag';
import { register as registerVerifyLedger } from './commands/verify-ledger';
import { ledgerEvidenceChecker } from '../evidence/bag-checker';
import { register as registerVerifyFixity } from './commands/verify-fixity';
import { register as registerWorm } from './commands/worm';
import type { Finish, Outcome } from './outcome';

/** The exit codes of `strongroom`, decided here and only here. */
export const EXIT_CODES: Record<Outcome | 'usage', number> = {
  ok: 0,
  failed: 1,
  usage: 2,
  'not-compliant': 3,
  'not-verified': 4,
  interrupted: 130,
};

export const EXIT_HELP = `
Exit codes:
  0  done
  1  failed: an error (its code and message on stderr), a batch with failed lines (ingest),
     objects reconcile or reindex could not commit
  2  usage: unknown command or option, missing argument
  3  not compliant: doctor found a bucket that is not Locked with enough days, or without logging
  4  does not verify: verify found evidence that does not check out (each problem is named)
  130  interrupted (Ctrl-C): ingest printed what was done so far; re-running it is safe
`;

/**
 * The `strongroom` command. Each command lives in src/cli/commands/<name>.ts as a plain
 * `register(program, finish)` that adds it; commands return results and throw typed errors, and
 * say how they ended through `finish` (src/cli/outcome.ts). Only this file turns that, or an
 * error, into an exit code.
 */
export function buildProgram(finish: Finish = () => undefined): Command {
  const program = new Command('strongroom')
    .description('A WORM archive for regulatory records on Alibaba Cloud OSS')
    .version(`strongroom ${version()} (Node ${process.versions.node})`, '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', EXIT_HELP);
  // registrations (one line per command module)
  registerEmulator(program);
  registerServe(program);
  registerProvision(program);
  registerIngest(program, finish);
  registerReconcile(program, finish);
  registerWorm(program);
  registerDoctor(program, finish);
  registerUsers(program);
  registerVerifyBag(program, finish, { checker: ledgerEvidenceChecker });
  registerVerifyLedger(program, finish);
  registerAlerts(program);
  registerVerifyAudit(program, finish);
  registerAudit(program, finish);
  registerExport(program, finish);
  registerVerifyFixity(program, finish);
  registerReports(program, finish);
  return program;
}

/**
 * The package's version (package.json, two levels above src/cli and dist/cli); `unknown` when the
 * code runs from somewhere else (a build in another directory): never a reason not to start.
 */
export function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
    return pkg.name === 'strongroom' && typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Runs the program on `argv` and resolves with its exit code (EXIT_CODES). */
export async function main(argv: string[]): Promise<number> {
  let outcome: Outcome = 'ok';
  const program = buildProgram((o) => {
    outcome = o;
  });
  try {
    await program.parseAsync(argv);
    return EXIT_CODES[outcome];
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    if (isStrongroomError(err)) {
      process.stderr.write(`strongroom: ${err.code}: ${err.message}\n`);
      // The details (validation issues, the valid values...), unless the message already says them.
      for (const line of detailLines(err.details))
        if (!err.message.includes(line)) process.stderr.write(`strongroom:   ${line}\n`);
      if (err.hint) process.stderr.write(`strongroom: hint: ${err.hint}\n`);
      return EXIT_CODES.failed;
    }
    process.stderr.write(
      `strongroom: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return EXIT_CODES.failed;
  }
}

/** Entry point used by bin/strongroom.js. */
export function run(argv: string[] = process.argv): void {
  main(argv).then(
    (code) => {
      // Long-running commands (serve, emulator) never resolve until stopped.
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`strongroom: ${String(err)}\n`);
      process.exitCode = EXIT_CODES.failed;
    },
  );
}

if (require.main === module) run();
