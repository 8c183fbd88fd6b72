import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  type AuthInfo,
  classifyInboundRequest,
  createMcpHandler,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  type McpHttpHandler,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';
import { context } from '@opentelemetry/api';
import { AuthError } from '../auth/errors.js';
import { AuthUnavailable } from '../auth/jwt.js';
import { challenge, metadataPaths, protectedResourceMetadata } from '../auth/metadata.js';
import { ADMIN_SCOPE, missingScopes, READ_SCOPE } from '../auth/principal.js';
import { requiredScopes } from '../auth/scopes.js';
import { authFromConfig, type HttpAuth } from '../auth/setup.js';
import { isBoardPath, serveBoard } from '../board/static.js';
import { clientAddressResolver } from '../guard/client-address.js';
import { FairTurns } from '../guard/turns.js';
import type { App } from '../server/app.js';
import { ServerPool } from '../server/pool.js';
import { recordStream } from '../telemetry/metrics.js';
import { headerContext, isTracing } from '../telemetry/tracing.js';
import { type Caller, LegacySessions } from './legacy-sessions.js';
import { INVALID_REQUEST, limitData, MAX_MESSAGE_DEPTH, nestsDeeperThan, tooDeepMessage } from './message-limits.js';
import { DEFAULT_STREAM_RECHECK_MS, OpenStreams } from './open-streams.js';
import { noteCause, withRequestScope } from './request-scope.js';
import { sendJson, sendJsonRpcError } from './responses.js';

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

class BodyTooLarge extends Error {}

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
  const local: Caller = { workspace: config.workspace, principal: app.principal };

  /** One 2026 handler per workspace, created on first use: its event bus only ever carries that workspace's changes. */
  const modernPool = new ServerPool((connection) => app.factory(connection), options.pooledInstances);
  const modernByWorkspace = new Map<string, { handler: McpHttpHandler; node: ReturnType<typeof toNodeHandler> }>();
  const modernFor = (workspace: string) => {
    let entry = modernByWorkspace.get(workspace);
    if (!entry) {
      // Instances are reused across requests of one workspace and scope set (server/pool.ts); the principal of
      // each request reaches its handlers from that request's authInfo, never from the instance.
      const handler = createMcpHandler(
        (ctx) => modernPool.acquire({ ...((ctx.authInfo?.extra?.caller as Caller | undefined) ?? local), era: 'modern', longLived: false, transport: 'tcp' }),
        {
          legacy: 'reject',
          onerror: (error) => {
            noteCause(error); // logged with the request if it ends in a 5xx (request-scope.ts)
            logger.debug({ err: error }, 'modern-era request rejected');
          },
        },
      );
      entry = { handler, node: toNodeHandler(handler, { maxRequestBodySize: config.maxBodyBytes }) };
      modernByWorkspace.set(workspace, entry);
    }
    return entry;
  };
  const legacy = new LegacySessions({
    factory: app.factory,
    idleMs: config.sessionIdleMs,
    maxSessions: config.maxSessions,
    // Without authentication every caller is the one local user: only the total cap applies.
    maxPerPrincipal: auth ? config.maxSessionsPerPrincipal : Number.POSITIVE_INFINITY,
    logger,
    ...(config.replicaId ? { sessionIdPrefix: `${config.replicaId}.` } : {}),
  });
  const stopForwarding = app.hub.subscribe((event) => {
    const entry = modernByWorkspace.get(event.workspace);
    if (!entry) return;
    for (const uri of event.uris) entry.handler.notify.resourceUpdated(uri);
  });
  const stopListForwarding = app.hub.onListChanged((kind) => {
    for (const { handler } of modernByWorkspace.values()) {
      if (kind === 'tools') handler.notify.toolsChanged();
      else if (kind === 'prompts') handler.notify.promptsChanged();
      else handler.notify.resourcesChanged();
    }
  });
  const corsOrigins = new Set(config.corsOrigins.map((o) => new URL(o).origin));
  const allowedHosts = [...localhostAllowedHostnames(), ...config.allowedHosts, ...(auth?.publicUrl ? [new URL(auth.publicUrl).hostname] : [])];
  // The public URL's own origin is allowed: the board served from it calls /mcp from there (same origin).
  const allowedOrigins = [
    ...localhostAllowedOrigins(),
    ...config.allowedOrigins,
    ...[...corsOrigins].map((o) => new URL(o).hostname),
    ...(auth?.publicUrl ? [new URL(auth.publicUrl).hostname] : []),
  ];
  const metadataDoc = auth?.publicUrl ? protectedResourceMetadata(auth.publicUrl, auth.issuer, auth.scopesSupported) : undefined;
  const metadataAt = new Set(auth?.publicUrl ? metadataPaths(auth.publicUrl) : []);
  const clientAddressOf = clientAddressResolver(config.trustProxy);
  const turns = new FairTurns();
  /** Requests and open streams in flight per principal. */
  const inFlight = new Map<string, number>();
  const streams = new OpenStreams({
    ...(auth ? { verify: (authorization: string | undefined) => auth.authenticator.authenticate(authorization) } : {}),
    recheckMs: options.streamRecheckMs ?? DEFAULT_STREAM_RECHECK_MS,
    logger,
  });

  const refuse = (res: ServerResponse, error: AuthError): void => {
    res.setHeader('www-authenticate', challenge(error.code, error.message, auth?.resourceMetadataUrl, error.scopes));
    res.setHeader('cache-control', 'no-store');
    sendJson(res, error.status, { error: error.code, error_description: error.message, ...(error.scopes.length ? { scope: error.scopes.join(' ') } : {}) });
  };

  /**
   * Everything after authentication, refusals included, runs on the caller's fair turn
   * (src/guard/turns.ts: the new-connection stall): `false` when the caller gave up while waiting.
   */
  const turnOf = async (req: IncomingMessage, key: string): Promise<boolean> => {
    await turns.take(key);
    return !req.socket.destroyed;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // RFC 9112 §3.2: more than one Host field line is a 400. Node's parser keeps the first one, so count the raw lines.
    if (countHeaderLines(req.rawHeaders, 'host') > 1) {
      res.setHeader('connection', 'close');
      sendJsonRpcError(res, 400, -32600, 'Bad Request: more than one Host header (RFC 9112 §3.2 allows exactly one). Send a single Host.');
      return;
    }
    const host = validateHostHeader(req.headers.host, allowedHosts);
    if (!host.ok) {
      sendJsonRpcError(res, 403, -32000, `Forbidden: ${host.message}. Add the name to --allowed-hosts if it is yours.`);
      return;
    }
    const origin = validateOriginHeader(req.headers.origin, allowedOrigins);
    if (!origin.ok) {
      sendJsonRpcError(res, 403, -32000, `Forbidden: Origin ${req.headers.origin} is not allowed.`);
      return;
    }
    const requestOrigin = req.headers.origin;
    if (requestOrigin && corsOrigins.has(requestOrigin)) {
      res.setHeader('access-control-allow-origin', requestOrigin);
      res.setHeader('vary', 'Origin');
      res.setHeader('access-control-expose-headers', 'Mcp-Session-Id, WWW-Authenticate, Retry-After');
      if (req.method === 'OPTIONS') {
        res.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
        res.setHeader('access-control-allow-headers', 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID');
        res.setHeader('access-control-max-age', '600');
        res.writeHead(204).end();
        return;
      }
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (metadataDoc && metadataAt.has(path)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return sendJson(res, 405, { error: 'method not allowed' });
      }
      return sendJson(res, 200, metadataDoc);
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      try {
        await app.store.ping();
        return sendJson(res, 200, { status: 'ready', store: app.store.engine, ...busStatus(app) });
      } catch (error) {
        noteCause(error); // the 503 is logged with it
        return sendJson(res, 503, { status: 'unavailable', store: app.store.engine, ...busStatus(app) });
      }
    }
    if (path === '/metrics' && req.method === 'GET') {
      const prometheus = app.telemetry?.prometheus;
      if (!prometheus) return sendJson(res, 404, { error: 'metrics are off (--metrics off, or not started by the CLI)' });
      // Metrics name principals and tools: with authentication on, the scraper needs a credential with tasks:admin.
      if (auth) {
        try {
          const principal = await auth.authenticator.authenticate(req.headers.authorization);
          if (!principal.scopes.has(ADMIN_SCOPE)) return refuse(res, new AuthError('insufficient_scope', 'Reading /metrics needs the tasks:admin scope.', [ADMIN_SCOPE]));
        } catch (error) {
          if (error instanceof AuthError) return refuse(res, error);
          if (error instanceof AuthUnavailable) {
            res.setHeader('retry-after', '5');
            return sendJson(res, 503, { error: 'cannot verify the access token right now (authorization server unreachable); retry shortly' });
          }
          throw error;
        }
      }
      prometheus.getMetricsRequestHandler(req, res); // Prometheus text exposition format 0.0.4
      return;
    }
    // The board for humans (issue 14): static files only; its data comes through /mcp with the viewer's credential.
    if (isBoardPath(path)) return serveBoard(req, res, path);
    if (path !== '/mcp') return sendJson(res, 404, { error: 'not found; the MCP endpoint is /mcp' });

    let caller = local;
    let granted: ReadonlySet<string> | undefined;
    let expiresAt: number | undefined;
    if (auth) {
      try {
        const principal = await auth.authenticator.authenticate(req.headers.authorization);
        granted = principal.scopes;
        expiresAt = principal.expiresAt;
        caller = { workspace: principal.workspace, principal: principal.id, scopes: principal.scopes };
      } catch (error) {
        if (error instanceof AuthError) {
          const address = clientAddressOf(req.socket.remoteAddress, req.headers);
          if (!(await turnOf(req, `address:${address}`))) return;
          // Failed authentication spends its client address's own, smaller budget, never a principal's (README "Guardrails").
          const waitMs = await app.guard.admitUnauthenticated(address);
          if (waitMs !== null) return tooManyRequests(res, waitMs, 'Too many failed authentication attempts from this address');
          return refuse(res, error);
        }
        if (error instanceof AuthUnavailable) {
          logger.warn({ err: error }, 'cannot verify access tokens: authorization server unavailable');
          res.setHeader('retry-after', '5');
          return sendJsonRpcError(res, 503, -32000, 'Cannot verify the access token right now (authorization server unreachable); retry shortly.');
        }
        throw error;
      }
    }
    if (!(await turnOf(req, caller.principal))) return;
    // Flood limit per principal, after authentication and before the body is read (README "Guardrails").
    const waitMs = await app.guard.admitHttp(caller.principal);
    if (waitMs !== null) return tooManyRequests(res, waitMs, 'Too many requests');
    if (auth && granted) {
      if (granted.size === 0) {
        return refuse(res, new AuthError('insufficient_scope', 'The token grants no Taskwire scope, so it may do nothing.', [READ_SCOPE]));
      }
      const open = inFlight.get(caller.principal) ?? 0;
      if (open >= config.maxStreamsPerPrincipal) {
        res.setHeader('retry-after', '1');
        return sendJsonRpcError(res, 429, -32000, `Too many concurrent requests and streams for this principal (limit ${config.maxStreamsPerPrincipal}).`);
      }
      inFlight.set(caller.principal, open + 1);
      const principalId = caller.principal;
      res.once('close', () => {
        const n = (inFlight.get(principalId) ?? 1) - 1;
        if (n <= 0) inFlight.delete(principalId);
        else inFlight.set(principalId, n);
      });
    }

    let body: unknown;
    if (req.method === 'POST') {
      let raw: string;
      try {
        raw = await readBody(req, config.maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          res.setHeader('connection', 'close');
          sendJsonRpcError(res, 413, -32000, `Request body larger than ${config.maxBodyBytes} bytes (--max-body-bytes).`, limitData('max_bytes', config.maxBodyBytes));
          return;
        }
        throw error;
      }
      if (nestsDeeperThan(raw)) {
        sendJsonRpcError(res, 400, INVALID_REQUEST, tooDeepMessage(), limitData('max_depth', MAX_MESSAGE_DEPTH));
        return;
      }
      try {
        body = JSON.parse(raw);
      } catch {
        sendJsonRpcError(res, 400, -32700, 'Parse error: the request body is not valid JSON.');
        return;
      }
      const lacking = missingScopes(granted, requiredScopes(body, app.scopeTable));
      if (lacking.length > 0) {
        return refuse(res, new AuthError('insufficient_scope', `This request needs scope ${lacking.join(' ')}.`, lacking));
      }
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const inbound = classifyInboundRequest({
      httpMethod: req.method ?? 'GET',
      protocolVersionHeader: header('mcp-protocol-version'),
      mcpMethodHeader: header('mcp-method'),
      mcpNameHeader: header('mcp-name'),
      body,
    });
    const message = body as { method?: unknown; id?: unknown; params?: { requestId?: unknown } } | undefined;
    // Open server-to-client streams: a 2025 GET stream or a 2026 subscriptions/listen response.
    if (req.method === 'GET' || message?.method === 'subscriptions/listen') {
      recordStream(1);
      res.once('close', () => recordStream(-1));
      const requestId = typeof message?.id === 'string' || typeof message?.id === 'number' ? message.id : undefined;
      streams.track(res, {
        principal: caller.principal,
        workspace: caller.workspace,
        ...(requestId !== undefined ? { requestId } : {}),
        ...(auth ? { authorization: req.headers.authorization } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      });
      // Resources an upstream changes are watched while a stream subscribes to them (2025 streams subscribe per session instead).
      const releases = listenedUris(body).map((uri) => app.watches.acquire(uri, caller.workspace));
      if (releases.length)
        res.once('close', () => {
          for (const release of releases) release();
        });
    }
    // A cancelled listen ends its stream here; the SDK still gets the notification (and answers 202).
    const cancelled = message?.method === 'notifications/cancelled' && message.id === undefined ? message.params?.requestId : undefined;
    if (typeof cancelled === 'string' || typeof cancelled === 'number') streams.cancel(caller.principal, caller.workspace, cancelled);
    const dispatch = async (): Promise<void> => {
      if (inbound.kind === 'legacy') return legacy.handle(req, res, body, caller);
      // The SDK passes `req.auth` through to the factory as `authInfo` (never derived from headers by it).
      // The token itself is not kept: nothing downstream needs it, and it must never reach a log.
      const authInfo: AuthInfo = { token: '', clientId: caller.principal, scopes: [...(caller.scopes ?? [])], extra: { caller } };
      (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
      await modernFor(caller.workspace).node(req, res, body);
    };
    // A `traceparent` header parents the request spans (a `params._meta.traceparent` still wins).
    if (isTracing() && req.headers.traceparent) await context.with(headerContext(req.headers), dispatch);
    else await dispatch();
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
      stopForwarding();
      stopListForwarding();
      streams.closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await legacy.closeAll();
      await Promise.allSettled([...modernByWorkspace.values()].map(({ handler }) => handler.close()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 5000).unref();
      await closed;
      clearTimeout(timer);
    },
  };
}

/**
 * The change bus in `/readyz`: reported, not gating. A replica whose bus is
 * reconnecting still serves every call correctly; only its subscribers miss
 * other replicas' changes meanwhile.
 */
function busStatus(app: App): { bus?: { kind: string; healthy: boolean } } {
  return app.bus ? { bus: { kind: app.bus.kind, healthy: app.bus.healthy() } } : {};
}

function tooManyRequests(res: ServerResponse, waitMs: number, what: string): void {
  const seconds = Math.ceil(waitMs / 1000);
  res.setHeader('retry-after', String(seconds));
  sendJsonRpcError(res, 429, -32000, `${what}; retry after ${seconds} s.`);
}

/** How many field lines named `name` (lower case) a request carried; `rawHeaders` is [name, value, name, value, ...]. */
function countHeaderLines(rawHeaders: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === name) n++;
  return n;
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The resource URIs a 2026 `subscriptions/listen` request subscribes to (`params.notifications.resourceSubscriptions`), at most 100. */
function listenedUris(body: unknown): string[] {
  const uris = (body as { params?: { notifications?: { resourceSubscriptions?: unknown } } } | undefined)?.params?.notifications?.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string' && u.length <= 2048).slice(0, 100) : [];
}
