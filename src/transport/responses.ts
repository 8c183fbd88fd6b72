import type { ServerResponse } from 'node:http';

/** Answer with a JSON-RPC error body (`id: null`, `data` when given) and an HTTP status, unless headers already went out. */
export function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string, data?: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message, ...(data !== undefined ? { data } : {}) }, id: null }));
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
