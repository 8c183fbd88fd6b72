import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthError } from '../../auth/errors.js';
import type { HttpAuth } from '../../auth/setup.js';
import type { FairTurns } from '../../guard/turns.js';
import type { App } from '../../server/app.js';
import type { Caller } from '../legacy-sessions.js';
import { sendJsonRpcError } from '../responses.js';
import { refuse } from './authenticate.js';

/**
 * Everything after authentication, refusals included, runs on the caller's fair turn
 * (src/guard/turns.ts: the new-connection stall): `false` when the caller gave up while waiting.
 */
export async function turnOf(turns: FairTurns, req: IncomingMessage, key: string): Promise<boolean> {
  await turns.take(key);
  return !req.socket.destroyed;
}

/**
 * Admission of an authenticated (or, without `--auth`, the local) caller to
 * `/mcp`, before the body is read: its fair turn, its flood limit (429 with
 * `Retry-After`, README "Guardrails"), then with `--auth` a 403 for a
 * principal granted no scope (naming the scopes the served toolsets declare) and a 429 beyond `maxStreamsPerPrincipal`
 * requests and open streams in flight (counted until the response closes).
 *
 * @returns an admission step that is `false` when it has answered the request (or the caller left).
 */
export function admission(
  app: App,
  auth: HttpAuth | undefined,
  turns: FairTurns,
  maxStreamsPerPrincipal: number,
): (req: IncomingMessage, res: ServerResponse, caller: Caller, granted: ReadonlySet<string> | undefined) => Promise<boolean> {
  /** Requests and open streams in flight per principal. */
  const inFlight = new Map<string, number>();
  // The scope to step up to: what every served resource needs (the least that reads anything), else every declared scope.
  const hint = app.scopeTable.base.length > 0 ? app.scopeTable.base : app.scopes;
  const declared = app.scopes.length > 0 ? `this server's scopes: ${app.scopes.join(', ')}` : 'this server declares no scope';
  return async (req, res, caller, granted) => {
    if (!(await turnOf(turns, req, caller.principal))) return false;
    // Flood limit per principal, after authentication and before the body is read (README "Guardrails").
    const waitMs = await app.guard.admitHttp(caller.principal);
    if (waitMs !== null) {
      tooManyRequests(res, waitMs, 'Too many requests');
      return false;
    }
    if (auth && granted) {
      if (granted.size === 0) {
        refuse(res, auth, new AuthError('insufficient_scope', `The token grants no Taskwire scope, so it may do nothing; ${declared}.`, hint));
        return false;
      }
      const open = inFlight.get(caller.principal) ?? 0;
      if (open >= maxStreamsPerPrincipal) {
        res.setHeader('retry-after', '1');
        sendJsonRpcError(res, 429, -32000, `Too many concurrent requests and streams for this principal (limit ${maxStreamsPerPrincipal}).`);
        return false;
      }
      inFlight.set(caller.principal, open + 1);
      const principalId = caller.principal;
      res.once('close', () => {
        const n = (inFlight.get(principalId) ?? 1) - 1;
        if (n <= 0) inFlight.delete(principalId);
        else inFlight.set(principalId, n);
      });
    }
    return true;
  };
}

/** 429 with `Retry-After` in whole seconds, and the wait in the message. */
export function tooManyRequests(res: ServerResponse, waitMs: number, what: string): void {
  const seconds = Math.ceil(waitMs / 1000);
  res.setHeader('retry-after', String(seconds));
  sendJsonRpcError(res, 429, -32000, `${what}; retry after ${seconds} s.`);
}
