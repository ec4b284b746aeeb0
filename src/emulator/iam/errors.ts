/**
 * A policy document that does not follow the RAM policy grammar. The message names the place
 * (`Statement[1].Condition.IpAddress.acs:SourceIp`) and the problem; STS answers it as
 * `InvalidParameter.PolicyGrammar`, `--iam` files as a start-up error.
 */
export class PolicyGrammarError extends Error {
  override readonly name = 'PolicyGrammarError';
}

/** An `--iam` file (or the default identities) that cannot be used; the message says why. */
export class IamConfigError extends Error {
  override readonly name = 'IamConfigError';
}
