import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuthInfo, classifyInboundRequest } from '@modelcontextprotocol/server';
import { context } from '@opentelemetry/api';
import { streamScopes } from '../../auth/scopes.js';
import type { App } from '../../server/app.js';
import { recordStream } from '../../telemetry/metrics.js';
import { headerContext, isTracing } from '../../telemetry/tracing.js';
import type { Caller, LegacySessions } from '../legacy-sessions.js';
import type { OpenStreams } from '../open-streams.js';
import type { ModernHandlers } from './modern.js';

export interface RouteDeps {
  app: App;
  legacy: LegacySessions;
  modern: ModernHandlers;
  streams: OpenStreams;
  /** With `--auth`, open streams re-verify the request's credential. */
  authenticated: boolean;
}

/**
 * The last step of an admitted `/mcp` request: the SDK's classifier routes
 * 2025-era traffic to sessionful serving ({@link LegacySessions}, 404 for
 * unknown sessions) and everything else to the workspace's stateless 2026
 * handler, with the verified caller (never taken from the request). Open
 * server-to-client streams are tracked ({@link OpenStreams}), and a
 * `notifications/cancelled` naming one ends it. A `traceparent` header parents
 * the request spans.
 */
export function router(deps: RouteDeps): (req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller, expiresAt: number | undefined) => Promise<void> {
  const { app, legacy, modern, streams, authenticated } = deps;
  return async (req, res, body, caller, expiresAt) => {
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
        ...(authenticated ? { authorization: req.headers.authorization } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        needs: streamScopes(req.method === 'GET' ? undefined : body, app.scopeTable, caller.scopes),
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
      await modern.for(caller.workspace)(req, res, body);
    };
    // A `traceparent` header parents the request spans (a `params._meta.traceparent` still wins).
    if (isTracing() && req.headers.traceparent) await context.with(headerContext(req.headers), dispatch);
    else await dispatch();
  };
}

/** The resource URIs a 2026 `subscriptions/listen` request subscribes to (`params.notifications.resourceSubscriptions`), at most 100. */
function listenedUris(body: unknown): string[] {
  const uris = (body as { params?: { notifications?: { resourceSubscriptions?: unknown } } } | undefined)?.params?.notifications?.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string' && u.length <= 2048).slice(0, 100) : [];
}
