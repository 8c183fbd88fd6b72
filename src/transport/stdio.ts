import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { App } from '../server/app.js';
import { openSession } from '../telemetry/metrics.js';

/**
 * Serve one client over stdio (what MCP hosts spawn). The SDK decides the
 * protocol era from the client's opening message (2025 `initialize` or 2026
 * `server/discover`) and calls the factory once for the connection. stdout
 * carries JSON-RPC only; every log line goes to stderr.
 */
export function serveOverStdio(app: App): { close(): Promise<void> } {
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
      onerror: (error) => app.logger.warn({ err: error }, 'stdio protocol error'),
    },
  );
  return handle;
}
