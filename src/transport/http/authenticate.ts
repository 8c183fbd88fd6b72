import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthError } from '../../auth/errors.js';
import { AuthUnavailable } from '../../auth/jwt.js';
import { challenge } from '../../auth/metadata.js';
import type { Principal } from '../../auth/principal.js';
import type { HttpAuth } from '../../auth/setup.js';
import { sendJson } from '../responses.js';

/** How an endpoint answers a request it cannot authenticate; endpoints differ in body shape and in what a refusal costs. */
export interface AuthAnswers {
  /** The credential is missing, invalid or expired (answer with {@link refuse}, after any flood accounting). */
  refused(error: AuthError): Promise<void> | void;
  /** The authorization server is unreachable: `Retry-After: 5` is already set; answer 503. */
  unavailable(error: AuthUnavailable): void;
}

/**
 * Authenticates the request's `Authorization` header, or answers the request
 * through `answers`.
 *
 * @returns the verified principal, or `undefined` when the request has been answered.
 * @throws whatever else the authenticator throws (a bug: the request scope answers 500).
 */
export async function authenticateOrAnswer(auth: HttpAuth, req: IncomingMessage, res: ServerResponse, answers: AuthAnswers): Promise<Principal | undefined> {
  try {
    return await auth.authenticator.authenticate(req.headers.authorization);
  } catch (error) {
    if (error instanceof AuthError) {
      await answers.refused(error);
      return undefined;
    }
    if (error instanceof AuthUnavailable) {
      res.setHeader('retry-after', '5');
      answers.unavailable(error);
      return undefined;
    }
    throw error;
  }
}

/**
 * Answers an authentication or authorization failure (RFC 6750 §3): the
 * error's status (401 `invalid_token`, 403 `insufficient_scope` naming the
 * scopes, for step-up) with `WWW-Authenticate` pointing at the protected
 * resource metadata (RFC 9728 §5.1), and an OAuth error body.
 */
export function refuse(res: ServerResponse, auth: HttpAuth | undefined, error: AuthError): void {
  res.setHeader('www-authenticate', challenge(error.code, error.message, auth?.resourceMetadataUrl, error.scopes));
  res.setHeader('cache-control', 'no-store');
  sendJson(res, error.status, { error: error.code, error_description: error.message, ...(error.scopes.length ? { scope: error.scopes.join(' ') } : {}) });
}
