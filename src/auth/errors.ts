/**
 * An authentication or authorization failure, as the HTTP layer answers it
 * (RFC 6750 section 3.1): `invalid_token` → 401, `insufficient_scope` → 403.
 * `message` is safe to show the caller; it never contains the token.
 */
export class AuthError extends Error {
  constructor(
    readonly code: 'invalid_token' | 'insufficient_scope',
    message: string,
    /** For `insufficient_scope`: the scopes the request needs (the step-up challenge's `scope`). */
    readonly scopes: readonly string[] = [],
  ) {
    super(message);
    this.name = 'AuthError';
  }

  get status(): 401 | 403 {
    return this.code === 'invalid_token' ? 401 : 403;
  }
}
