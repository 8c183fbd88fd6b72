import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import Provider, { errors } from 'oidc-provider';

/**
 * A real OAuth 2.1 authorization server on loopback for tests: `oidc-provider`
 * issuing JWT access tokens (`typ: at+jwt`) through the client-credentials
 * grant with resource indicators (RFC 8707). One confidential client per
 * workspace; the token's `org_id` claim names the client's workspace.
 *
 * Resources it knows: `audience` (our server's canonical URI) and
 * `otherAudience` (another service, for wrong-audience tokens). Unknown
 * scopes are silently dropped by oidc-provider, which yields a token with no
 * `scope` claim at all.
 *
 * `sign()` mints arbitrary tokens with the server's own private key (or a
 * foreign one), for the defects a conforming server never issues (expired,
 * future `nbf`, no `exp`, `alg: none`, wrong `typ`...).
 */
export interface TestAuthorizationServer {
  issuer: string;
  jwksUri: string;
  /** Client id → workspace (`org_id` in its tokens). */
  workspaces: Record<string, string>;
  /** A client-credentials access token for `client` (workspace name), for `resource` with `scope`. */
  token(client: string, scope: string, resource?: string): Promise<string>;
  /** Sign a token with the AS key (`foreign`: a different key claiming the same `kid`). */
  sign(payload: JWTPayload, header?: { alg?: string; typ?: string; kid?: string; foreign?: boolean }): Promise<string>;
  /** Every token this server handed out (for the "no token in any log" check). */
  issued: string[];
  close(): Promise<void>;
}

export const CLIENT_SECRET_SUFFIX = '-secret-0123456789abcdef0123456789abcdef';

export async function startAuthorizationServer(options: { audience: string; otherAudience?: string; workspaces: string[] }): Promise<TestAuthorizationServer> {
  const otherAudience = options.otherAudience ?? 'https://elsewhere.example/mcp';
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const foreign = await generateKeyPair('ES256', { extractable: true });
  const kid = 'test-key-1';
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };

  // Listen first: the issuer URL needs the port.
  let handler: ((req: never, res: never) => void) | undefined;
  const server: Server = createServer((req, res) => (handler ? handler(req as never, res as never) : res.writeHead(503).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const workspaces = Object.fromEntries(options.workspaces.map((w) => [w, w]));
  const allScopes = 'tasks:read tasks:write tasks:admin';

  const provider = new Provider(issuer, {
    clients: options.workspaces.map((w) => ({
      client_id: w,
      client_secret: `${w}${CLIENT_SECRET_SUFFIX}`,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: allScopes,
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'ES256',
    })),
    jwks: { keys: [privateJwk] },
    scopes: allScopes.split(' '),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== options.audience && resource !== otherAudience) throw new errors.InvalidTarget();
          return { scope: allScopes, audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
    ttl: { ClientCredentials: 300 },
    extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) => (token.clientId ? { org_id: workspaces[token.clientId] } : undefined),
  } as never);
  provider.proxy = false;
  handler = provider.callback() as never;

  const issued: string[] = [];
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    workspaces,
    issued,
    token: async (client, scope, resource = options.audience) => {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client, client_secret: `${client}${CLIENT_SECRET_SUFFIX}`, scope, resource }),
      });
      const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!res.ok || !body.access_token) throw new Error(`token request failed: ${res.status} ${body.error} ${body.error_description}`);
      issued.push(body.access_token);
      return body.access_token;
    },
    sign: async (payload, header = {}) => {
      const alg = header.alg ?? 'ES256';
      if (alg === 'none') {
        const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const t = `${enc({ alg: 'none', typ: header.typ ?? 'at+jwt', kid })}.${enc(payload)}.`;
        issued.push(t);
        return t;
      }
      const t = await new SignJWT(payload)
        .setProtectedHeader({ alg, typ: header.typ ?? 'at+jwt', kid: header.kid ?? kid })
        .sign(header.foreign ? foreign.privateKey : privateKey);
      issued.push(t);
      return t;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
