import type { Config } from '../config/schema.js';
import type { ApiKeyStore } from '../store/types.js';
import { type Authenticator, createAuthenticator } from './authenticate.js';
import { jwtVerifier } from './jwt.js';
import { metadataUrl } from './metadata.js';

/** The HTTP surface's authentication, resolved from the config. */
export interface HttpAuth {
  authenticator: Authenticator;
  /** Canonical MCP endpoint URL (audience); set with oauth, optional with api-key only. */
  publicUrl?: string;
  issuer?: string;
  /** The RFC 9728 document's URL, advertised in `WWW-Authenticate` (when there is a public URL). */
  resourceMetadataUrl?: string;
  /** Every scope the served toolsets declare (RFC 9728 `scopes_supported`). */
  scopesSupported: readonly string[];
}

/** A combination of settings that cannot work; the message says what to add. */
export class AuthConfigError extends Error {}

/**
 * Build the authenticator `serve` uses, or `undefined` for `--auth none`.
 * @throws AuthConfigError when oauth lacks --public-url or --issuer.
 */
export function authFromConfig(config: Config, keys: ApiKeyStore, scopesSupported: readonly string[]): HttpAuth | undefined {
  if (config.auth === 'none') return undefined;
  const mode = config.auth as Exclude<Config['auth'], 'none'>;
  const publicUrl = config.publicUrl;
  if (mode.includes('oauth')) {
    if (!publicUrl) throw new AuthConfigError('--auth oauth needs --public-url (the URL clients use for /mcp; it is the audience tokens must carry)');
    if (!config.issuer) throw new AuthConfigError('--auth oauth needs --issuer (the authorization server whose tokens to accept)');
  }
  const verifyJwt = mode.includes('oauth')
    ? jwtVerifier({
        issuer: config.issuer as string,
        ...(config.jwksUri ? { jwksUri: config.jwksUri } : {}),
        audience: publicUrl as string,
        algorithms: config.jwtAlgorithms,
        typ: config.tokenType === 'any' ? '' : config.tokenType,
        ...(config.workspaceClaim ? { workspaceClaim: config.workspaceClaim } : {}),
      })
    : undefined;
  return {
    authenticator: createAuthenticator(mode, keys, verifyJwt),
    scopesSupported,
    ...(publicUrl ? { publicUrl, resourceMetadataUrl: metadataUrl(publicUrl) } : {}),
    ...(config.issuer ? { issuer: config.issuer } : {}),
  };
}
