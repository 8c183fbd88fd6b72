import { toolErrorDetail } from './tool-result.js';

/**
 * A small MCP client for the board page: 2026-07-28 JSON-RPC over Streamable HTTP to the same
 * origin's `/mcp` (basic/transports), stateless, one POST per request. The credential, when the
 * server asks for one, is sent as `Authorization: Bearer` only (never a cookie).
 *
 * Errors: `McpError` with `kind`:
 * - `auth`: 401, the credential is missing or no longer valid;
 * - `forbidden`: 403 (a scope the credential lacks, or a refused Origin);
 * - `tool`: the tool answered `isError`; `detail` is its error body `{code, message, ...}`;
 * - `protocol`: anything else (HTTP status or JSON-RPC error).
 */

const PROTOCOL = '2026-07-28';
const CLIENT = { name: 'taskwire-board', version: '1' };

export class McpError extends Error {
  /** @param {'auth'|'forbidden'|'tool'|'protocol'} kind @param {string} message @param {Record<string, unknown>} [detail] */
  constructor(kind, message, detail) {
    super(message);
    this.kind = kind;
    this.detail = detail ?? {};
  }
}

/** @param {{ endpoint?: string, token?: () => string | null }} [options] */
export function httpMcp(options = {}) {
  const endpoint = options.endpoint ?? '/mcp';
  const token = options.token ?? (() => null);
  let nextId = 1;

  const envelope = () => ({
    'io.modelcontextprotocol/protocolVersion': PROTOCOL,
    'io.modelcontextprotocol/clientInfo': CLIENT,
    'io.modelcontextprotocol/clientCapabilities': {},
  });
  const headers = (method, name) => {
    /** @type {Record<string, string>} */
    const h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL, 'mcp-method': method };
    if (name) h['mcp-name'] = name;
    const t = token();
    if (t) h.authorization = `Bearer ${t}`;
    return h;
  };
  const post = (method, params, name, signal) => {
    const id = nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope() } });
    return { id, response: fetch(endpoint, { method: 'POST', headers: headers(method, name), body, signal, credentials: 'omit', cache: 'no-store' }) };
  };
  const httpFailure = async (response) => {
    let text = '';
    try {
      text = await response.text();
    } catch {}
    let message = `HTTP ${response.status}`;
    try {
      const parsed = JSON.parse(text);
      message = parsed.error_description ?? parsed.error?.message ?? message;
    } catch {}
    if (response.status === 401) return new McpError('auth', message);
    if (response.status === 403) return new McpError('forbidden', message);
    return new McpError('protocol', message);
  };

  /** One request; resolves with its JSON-RPC result. */
  async function request(method, params, name) {
    const { id, response: pending } = post(method, params, name);
    const response = await pending;
    if (!response.ok) throw await httpFailure(response);
    const type = response.headers.get('content-type') ?? '';
    let message;
    if (type.includes('text/event-stream')) {
      for (const event of parseEvents(await response.text())) if (event && event.id === id) message = event;
    } else message = await response.json();
    if (!message) throw new McpError('protocol', `no answer to ${method}`);
    if (message.error) throw new McpError('protocol', message.error.message ?? 'JSON-RPC error', message.error);
    return message.result;
  }

  return {
    /** `tools/call`; resolves with `structuredContent`, throws `McpError` kind `tool` on an error result. */
    async callTool(name, args = {}) {
      const result = await request('tools/call', { name, arguments: args }, name);
      if (result.isError) {
        const detail = toolErrorDetail(result);
        throw new McpError('tool', String(detail.message), detail);
      }
      return result.structuredContent ?? {};
    },
    /** `resources/read` of a JSON resource (`tasks://board`, `tasks://stats`, ...); resolves with the parsed text. */
    async readResource(uri) {
      const result = await request('resources/read', { uri }, uri);
      return JSON.parse(result.contents?.[0]?.text ?? 'null');
    },
    /** Names of the tools this credential may call (the server lists only those its scopes allow). */
    async toolNames() {
      const names = new Set();
      let cursor;
      do {
        const result = await request('tools/list', cursor ? { cursor } : {});
        for (const tool of result.tools ?? []) names.add(tool.name);
        cursor = result.nextCursor;
      } while (cursor);
      return names;
    },
    /**
     * Listen for `notifications/resources/updated` of `uris` (`subscriptions/listen`, an SSE
     * response kept open); re-opens after a drop. Returns a function that stops listening.
     * @param {string[]} uris @param {(uri: string) => void} onUpdate @param {(live: boolean) => void} onState
     */
    listen(uris, onUpdate, onState) {
      let stopped = false;
      let controller;
      const open = async () => {
        while (!stopped) {
          controller = new AbortController();
          try {
            const { response: pending } = post('subscriptions/listen', { notifications: { resourceSubscriptions: uris } }, undefined, controller.signal);
            const response = await pending;
            if (!response.ok) throw await httpFailure(response);
            const reader = response.body.getReader();
            const decoder = new TextDecoder();
            let buffer = '';
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              buffer += decoder.decode(value, { stream: true });
              const cut = buffer.lastIndexOf('\n\n');
              if (cut < 0) continue;
              const complete = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              for (const message of parseEvents(complete)) {
                if (message?.method === 'notifications/subscriptions/acknowledged') onState(true);
                else if (message?.method === 'notifications/resources/updated') onUpdate(String(message.params?.uri ?? ''));
              }
            }
          } catch (error) {
            if (stopped) return;
            if (error instanceof McpError && error.kind === 'auth') {
              onState(false);
              return;
            }
          }
          onState(false);
          if (!stopped) await new Promise((r) => setTimeout(r, 1000));
        }
      };
      open();
      return () => {
        stopped = true;
        controller?.abort();
      };
    },
  };
}

/** JSON messages of a `text/event-stream` body (the `data:` lines of each event). */
function parseEvents(text) {
  const out = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (!data) continue;
    try {
      out.push(JSON.parse(data));
    } catch {}
  }
  return out;
}
