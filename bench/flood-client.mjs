// A flood in its own process (forked by bench/guard.mjs newConnectionStall and test/guard/new-connection-stall.test.ts),
// so the measuring client's event loop is not the one flooding: `n` loops, each POSTing search_tasks as fast as it is
// answered, on a new TCP connection per request (`newconn` = '1', as curl loops and many scripts do) or over keep-alive.
// Stops on any IPC message and sends back the status counts.
import { Agent, request } from 'node:http';

const [url, token, n, newconn] = process.argv.slice(2);
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'flood', version: '1' },
};
const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'search_tasks', arguments: { query: 'task bench', limit: 50 }, _meta: ENVELOPE },
});
const headers = {
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-method': 'tools/call',
  'mcp-name': 'search_tasks',
  'mcp-protocol-version': '2026-07-28',
};
const agent = newconn === '1' ? false : new Agent({ keepAlive: true, maxSockets: Number(n) });
const codes = {};
let stop = false;
process.on('message', () => {
  stop = true;
});
const count = (code) => {
  codes[code] = (codes[code] ?? 0) + 1;
};
const one = () =>
  new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(count(res.statusCode)));
    });
    req.on('error', (e) => resolve(count(e.code ?? 'error')));
    req.end(body);
  });
await Promise.all(
  Array.from({ length: Number(n) }, async () => {
    while (!stop) await one();
  }),
);
process.send(codes, () => process.disconnect());
