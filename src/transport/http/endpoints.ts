import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthError } from '../../auth/errors.js';
import { metadataPaths, protectedResourceMetadata } from '../../auth/metadata.js';
import type { HttpAuth } from '../../auth/setup.js';
import { isBoardPath, serveBoard } from '../../board/static.js';
import type { App } from '../../server/app.js';
import { noteCause } from '../request-scope.js';
import { sendJson } from '../responses.js';
import { authenticateOrAnswer, refuse } from './authenticate.js';

/**
 * Every path but `/mcp`:
 * - with `--auth`, the RFC 9728 protected resource metadata at
 *   `/.well-known/oauth-protected-resource[/mcp]` (GET/HEAD, else 405);
 * - `GET /healthz` (liveness) and `GET /readyz` (database reachable, 503 when
 *   not; the change bus reported, not gating);
 * - `GET /metrics` (Prometheus text, when the app has a Prometheus reader;
 *   with `--auth` it needs a credential with one of the served toolsets'
 *   operator scopes, `App.operatorScopes`; refused when none declares one);
 * - the board's static files (issue 14);
 * - 404 for anything else.
 *
 * @returns an endpoint step that is `true` when it has answered the request (`false` for `/mcp`).
 */
export function endpoints(app: App, auth: HttpAuth | undefined): (path: string, req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const metadataDoc = auth?.publicUrl ? protectedResourceMetadata(auth.publicUrl, auth.issuer, auth.scopesSupported) : undefined;
  const metadataAt = new Set(auth?.publicUrl ? metadataPaths(auth.publicUrl) : []);
  return async (path, req, res) => {
    if (metadataDoc && metadataAt.has(path)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        sendJson(res, 405, { error: 'method not allowed' });
      } else sendJson(res, 200, metadataDoc);
      return true;
    }
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      try {
        await app.store.ping();
        sendJson(res, 200, { status: 'ready', store: app.store.engine, ...busStatus(app) });
      } catch (error) {
        noteCause(error); // the 503 is logged with it
        sendJson(res, 503, { status: 'unavailable', store: app.store.engine, ...busStatus(app) });
      }
      return true;
    }
    if (path === '/metrics' && req.method === 'GET') {
      await serveMetrics(app, auth, req, res);
      return true;
    }
    // The board for humans (issue 14): static files only; its data comes through /mcp with the viewer's credential.
    if (isBoardPath(path)) {
      serveBoard(req, res, path);
      return true;
    }
    if (path !== '/mcp') {
      sendJson(res, 404, { error: 'not found; the MCP endpoint is /mcp' });
      return true;
    }
    return false;
  };
}

async function serveMetrics(app: App, auth: HttpAuth | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const prometheus = app.telemetry?.prometheus;
  if (!prometheus) return sendJson(res, 404, { error: 'metrics are off (--metrics off, or not started by the CLI)' });
  // Metrics name principals and tools: with authentication on, the scraper needs a credential with an operator scope.
  if (auth) {
    const principal = await authenticateOrAnswer(auth, req, res, {
      refused: (error) => refuse(res, auth, error),
      unavailable: () => sendJson(res, 503, { error: 'cannot verify the access token right now (authorization server unreachable); retry shortly' }),
    });
    if (!principal) return;
    const operator = app.operatorScopes;
    if (operator.length === 0) {
      return refuse(
        res,
        auth,
        new AuthError('insufficient_scope', 'Reading /metrics needs an operator scope, and no served toolset declares one, so no credential can read it.'),
      );
    }
    if (!operator.some((s) => principal.scopes.has(s))) {
      const which = operator.length === 1 ? `the ${operator[0]} scope` : `one of the scopes ${operator.join(', ')}`;
      return refuse(res, auth, new AuthError('insufficient_scope', `Reading /metrics needs ${which}.`, operator));
    }
  }
  prometheus.getMetricsRequestHandler(req, res); // Prometheus text exposition format 0.0.4
}

/**
 * The change bus in `/readyz`: reported, not gating. A replica whose bus is
 * reconnecting still serves every call correctly; only its subscribers miss
 * other replicas' changes meanwhile.
 */
function busStatus(app: App): { bus?: { kind: string; healthy: boolean } } {
  return app.bus ? { bus: { kind: app.bus.kind, healthy: app.bus.healthy() } } : {};
}
