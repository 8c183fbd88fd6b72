import type { ApiKeyStore } from '../store/types.js';
import { isApiKey, verifyApiKey } from './api-keys.js';
import { AuthError } from './errors.js';
import type { JwtVerifier } from './jwt.js';
import type { Principal } from './principal.js';

/** Which credentials `serve` accepts (`--auth`). */
export type AuthMode = 'none' | 'api-key' | 'oauth' | 'api-key,oauth';

export interface Authenticator {
  readonly mode: Exclude<AuthMode, 'none'>;
  /**
   * Verify an `Authorization` header value.
   * @throws AuthError `invalid_token` (401) for a missing, malformed, unknown, revoked, expired or foreign token;
   *   AuthUnavailable when the authorization server's keys cannot be fetched (503).
   */
  authenticate(authorization: string | undefined): Promise<Principal>;
}

/** Build the authenticator for a mode; `verifyJwt` is required when the mode includes `oauth`. */
export function createAuthenticator(mode: Exclude<AuthMode, 'none'>, keys: ApiKeyStore, verifyJwt?: JwtVerifier): Authenticator {
  const acceptsKeys = mode.includes('api-key');
  const acceptsJwt = mode.includes('oauth');
  if (acceptsJwt && !verifyJwt) throw new Error('oauth mode needs a JWT verifier');
  return {
    mode,
    authenticate: async (authorization) => {
      const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization ?? '');
      if (!match) {
        throw new AuthError(
          'invalid_token',
          authorization ? 'The Authorization header is not a Bearer token.' : 'Authentication required: send Authorization: Bearer <token>.',
        );
      }
      const token = match[1] as string;
      if (isApiKey(token)) {
        if (!acceptsKeys) throw new AuthError('invalid_token', 'API keys are not accepted by this server; use an OAuth access token.');
        return verifyApiKey(keys, token);
      }
      if (!acceptsJwt || !verifyJwt) throw new AuthError('invalid_token', 'The API key is invalid, revoked or expired.');
      return verifyJwt(token);
    },
  };
}
