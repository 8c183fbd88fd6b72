/**
 * Raw 2026-07-28 JSON-RPC over Streamable HTTP for the MCP Tasks extension
 * (`io.modelcontextprotocol/tasks`, async operations): the SDK v2 client has
 * no API for it, so tests speak the wire directly (headers, `_meta` envelope).
 */

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
export const WITH_TASKS = { extensions: { [TASKS_EXTENSION]: {} } };

export type Fetch = (request: Request) => Promise<Response>;

export interface RpcReply {
  status: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

let nextId = 1;

/** One JSON-RPC request, as a 2026 client sends it; `capabilities` go in the `_meta` envelope. */
export async function rpc(
  fetch: Fetch,
  url: string,
  method: string,
  params: Record<string, unknown>,
  options: { capabilities?: Record<string, unknown>; bearer?: string } = {},
): Promise<RpcReply> {
  const id = nextId++;
  const body = {
    jsonrpc: '2.0',
    id,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'vitest-raw', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': options.capabilities ?? WITH_TASKS,
      },
    },
  };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
  };
  const name = params.name ?? params.uri ?? params.taskId;
  if (typeof name === 'string') headers['mcp-name'] = name;
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  const response = await fetch(new Request(url, { method: 'POST', headers, body: JSON.stringify(body) }));
  const text = await response.text();
  let message: { id?: unknown; result?: Record<string, unknown>; error?: RpcReply['error'] } | undefined;
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    for (const line of text.split(/\r?\n/)) {
      if (!line.startsWith('data:')) continue;
      const parsed = JSON.parse(line.slice(5).trim());
      if (parsed.id === id) message = parsed;
    }
  } else if (text) {
    message = JSON.parse(text);
  }
  return { status: response.status, result: message?.result, error: message?.error };
}

/** Poll `tasks/get` until the operation is terminal (bounded). */
export async function settle(fetch: Fetch, url: string, taskId: string, options: { bearer?: string } = {}, ms = 10_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const reply = await rpc(fetch, url, 'tasks/get', { taskId }, options);
    if (!reply.result) throw new Error(`tasks/get failed: ${JSON.stringify(reply)}`);
    if (['completed', 'failed', 'cancelled'].includes(reply.result.status as string)) return reply.result;
    if (Date.now() > deadline) throw new Error(`operation ${taskId} still ${reply.result.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
