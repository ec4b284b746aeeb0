import type { FaultConfig, FaultRule } from './types';

/** What the fault rules decided for one request. */
export interface FaultDecision {
  error: { status: number; code: string } | null;
  latencyMs: number;
  reset: boolean;
  flipByte: boolean;
  dropCrc: boolean;
  wrongCrc: boolean;
}

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// OSS codes are alphanumeric; control-plane codes may have dots (Throttling.User).
const ERROR_CODE = /^[A-Za-z0-9][A-Za-z0-9.]*$/;

/** Throws a TypeError describing the first problem in a fault configuration. */
export function validateFaultConfig(config: FaultConfig): void {
  if (!Number.isFinite(config.seed)) throw new TypeError('faults.seed must be a number');
  if (!Array.isArray(config.rules)) throw new TypeError('faults.rules must be an array');
  config.rules.forEach((rule: FaultRule, i) => {
    const at = `faults.rules[${i}]`;
    if (typeof rule.operation !== 'string' || rule.operation === '')
      throw new TypeError(`${at}.operation must be a non-empty string`);
    if (typeof rule.probability !== 'number' || !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new TypeError(`${at}.probability must be a number from 0 to 1`);
    }
    if (rule.error !== undefined) {
      const { status, code } = rule.error;
      if (!Number.isInteger(status) || status < 300 || status > 599)
        throw new TypeError(`${at}.error.status must be an HTTP status 300-599`);
      if (typeof code !== 'string' || !ERROR_CODE.test(code))
        throw new TypeError(
          `${at}.error.code must be an OSS error code (letters and digits) or a control-plane code (with dots)`,
        );
    }
    if (rule.latencyMs !== undefined && !(Number.isFinite(rule.latencyMs) && rule.latencyMs >= 0)) {
      throw new TypeError(`${at}.latencyMs must be a non-negative number`);
    }
    const effects = [
      rule.error,
      rule.latencyMs,
      rule.reset,
      rule.flipByte,
      rule.dropCrc,
      rule.wrongCrc,
    ].filter((v) => v !== undefined && v !== false);
    if (effects.length === 0)
      throw new TypeError(`${at} has no effect (error, latencyMs, reset, flipByte, dropCrc or wrongCrc)`);
  });
}

/**
 * Decides, per request, which fault rules fire. Off unless rules are set. Every matching rule draws
 * one number from the seeded PRNG in rule order, so the same seed and the same sequence of
 * operations give the same faults.
 */
export class FaultInjector {
  private config: FaultConfig | null = null;
  private random: () => number = Math.random;

  constructor(config?: FaultConfig | null) {
    this.set(config ?? null);
  }

  set(config: FaultConfig | null): void {
    if (config !== null) validateFaultConfig(config);
    this.config =
      config && config.rules.length > 0
        ? { seed: config.seed, rules: config.rules.map((r) => ({ ...r })) }
        : null;
    this.random = mulberry32(config?.seed ?? 0);
  }

  get active(): boolean {
    return this.config !== null;
  }

  decide(operation: string): FaultDecision | null {
    const config = this.config;
    if (config === null) return null;
    let decision: FaultDecision | null = null;
    for (const rule of config.rules) {
      if (rule.operation !== '*' && rule.operation !== operation) continue;
      if (this.random() >= rule.probability) continue;
      decision ??= {
        error: null,
        latencyMs: 0,
        reset: false,
        flipByte: false,
        dropCrc: false,
        wrongCrc: false,
      };
      if (rule.error && decision.error === null)
        decision.error = { status: rule.error.status, code: rule.error.code };
      if (rule.latencyMs) decision.latencyMs += rule.latencyMs;
      if (rule.reset) decision.reset = true;
      if (rule.flipByte) decision.flipByte = true;
      if (rule.dropCrc) decision.dropCrc = true;
      if (rule.wrongCrc) decision.wrongCrc = true;
    }
    return decision;
  }

  /** A deterministic position in [0, length) for a flipped byte. */
  pick(length: number): number {
    return Math.floor(this.random() * length);
  }
}
