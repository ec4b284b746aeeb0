/**
 * The audit event of one access: one owner, one builder, appended once (docs/ARCHITECTURE.md,
 * "The way of an audit event"; docs/decisions/0004-owners.md).
 *
 * Whoever serves the access holds its AuditScope: the HTTP layer makes one per request
 * (src/http/middleware/request.ts), a batch makes one per line (`child`), recovery one per object
 * it commits. Contributors only add to it: the route guard names the action and the principal,
 * routes note facts and the target. Exactly one of these then records the event:
 * - `within(...)`: a write puts the event in its own transaction (the record row, the ledger leaf
 *   and the event commit together, or none do); holds and dispositions will do the same;
 * - `append(...)`: the event on its own, before the answer goes out; fails closed (throws
 *   AuditUnavailableError) so that an access the trail cannot take is refused;
 * - `tryAppend(...)`: the same where refusing is not possible any more (a streamed answer under
 *   way, an error answer, /metrics); the caller logs a failure.
 * `appendAnother` adds a second event for an access already recorded (a streamed answer that
 * broke half-way). A scope never records twice.
 */
import type { AuditOutcome, NewAuditEvent } from '../catalog/types';
import { AuditUnavailableError } from '../errors';
import { systemClock, type Clock } from '../util/clock';

/** Where events go: the catalog's audit trail. */
export interface AuditTrail {
  appendAudit(event: NewAuditEvent): Promise<unknown>;
}

/** Who did what to what, from where. */
export interface AuditSubject {
  principalId?: string | null;
  action?: string;
  target?: string | null;
  ip?: string | null;
  requestId?: string | null;
}

/** Facts the owner fills in when a contributor left them out (for HTTP: the route as target). */
export type AuditFallback = () => { action?: string; target?: string; details?: Record<string, unknown> };

/** `open`: nothing recorded yet; `recorded`: the event is in the trail; `failed`: the trail refused it. */
export type AuditState = 'open' | 'recorded' | 'failed';

/** The action of an access no route claimed (an unknown /v1 path). */
export const UNMATCHED_ACTION = 'http.unmatched';

/** Audit targets are bounded, whatever a sender wrote. */
export const MAX_TARGET_LENGTH = 160;

export class AuditScope {
  private subject: AuditSubject;
  private notes: Record<string, unknown> = {};
  private current: AuditState = 'open';
  private holds = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly trail: AuditTrail,
    subject: AuditSubject = {},
    private readonly options: { clock?: Clock; fallback?: AuditFallback } = {},
  ) {
    this.subject = { ...subject };
  }

  get state(): AuditState {
    return this.current;
  }

  /** True once the event is in the trail. */
  get recorded(): boolean {
    return this.current === 'recorded';
  }

  get action(): string | undefined {
    return this.subject.action;
  }

  get principalId(): string | null | undefined {
    return this.subject.principalId;
  }

  /** Names who, what or from where (the guard: action and principal; routes and services: target). */
  set(subject: AuditSubject): void {
    const next = { ...this.subject, ...subject };
    if (typeof next.target === 'string') next.target = next.target.slice(0, MAX_TARGET_LENGTH);
    this.subject = next;
  }

  /** Adds facts to the event (search filters, sizes, counts). */
  note(details: Record<string, unknown>): void {
    Object.assign(this.notes, details);
  }

  /** The event, as it stands, with this outcome: the one place an audit event is built. */
  event(outcome: AuditOutcome, details: Record<string, unknown> = {}): NewAuditEvent {
    const fallback = this.options.fallback?.() ?? {};
    return {
      at: (this.options.clock ?? systemClock).now(),
      principalId: this.subject.principalId ?? null,
      action: this.subject.action ?? fallback.action ?? UNMATCHED_ACTION,
      target: this.subject.target ?? fallback.target ?? null,
      outcome,
      ip: this.subject.ip ?? null,
      requestId: this.subject.requestId ?? null,
      details: { ...fallback.details, ...this.notes, ...details },
    };
  }

  /**
   * A write that commits its own rows puts the event in the same transaction: `write` gets the
   * event; `written` says from its result whether the event went in (default: yes).
   */
  async within<T>(
    outcome: AuditOutcome,
    details: Record<string, unknown>,
    write: (event: NewAuditEvent) => Promise<T>,
    written: (result: T) => boolean = () => true,
  ): Promise<T> {
    this.mustBeOpen();
    const result = await write(this.event(outcome, details));
    if (written(result)) this.current = 'recorded';
    return result;
  }

  /** Appends the event now. Fails closed: AuditUnavailableError when the trail cannot take it. */
  async append(outcome: AuditOutcome, details: Record<string, unknown> = {}): Promise<void> {
    const failure = await this.tryAppend(outcome, details);
    if (failure !== undefined) {
      throw new AuditUnavailableError(
        'the audit trail is unavailable, so the access was refused; retry later',
        { cause: failure },
      );
    }
  }

  /** Appends the event now; returns the trail's error instead of throwing it. */
  async tryAppend(outcome: AuditOutcome, details: Record<string, unknown> = {}): Promise<unknown> {
    this.mustBeOpen();
    try {
      await this.trail.appendAudit(this.event(outcome, details));
      this.current = 'recorded';
      return undefined;
    } catch (err) {
      this.current = 'failed';
      // The failed attempt is itself worth noting; whoever tries again (the error answer) says so.
      this.notes.auditFailure = true;
      return err ?? new Error('the audit trail failed');
    }
  }

  /** Once recorded: one more event for the same access (a streamed answer that broke half-way). */
  async appendAnother(outcome: AuditOutcome, details: Record<string, unknown>): Promise<unknown> {
    try {
      await this.trail.appendAudit(this.event(outcome, details));
      return undefined;
    } catch (err) {
      return err ?? new Error('the audit trail failed');
    }
  }

  /** A scope for one part of this access (a batch line): same principal, address and request. */
  child(subject: AuditSubject): AuditScope {
    const { principalId, ip, requestId } = this.subject;
    const child = new AuditScope(
      this.trail,
      { principalId, ip, requestId },
      this.options.clock ? { clock: this.options.clock } : {},
    );
    child.set(subject);
    return child;
  }

  /**
   * The owner is at work on the access (a route handler, the error answer): until the returned
   * function is called, `whenIdle` waits. Lets a guard judge the access only once it is over.
   */
  hold(): () => void {
    this.holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds -= 1;
      if (this.holds > 0) return;
      const waiting = this.idle;
      this.idle = [];
      for (const wake of waiting) wake();
    };
  }

  /** Resolves once nobody holds the scope (at once when nobody does). */
  whenIdle(): Promise<void> {
    return this.holds === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private mustBeOpen(): void {
    // An event appended twice would count one access twice: a bug in the caller, never data.
    if (this.current === 'recorded') throw new Error('audit: the event of this access is already recorded');
  }
}
