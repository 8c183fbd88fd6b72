// The bare official SDK v2 with one trivial `add` tool: the reference every Taskwire figure is a ratio to.
//   node sdk.mjs stdio                 serveStdio (both eras)
//   node sdk.mjs http PORT             createMcpHandler: stateless, a fresh server per request (both eras)
//   node sdk.mjs sessions PORT         long-lived 2025-era sessions (one server + transport per session)
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isInitializeRequest, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const input = z.object({ a: z.number(), b: z.number() });
function build() {
  const server = new McpServer({ name: 'bare-sdk', version: '1.0.0' });
  server.registerTool('add', { description: 'Add two numbers', inputSchema: input }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  return server;
}

const mode = process.argv[2] ?? 'stdio';
const port = Number(process.argv[3] ?? 0);
const readBody = (req) =>
  new Promise((resolve) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => resolve(body ? JSON.parse(body) : undefined));
  });

if (mode === 'stdio') {
  serveStdio(() => build());
} else if (mode === 'http') {
  const node = toNodeHandler(createMcpHandler(() => build()));
  const server = createServer((req, res) => void node(req, res));
  server.listen(port, '127.0.0.1', () => console.error(`listening ${server.address().port}`));
} else if (mode === 'sessions') {
  const sessions = new Map();
  const server = createServer(async (req, res) => {
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    const sid = req.headers['mcp-session-id'];
    if (sid && sessions.has(sid)) return sessions.get(sid).handleRequest(req, res, body);
    if (!sid && isInitializeRequest(body)) {
      const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => sessions.set(id, transport) });
      await build().connect(transport);
      return transport.handleRequest(req, res, body);
    }
    res.writeHead(sid ? 404 : 400).end();
  });
  server.listen(port, '127.0.0.1', () => console.error(`listening ${server.address().port}`));
}
