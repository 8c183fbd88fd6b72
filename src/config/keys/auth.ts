import { z } from 'zod';
import type { ConfigKey } from '../schema.js';
import { csv } from './helpers.js';

/** How HTTP callers authenticate: API keys and OAuth access tokens (issuer, audience, JWKS, claims, algorithms). */
export const AUTH_KEYS = {
  auth: {
    flag: 'auth',
    env: 'TASKWIRE_AUTH',
    doc: 'How HTTP callers authenticate: `none` (loopback binds only), `api-key` (`taskwire token create`), `oauth` (JWT access tokens from --issuer), or `api-key,oauth`.',
    defaultDoc: 'none',
    schema: z
      .string()
      .transform((s) => [...new Set(s.split(',').map((p) => p.trim()))].sort().join(','))
      .pipe(z.enum(['none', 'api-key', 'oauth', 'api-key,oauth'], 'must be none, api-key, oauth or api-key,oauth'))
      .default('none'),
    commands: ['serve'],
  },
  publicUrl: {
    flag: 'public-url',
    env: 'TASKWIRE_PUBLIC_URL',
    doc: 'The canonical URL clients use for the MCP endpoint (e.g. https://tasks.example.com/mcp, behind TLS termination): the audience OAuth tokens must carry (RFC 8707) and the `resource` of the protected resource metadata. Required with oauth.',
    defaultDoc: '(none)',
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    commands: ['serve'],
  },
  issuer: {
    flag: 'issuer',
    env: 'TASKWIRE_ISSUER',
    doc: 'OAuth authorization server issuer URL (exact `iss`); its metadata is discovered via RFC 8414, then OpenID Connect Discovery. Required with oauth.',
    defaultDoc: '(none)',
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    commands: ['serve'],
  },
  jwksUri: {
    flag: 'jwks-uri',
    env: 'TASKWIRE_JWKS_URI',
    doc: 'JWKS URL to verify access-token signatures with, instead of the one discovered from --issuer.',
    defaultDoc: '(discovered)',
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    commands: ['serve'],
  },
  workspaceClaim: {
    flag: 'workspace-claim',
    env: 'TASKWIRE_WORKSPACE_CLAIM',
    doc: "Access-token claim that names the caller's workspace (e.g. org_id); `sub` when the token lacks it.",
    defaultDoc: 'sub',
    schema: z.string().min(1).optional(),
    commands: ['serve'],
  },
  tokenType: {
    flag: 'token-type',
    env: 'TASKWIRE_TOKEN_TYPE',
    doc: 'Required `typ` header of access tokens (RFC 9068); `any` skips the check.',
    defaultDoc: 'at+jwt',
    schema: z.string().min(1).default('at+jwt'),
    commands: ['serve'],
  },
  jwtAlgorithms: {
    flag: 'jwt-algorithms',
    env: 'TASKWIRE_JWT_ALGORITHMS',
    doc: 'Accepted access-token signature algorithms (asymmetric only).',
    defaultDoc: 'RS256,PS256,ES256,EdDSA',
    schema: csv
      .pipe(
        z
          .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'], 'must be an asymmetric JWS algorithm'))
          .min(1),
      )
      .default(['RS256', 'PS256', 'ES256', 'EdDSA']),
    commands: ['serve'],
  },
} as const satisfies Record<string, ConfigKey>;
