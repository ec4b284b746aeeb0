import { Command, CommanderError } from 'commander';
import { isStrongroomError } from '../errors';
import { register as registerDoctor } from './commands/doctor';
import { register as registerEmulator } from './commands/emulator';
import { register as registerIngest } from './commands/ingest';
import { register as registerProvision } from './commands/provision';
import { register as registerReconcile } from './commands/reconcile';
import { register as registerServe } from './commands/serve';
import { register as registerUsers } from './commands/users';
import { register as registerVerifyBag } from './commands/verify-bag';
import { register as registerWorm } from './commands/worm';

/**
 * The `strongroom` command. Each command lives in src/cli/commands/<name>.ts as a plain
 * `register(program)` that adds it; commands return results and throw typed errors, and only
 * this file decides exit codes.
 */
export function buildProgram(): Command {
  const program = new Command('strongroom')
    .description('A WORM archive for regulatory records on Alibaba Cloud OSS')
    .showHelpAfterError()
    .exitOverride();
  // registrations (one line per command module)
  registerEmulator(program);
  registerServe(program);
  registerProvision(program);
  registerIngest(program);
  registerReconcile(program);
  registerWorm(program);
  registerDoctor(program);
  registerUsers(program);
  registerVerifyBag(program);
  return program;
}

/** Exit codes: 0 ok, 1 failure (typed error), 2 usage, 3 not compliant, 4 does not verify. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isStrongroomError(err)) {
      process.stderr.write(`strongroom: ${err.code}: ${err.message}\n`);
      return err.code === 'NotCompliant' ? 3 : err.code === 'NotVerified' ? 4 : 1;
    }
    process.stderr.write(
      `strongroom: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
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
      process.exitCode = 1;
    },
  );
}

if (require.main === module) run();
