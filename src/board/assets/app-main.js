import { App } from '@modelcontextprotocol/ext-apps/app-with-deps';
import { createBoard } from './board.js';
import { toolErrorDetail } from './tool-result.js';

/**
 * The board as an MCP App view (`ui://taskwire/board`, SEP-1865), inside a host's sandboxed
 * iframe. This file is not served as is: `src/board/app-view.ts` inlines it, the board modules
 * and the ext-apps `App` into one HTML document, because a view has no origin to load files from.
 * Data comes through the host (`tools/call` proxied by `App.callServerTool`), never the network.
 * The view is read-only: writes stay with the agent in the chat, or the web board.
 */
const $ = (id) => document.getElementById(id);
const app = new App({ name: 'Taskwire board', version: '1' }, {});

/** `callServerTool`, decoded like the page's HTTP client: structured content, or the error body thrown. */
async function callTool(name, args) {
  const result = await app.callServerTool({ name, arguments: args });
  if (result.isError) {
    const detail = toolErrorDetail(result);
    const error = new Error(String(detail.message));
    error.detail = detail;
    throw error;
  }
  return result.structuredContent ?? {};
}

const board = createBoard(
  {
    callTool,
    toolNames: async () => new Set(), // read-only: no write actions in the view
    // A view hears no server notifications: re-read every 10 s while it is visible.
    listen: (_uris, onUpdate, onState) => {
      onState(true);
      const timer = setInterval(() => document.visibilityState === 'visible' && onUpdate('tasks://board'), 10_000);
      return () => clearInterval(timer);
    },
  },
  { board: $('board'), feed: $('feed'), stats: $('stats'), panel: $('panel') },
  {
    onError: (error) => {
      const box = $('error');
      box.textContent = error instanceof Error ? error.message : String(error);
      box.hidden = false;
    },
  },
);

/** The tool call the host rendered this view for: show the task it was about. */
app.ontoolresult = (result) => {
  const s = result.structuredContent ?? {};
  const id = s.task?.id ?? s.tasks?.[0]?.id;
  if (typeof s.task?.id === 'number') board.openTask(id);
  else board.refresh();
};

await app.connect();
await board.start();
