import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError } from '../auth/errors.js';
import { missingScopes } from '../auth/principal.js';
import { requiredScopes } from '../auth/scopes.js';
import { authFromConfig, type HttpAuth } from '../auth/setup.js';
import { clientAddressResolver } from '../guard/client-address.js';
import { FairTurns } from '../guard/turns.js';
import type { App } from '../server/app.js';
import { admission, tooManyRequests, turnOf } from './http/admit.js';
import { type AuthAnswers, authenticateOrAnswer, refuse } from './http/authenticate.js';
import { readMessage } from './http/body.js';
import { requestChecks } from './http/checks.js';
import { endpoints } from './http/endpoints.js';
import { ModernHandlers } from './http/modern.js';
import { router } from './http/route.js';
import { type Caller, LegacySessions } from './legacy-sessions.js';
import { MAX_MESSAGE_DEPTH } from './message-limits.js';
import { DEFAULT_STREAM_RECHECK_MS, OpenStreams } from './open-streams.js';
import { withRequestScope } from './request-scope.js';
import { sendJsonRpcError } from './responses.js';

export interface HttpServing {
  server: Server;
  /** `http://host:port/mcp` as bound (the real port when 0 was asked). */
  url: string;
  close(): Promise<void>;
}

/** Options tests (and embedders) set; production takes the defaults. */
export interface HttpServingOptions {
  /** How often an open stream re-verifies its credential, ms (default {@link DEFAULT_STREAM_RECHECK_MS}). */
  streamRecheckMs?: number;
  /** Idle 2026 server instances kept per workspace and scope set (server/pool.ts; default 16; 0 = one fresh instance per request). */
  pooledInstances?: number;
}

/**
 * Streamable HTTP on one endpoint, `/mcp`, for both protocol eras (spec
 * 2026-07-28 and 2025-11-25, basic/transports):
 * - a request with two `Host` lines gets 400 (RFC 9112 §3.2); `Host` and
 *   `Origin` checked against allowlists first (403; DNS rebinding);
 *   CORS answered only for `--cors-origins` (never `*`);
 * - with `--auth`: RFC 9728 protected resource metadata at
 *   `/.well-known/oauth-protected-resource[/mcp]`; every `/mcp` request
 *   authenticated once, here, in front of both eras (401 `invalid_token` with
 *   `WWW-Authenticate`, 503 when the authorization server is unreachable); a
 *   principal without scopes, or a `tools/call`/read lacking the scope it
 *   needs, gets 403 `insufficient_scope` naming the scope (step-up); requests
 *   and open streams capped per principal (429);
 * - flood limits, 429 with `Retry-After` before the body is read: per
 *   principal after authentication; requests failing authentication per client
 *   address (the socket peer, or the forwarded client behind `--trust-proxy`);
 * - body capped (413), nesting capped ({@link MAX_MESSAGE_DEPTH} levels, 400
 *   -32600 naming the limit, checked on the raw text), JSON parsed once (400 on
 *   a parse error);
 * - open streams ({@link OpenStreams}) re-verify their credential and end
 *   when it fails, or when `notifications/cancelled` names them; an ended
 *   stream no longer counts against the per-principal cap;
 * - every 5xx answer is logged with its cause (request-scope.ts);
 * - the SDK's classifier routes 2025-era traffic to sessionful serving
 *   ({@link LegacySessions}, 404 for unknown sessions) and everything else to
 *   the stateless 2026 handler (`createMcpHandler`, one server instance per
 *   request); each server instance serves the caller's workspace and grant
 *   only (from the verified principal, never from the request);
 * - committed task changes are published, per workspace, on the event bus of
 *   that workspace's 2026 handler for `subscriptions/listen` streams: a
 *   listener never hears of another workspace's changes.
 * Also serves `GET /healthz` (liveness), `GET /readyz` (database reachable) and
 * `GET /metrics` (Prometheus text, when the app has a Prometheus reader).
 *
 * @param authOverride the authentication to use instead of the one `app.config`
 *   describes (`null` = none); omitted in production.
 * @throws AuthConfigError when the config asks for oauth without --public-url or --issuer.
 */
export async function serveHttp(app: App, authOverride?: HttpAuth | null, options: HttpServingOptions = {}): Promise<HttpServing> {
  const { config, logger } = app;
  const auth = authOverride === undefined ? authFromConfig(config, app.store.apiKeys, app.scopes) : (authOverride ?? undefined);
  if (auth && app.operatorScopes.length === 0) {
    logger.warn({ scopes: app.scopes }, 'no served toolset declares an operator scope: GET /metrics will refuse every credential');
  }
  const local: Caller = { workspace: config.workspace, principal: app.principal };
  const legacy = new LegacySessions({
    factory: app.factory,
    idleMs: config.sessionIdleMs,
    maxSessions: config.maxSessions,
    // Without authentication every caller is the one local user: only the total cap applies.
    maxPerPrincipal: auth ? config.maxSessionsPerPrincipal : Number.POSITIVE_INFINITY,
    logger,
    ...(config.replicaId ? { sessionIdPrefix: `${config.replicaId}.` } : {}),
  });
  const modern = new ModernHandlers(app, local, options.pooledInstances);
  const checksPass = requestChecks(config, auth);
  const answerEndpoint = endpoints(app, auth);
  const clientAddressOf = clientAddressResolver(config.trustProxy);
  const turns = new FairTurns();
  const admit = admission(app, auth, turns, config.maxStreamsPerPrincipal);
  const streams = new OpenStreams({
    ...(auth ? { verify: (authorization: string | undefined) => auth.authenticator.authenticate(authorization) } : {}),
    recheckMs: options.streamRecheckMs ?? DEFAULT_STREAM_RECHECK_MS,
    logger,
  });
  const route = router({ app, legacy, modern, streams, authenticated: auth !== undefined });

  /** How `/mcp` answers a credential it cannot accept: a refusal first spends its client address's flood budget. */
  const mcpAuthAnswers = (req: IncomingMessage, res: ServerResponse): AuthAnswers => ({
    refused: async (error) => {
      const address = clientAddressOf(req.socket.remoteAddress, req.headers);
      if (!(await turnOf(turns, req, `address:${address}`))) return;
      // Failed authentication spends its client address's own, smaller budget, never a principal's (README "Guardrails").
      const waitMs = await app.guard.admitUnauthenticated(address);
      if (waitMs !== null) return tooManyRequests(res, waitMs, 'Too many failed authentication attempts from this address');
      refuse(res, auth, error);
    },
    unavailable: (error) => {
      logger.warn({ err: error }, 'cannot verify access tokens: authorization server unavailable');
      sendJsonRpcError(res, 503, -32000, 'Cannot verify the access token right now (authorization server unreachable); retry shortly.');
    },
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (checksPass(req, res)) return;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (await answerEndpoint(path, req, res)) return;

    let caller = local;
    let granted: ReadonlySet<string> | undefined;
    let expiresAt: number | undefined;
    if (auth) {
      const principal = await authenticateOrAnswer(auth, req, res, mcpAuthAnswers(req, res));
      if (!principal) return;
      granted = principal.scopes;
      expiresAt = principal.expiresAt;
      caller = { workspace: principal.workspace, principal: principal.id, scopes: principal.scopes };
    }
    if (!(await admit(req, res, caller, granted))) return;

    let body: unknown;
    if (req.method === 'POST') {
      const message = await readMessage(req, res, config.maxBodyBytes);
      if (!message) return;
      body = message.body;
      const lacking = missingScopes(granted, requiredScopes(body, app.scopeTable));
      if (lacking.length > 0) {
        return refuse(res, auth, new AuthError('insufficient_scope', `This request needs scope ${lacking.join(' ')}.`, lacking));
      }
    }
    await route(req, res, body, caller, expiresAt);
  };

  const checkMs = Math.min(1000, config.requestTimeoutMs);
  const server = createServer({ connectionsCheckingInterval: checkMs }, (req, res) => {
    // A 5xx is logged once with its cause, by the scope (the error thrown here, or the one the SDK reported).
    withRequestScope(
      req,
      res,
      logger,
      () => handle(req, res),
      () => sendJsonRpcError(res, 500, -32603, 'Internal server error'),
    );
  });
  server.on('connection', () => turns.noteConnection());
  // An accept error (EMFILE under many open streams) must not become an uncaught exception.
  server.on('error', (error) => logger.error({ err: error }, 'HTTP server error'));
  // Slow clients: headers and the whole request must arrive in time (checked every `checkMs`);
  // responses (SSE streams) are not cut by these.
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = config.requestTimeoutMs;
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${hostPart}:${address.port}/mcp`,
    close: async () => {
      modern.stopForwarding();
      streams.closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await legacy.closeAll();
      await modern.closeAll();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 5000).unref();
      await closed;
      clearTimeout(timer);
    },
  };
}
