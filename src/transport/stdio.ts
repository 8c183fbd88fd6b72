import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { App } from '../server/app.js';
import { openSession } from '../telemetry/metrics.js';
import { LineTransport, type LineTransportOptions } from './stdio-lines.js';

/**
 * Serve one client over stdio (what MCP hosts spawn). The SDK decides the
 * protocol era from the client's opening message (2025 `initialize` or 2026
 * `server/discover`) and calls the factory once for the connection. The wire
 * is our {@link LineTransport}: an over-long, too deeply nested or malformed
 * line gets a JSON-RPC error and the connection keeps serving. stdout
 * carries JSON-RPC only; every log line goes to stderr.
 *
 * @param io other streams than the process's stdin/stdout, and another line limit (tests).
 */
export function serveOverStdio(app: App, io: Omit<LineTransportOptions, 'onProblem'> = {}): { close(): Promise<void> } {
  const transport = new LineTransport({ ...io, onProblem: (error) => app.logger.warn({ err: error }, 'stdio input refused') });
  const handle = serveStdio(
    ({ era }) => {
      const server = app.factory({ era, workspace: app.config.workspace, principal: app.principal, longLived: true, transport: 'pipe' });
      const closeSession = openSession('pipe');
      const previous = server.server.onclose;
      server.server.onclose = () => {
        closeSession();
        previous?.();
      };
      return server;
    },
    {
      transport,
      onerror: (error) => app.logger.warn({ err: error }, 'stdio protocol error'),
    },
  );
  return handle;
}
