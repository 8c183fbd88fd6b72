import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  classifyInboundRequest,
  createMcpHandler,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';
import { context } from '@opentelemetry/api';
import type { App } from '../server/app.js';
import { recordStream } from '../telemetry/metrics.js';
import { headerContext, isTracing } from '../telemetry/tracing.js';
import { LegacySessions } from './legacy-sessions.js';
import { sendJson, sendJsonRpcError } from './responses.js';

export interface HttpServing {
  server: Server;
  /** `http://host:port/mcp` as bound (the real port when 0 was asked). */
  url: string;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

/**
 * Streamable HTTP on one endpoint, `/mcp`, for both protocol eras (spec
 * 2026-07-28 and 2025-11-25, basic/transports):
 * - `Host` and `Origin` checked against allowlists first (403; DNS rebinding);
 * - body capped (413), JSON parsed once (400 on a parse error);
 * - the SDK's classifier routes 2025-era traffic to sessionful serving
 *   ({@link LegacySessions}, 404 for unknown sessions) and everything else to
 *   the stateless 2026 handler (`createMcpHandler`, one server instance per request);
 * - committed task changes are published on the handler's event bus for
 *   `subscriptions/listen` streams.
 * Also serves `GET /healthz` (liveness), `GET /readyz` (database reachable) and
 * `GET /metrics` (Prometheus text, when the app has a Prometheus reader).
 */
export async function serveHttp(app: App): Promise<HttpServing> {
  const { config, logger } = app;
  const connection = { workspace: config.workspace, principal: app.principal, transport: 'tcp' as const };
  const modern = createMcpHandler(() => app.factory({ ...connection, era: 'modern', longLived: false }), {
    legacy: 'reject',
    onerror: (error) => logger.debug({ err: error }, 'modern-era request rejected'),
  });
  const modernNode = toNodeHandler(modern, { maxRequestBodySize: config.maxBodyBytes });
  const legacy = new LegacySessions({
    factory: app.factory,
    connection,
    idleMs: config.sessionIdleMs,
    maxSessions: config.maxSessions,
    logger,
  });
  const stopForwarding = app.hub.subscribe((event) => {
    if (event.workspace !== config.workspace) return;
    for (const uri of event.uris) modern.notify.resourceUpdated(uri);
  });
  const stopListForwarding = app.hub.onListChanged((kind) => {
    if (kind === 'tools') modern.notify.toolsChanged();
    else if (kind === 'prompts') modern.notify.promptsChanged();
    else modern.notify.resourcesChanged();
  });
  const allowedHosts = [...localhostAllowedHostnames(), ...config.allowedHosts];
  const allowedOrigins = [...localhostAllowedOrigins(), ...config.allowedOrigins];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
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
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      try {
        await app.store.ping();
        return sendJson(res, 200, { status: 'ready', store: app.store.engine });
      } catch {
        return sendJson(res, 503, { status: 'unavailable', store: app.store.engine });
      }
    }
    if (path === '/metrics' && req.method === 'GET') {
      const prometheus = app.telemetry?.prometheus;
      if (!prometheus) return sendJson(res, 404, { error: 'metrics are off (--metrics off, or not started by the CLI)' });
      prometheus.getMetricsRequestHandler(req, res); // Prometheus text exposition format 0.0.4
      return;
    }
    if (path !== '/mcp') return sendJson(res, 404, { error: 'not found; the MCP endpoint is /mcp' });

    let body: unknown;
    if (req.method === 'POST') {
      let raw: string;
      try {
        raw = await readBody(req, config.maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          res.setHeader('connection', 'close');
          sendJsonRpcError(res, 413, -32000, `Request body larger than ${config.maxBodyBytes} bytes.`);
          return;
        }
        throw error;
      }
      try {
        body = JSON.parse(raw);
      } catch {
        sendJsonRpcError(res, 400, -32700, 'Parse error: the request body is not valid JSON.');
        return;
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
    // Open server-to-client streams: a 2025 GET stream or a 2026 subscriptions/listen response.
    if (req.method === 'GET' || (body as { method?: unknown } | undefined)?.method === 'subscriptions/listen') {
      recordStream(1);
      res.once('close', () => recordStream(-1));
    }
    const dispatch = () => (inbound.kind === 'legacy' ? legacy.handle(req, res, body) : modernNode(req, res, body));
    // A `traceparent` header parents the request spans (a `params._meta.traceparent` still wins).
    if (isTracing() && req.headers.traceparent) await context.with(headerContext(req.headers), dispatch);
    else await dispatch();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url, method: req.method }, 'HTTP request failed');
      sendJsonRpcError(res, 500, -32603, 'Internal server error');
    });
  });
  // An accept error (EMFILE under many open streams) must not become an uncaught exception.
  server.on('error', (error) => logger.error({ err: error }, 'HTTP server error'));
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await legacy.closeAll();
      await modern.close();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 5000).unref();
      await closed;
      clearTimeout(timer);
    },
  };
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
