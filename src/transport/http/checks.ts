import type { IncomingMessage, ServerResponse } from 'node:http';
import { localhostAllowedHostnames, localhostAllowedOrigins, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import type { HttpAuth } from '../../auth/setup.js';
import type { Config } from '../../config/schema.js';
import { sendJsonRpcError } from '../responses.js';

/**
 * The checks every request passes first, before any endpoint: exactly one
 * `Host` line (400, RFC 9112 §3.2), `Host` and `Origin` against their
 * allowlists (403; DNS rebinding), then CORS for `--cors-origins` only (never
 * `*`), answering a preflight `OPTIONS` itself (204).
 *
 * @returns a check that is `true` when it has answered the request (refused it, or a preflight).
 */
export function requestChecks(
  config: Pick<Config, 'allowedHosts' | 'allowedOrigins' | 'corsOrigins'>,
  auth: HttpAuth | undefined,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const corsOrigins = new Set(config.corsOrigins.map((o) => new URL(o).origin));
  const allowedHosts = [...localhostAllowedHostnames(), ...config.allowedHosts, ...(auth?.publicUrl ? [new URL(auth.publicUrl).hostname] : [])];
  // The public URL's own origin is allowed: the board served from it calls /mcp from there (same origin).
  const allowedOrigins = [
    ...localhostAllowedOrigins(),
    ...config.allowedOrigins,
    ...[...corsOrigins].map((o) => new URL(o).hostname),
    ...(auth?.publicUrl ? [new URL(auth.publicUrl).hostname] : []),
  ];
  return (req, res) => {
    // RFC 9112 §3.2: more than one Host field line is a 400. Node's parser keeps the first one, so count the raw lines.
    if (countHeaderLines(req.rawHeaders, 'host') > 1) {
      res.setHeader('connection', 'close');
      sendJsonRpcError(res, 400, -32600, 'Bad Request: more than one Host header (RFC 9112 §3.2 allows exactly one). Send a single Host.');
      return true;
    }
    const host = validateHostHeader(req.headers.host, allowedHosts);
    if (!host.ok) {
      sendJsonRpcError(res, 403, -32000, `Forbidden: ${host.message}. Add the name to --allowed-hosts if it is yours.`);
      return true;
    }
    const origin = validateOriginHeader(req.headers.origin, allowedOrigins);
    if (!origin.ok) {
      sendJsonRpcError(res, 403, -32000, `Forbidden: Origin ${req.headers.origin} is not allowed.`);
      return true;
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
        return true;
      }
    }
    return false;
  };
}

/** How many field lines named `name` (lower case) a request carried; `rawHeaders` is [name, value, name, value, ...]. */
function countHeaderLines(rawHeaders: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === name) n++;
  return n;
}
