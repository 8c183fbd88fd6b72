import type { RequestContext } from '../server/context.js';
import { defineResource } from '../toolkit/define.js';
import { READ } from '../toolsets/tasks/define.js';
import { BOARD_APP_URI, boardAppHtml, MCP_APP_MIME } from './app-view.js';

/**
 * `ui://taskwire/board`: the board as an MCP App (SEP-1865). `list_tasks`, `next_task` and
 * `get_task` link to it through `_meta.ui.resourceUri`; both the link and this resource are shown
 * only to clients that declare the `io.modelcontextprotocol/ui` extension (`appsOnly`), so other
 * hosts see exactly what they saw before. The view asks the host for no network access
 * (`_meta.ui.csp` empty): its data comes through the host's `tools/call`.
 */
export const boardAppResource = defineResource<RequestContext>({
  name: 'board-app',
  title: 'Task board (MCP App)',
  description: 'The task board as an MCP Apps view (SEP-1865): columns by status, cards, a task panel. Listed only to hosts that declare io.modelcontextprotocol/ui.',
  mimeType: MCP_APP_MIME,
  uri: BOARD_APP_URI,
  scopes: READ,
  appsOnly: true,
  read: async (uri) => [
    {
      uri,
      mimeType: MCP_APP_MIME,
      text: boardAppHtml(),
      _meta: { ui: { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true } },
    },
  ],
});
