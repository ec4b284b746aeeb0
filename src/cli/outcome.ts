/**
 * How a command ended, as far as its exit code goes (src/cli/main.ts maps it; nothing else
 * does). A command that throws a typed error needs none of this: main answers 1 for it.
 * - `ok`: done;
 * - `failed`: done, but part of the work failed (lines of a batch, objects recovery could not commit);
 * - `not-compliant`: the posture check found what production must not run with;
 * - `not-verified`: a `verify` command found evidence that does not check out;
 * - `interrupted`: stopped by the operator (Ctrl-C) after reporting what was done.
 */
export type Outcome = 'ok' | 'failed' | 'not-compliant' | 'not-verified' | 'interrupted';

/** Given to each command's `register`: the action reports its outcome through it. */
export type Finish = (outcome: Outcome) => void;
