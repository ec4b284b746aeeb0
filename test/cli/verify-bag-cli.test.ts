import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { isStrongroomError } from '../../src/errors';
import { noEvidenceChecker, register } from '../../src/cli/commands/verify-bag';
import { testChecker } from '../export/evidence';
import { buildFixtureBag, removeDir, type BuiltBag } from '../export/fixtures';

/**
 * `strongroom verify bag` through commander, with the test's evidence checker injected (the
 * ledger's is wired in by main.ts's registration). Exit codes are main.ts's: here, what the
 * command prints and the outcome it reports (`not-verified` is exit code 4).
 */
describe('strongroom verify bag', () => {
  let bag: BuiltBag;
  let out: string[];
  let spy: jest.SpyInstance;

  beforeAll(async () => {
    bag = await buildFixtureBag();
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  });
  afterAll(async () => {
    spy.mockRestore();
    await removeDir(bag.dir);
  });

  const run = async (
    checker = testChecker,
    ...args: string[]
  ): Promise<{ stdout: string; error: unknown; outcome: string | null }> => {
    out = [];
    let outcome: string | null = null;
    const program = new Command('strongroom').exitOverride().configureOutput({ writeErr: () => undefined });
    register(program, (o) => (outcome = o), { checker });
    try {
      await program.parseAsync(['node', 'strongroom', 'verify', 'bag', ...args]);
      return { stdout: out.join(''), error: null, outcome };
    } catch (error) {
      return { stdout: out.join(''), error, outcome };
    }
  };

  it('prints VERIFIED for a good bag and its published key, from --key or --key-file', async () => {
    const a = await run(testChecker, bag.zip, '--key', bag.ledger.verifierKey);
    expect(a.error).toBeNull();
    expect(a.outcome).toBe('ok');
    expect(a.stdout).toContain('VERIFIED');
    const keyFile = join(bag.dir, 'key.txt');
    writeFileSync(keyFile, `${bag.ledger.verifierKey}\n`);
    const b = await run(testChecker, bag.zip, '--key-file', keyFile, '--json');
    expect(JSON.parse(b.stdout)).toMatchObject({ ok: true, summary: { keySource: 'given' } });
  });

  it('reports not-verified (exit 4 in main.ts) and names each problem when it does not verify', async () => {
    const r = await run(
      testChecker,
      bag.zip,
      '--key',
      'strongroom.test/ledger+00000000+AQ' + 'A'.repeat(42) + '=',
    );
    expect(r.error).toBeNull();
    expect(r.outcome).toBe('not-verified');
    expect(r.stdout).toContain('DOES NOT VERIFY');
    expect(r.stdout).toContain('data/evidence/checkpoint.txt: no valid signature by the verifier key');
  });

  it('never says VERIFIED without a ledger verifier wired in', async () => {
    const r = await run(noEvidenceChecker, bag.zip);
    expect(r.error).toBeNull();
    expect(r.outcome).toBe('not-verified');
    expect(r.stdout).toContain('no ledger verifier wired in');
  });

  it('refuses --key with --key-file, and a missing path', async () => {
    const both = await run(testChecker, bag.zip, '--key', 'k', '--key-file', 'f');
    expect(isStrongroomError(both.error) && both.error.code).toBe('ValidationFailed');
    const none = await run(testChecker);
    expect(none.error).toBeInstanceOf(CommanderError);
  });
});
