/**
 * Route guard: names the route's policy action (for the audit trail), authenticates the caller
 * (401 with WWW-Authenticate: Bearer) and checks the action against the policy table of src/auth
 * (403). The table is the only place that says which role may do what. Routes get it through
 * `route()` (src/http/route.ts), never on their own.
 */
import type { RequestHandler } from 'express';
import { authorize, type Action } from '../../auth/policy';
import type { Authenticator } from '../../auth/types';
import { requestState, routeLabel } from './request';

export function guard(authenticator: Authenticator, action: Action): RequestHandler {
  return async (req, res, next) => {
    const state = requestState(res);
    state.audit.set({ action });
    state.route = routeLabel(req, state);
    // Denied requests name what they were after too (bounded; validated later by the route).
    const id: unknown = (req.params as Record<string, unknown> | undefined)?.id;
    if (typeof id === 'string' && id !== '') state.audit.set({ target: id });
    const principal = await authenticator.authenticate(req.headers.authorization);
    state.principal = principal;
    state.audit.set({ principalId: principal.id });
    state.logger = state.logger.child({ principal: principal.id });
    authorize(principal, action);
    next();
  };
}
