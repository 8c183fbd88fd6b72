import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { AuthError } from './errors.js';
import { knownScopes, type Principal, WORKSPACE_NAME } from './principal.js';

/**
 * OAuth 2.1 resource-server validation of JWT access tokens (MCP
 * authorization spec; RFC 9068 JWT access tokens) with `jose`:
 * - signature against the configured JWKS only: the JWKS comes from
 *   `jwksUri` or the issuer's discovery document, never from the token's
 *   `jku`/`x5u`/`jwk` headers (jose never follows them);
 * - `alg` from an allowlist (`none` can never be listed);
 * - `iss` = the configured issuer; `aud` contains our canonical URI
 *   (RFC 8707): a token minted for another service is refused;
 * - `exp` required, `exp`/`nbf` checked with at most 60 s skew;
 * - header `typ` = `at+jwt` (configurable).
 * The workspace comes from `workspaceClaim` (falling back to `sub`), scopes
 * from `scope` (space-separated) or `scp` (array).
 */
export interface JwtOptions {
  /** Authorization server issuer identifier (exact `iss`). */
  issuer: string;
  /** JWKS location; discovered from the issuer (RFC 8414, then OpenID Connect Discovery) when absent. */
  jwksUri?: string;
  /** Our canonical server URI (`--public-url`): the required audience. */
  audience: string;
  algorithms: readonly string[];
  /** Required `typ` header; `''` skips the check. */
  typ: string;
  /** Claim naming the workspace (e.g. `org_id`); `sub` when absent or empty in a token. */
  workspaceClaim?: string;
  /** Allowed clock skew in seconds (at most 60). */
  clockToleranceSec?: number;
  fetch?: typeof fetch;
}

/** The authorization server cannot be reached (discovery or JWKS fetch failed): answer 503, not 401. */
export class AuthUnavailable extends Error {}

export interface DiscoveredMetadata {
  issuer: string;
  jwks_uri: string;
  /** Where the document came from. */
  source: string;
  [key: string]: unknown;
}

/**
 * Discovery documents to try for an issuer, in order: RFC 8414 section 3.1
 * (well-known suffix inserted before the issuer's path), then OpenID Connect
 * Discovery 1.0 (appended to the issuer).
 */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
  ].filter((u, i, all) => all.indexOf(u) === i);
}

/**
 * Fetch the issuer's metadata; its `issuer` must equal ours exactly (RFC 8414 section 3.3).
 * @throws AuthUnavailable naming each URL tried and why it failed.
 */
export async function discover(issuer: string, fetchFn: typeof fetch = fetch): Promise<DiscoveredMetadata> {
  const problems: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    try {
      const res = await fetchFn(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
      if (!res.ok) {
        problems.push(`${url}: HTTP ${res.status}`);
        continue;
      }
      const doc = (await res.json()) as Record<string, unknown>;
      if (doc.issuer !== issuer) {
        problems.push(`${url}: issuer is ${JSON.stringify(doc.issuer)}, expected ${JSON.stringify(issuer)}`);
        continue;
      }
      if (typeof doc.jwks_uri !== 'string') {
        problems.push(`${url}: no jwks_uri`);
        continue;
      }
      return { ...doc, issuer, jwks_uri: doc.jwks_uri, source: url };
    } catch (error) {
      problems.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new AuthUnavailable(`authorization server discovery failed for ${issuer}: ${problems.join('; ')}`);
}

export type JwtVerifier = (token: string) => Promise<Principal>;

/** Build the verifier. The JWKS is fetched lazily (and re-fetched by jose for an unknown `kid`, with a cooldown). */
export function jwtVerifier(options: JwtOptions): JwtVerifier {
  const tolerance = Math.min(options.clockToleranceSec ?? 60, 60);
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keys = async () => {
    if (jwks) return jwks;
    const uri = options.jwksUri ?? (await discover(options.issuer, options.fetch)).jwks_uri;
    jwks = createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    return jwks;
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      const { payload: p } = await jwtVerify(token, await keys(), {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: [...options.algorithms],
        ...(options.typ ? { typ: options.typ } : {}),
        clockTolerance: tolerance,
        requiredClaims: ['exp'],
      });
      payload = p;
    } catch (error) {
      throw toAuthError(error);
    }
    const sub = typeof payload.sub === 'string' && payload.sub ? payload.sub : undefined;
    const clientId = typeof payload.client_id === 'string' && payload.client_id ? payload.client_id : undefined;
    const claimed = options.workspaceClaim ? payload[options.workspaceClaim] : undefined;
    const workspace = typeof claimed === 'string' && claimed ? claimed : sub;
    const id = sub ?? clientId;
    if (!workspace || !id || !WORKSPACE_NAME.test(workspace)) {
      throw new AuthError('invalid_token', `The token names no workspace (claim ${options.workspaceClaim ?? 'sub'}, then sub).`);
    }
    return {
      id,
      workspace,
      scopes: knownScopes(payload.scope ?? payload.scp),
      via: 'oauth',
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp } : {}),
    };
  };
}

function toAuthError(error: unknown): Error {
  if (error instanceof AuthUnavailable) return error;
  if (error instanceof errors.JWKSTimeout) return new AuthUnavailable('the JWKS endpoint timed out');
  if (error instanceof errors.JWTExpired) return new AuthError('invalid_token', 'The access token expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new AuthError('invalid_token', `The access token's ${error.claim} claim is ${error.reason === 'missing' ? 'missing' : 'not acceptable'}.`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new AuthError('invalid_token', 'The access token is signed with an algorithm that is not allowed.');
  if (error instanceof errors.JOSEError) return new AuthError('invalid_token', 'The access token is malformed or its signature does not verify.');
  // Not a token problem: fetching the JWKS failed (network, bad JSON).
  return new AuthUnavailable(`cannot fetch the authorization server's keys: ${(error as Error).message}`);
}
