// The physical floor: a hand-written JSON-RPC server with no SDK, answering the same trivial `add`
// tool over stdio (NDJSON) or node:http (`node floor.mjs http PORT`). It validates nothing beyond
// what it must; it is the lower bound for Node on this machine, not a server to copy.
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

const TOOL = {
  name: 'add',
  description: 'Add two numbers',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
};

function answer(msg) {
  if (msg.id === undefined) return undefined; // notification
  const ok = (result) => ({ jsonrpc: '2.0', id: msg.id, result });
  switch (msg.method) {
    case 'initialize':
      return ok({ protocolVersion: msg.params?.protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'floor', version: '1.0.0' } });
    case 'server/discover':
      return ok({ supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, serverInfo: { name: 'floor', version: '1.0.0' } });
    case 'tools/list':
      return ok({ tools: [TOOL] });
    case 'tools/call': {
      const { a, b } = msg.params?.arguments ?? {};
      return ok({ content: [{ type: 'text', text: String(Number(a) + Number(b)) }] });
    }
    case 'ping':
      return ok({});
    default:
      return { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } };
  }
}

if (process.argv[2] === 'http') {
  const port = Number(process.argv[3] ?? 0);
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const reply = answer(JSON.parse(body || '{}'));
      if (!reply) {
        res.writeHead(202).end();
        return;
      }
      const text = JSON.stringify(reply);
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'floor' }).end(text);
    });
  });
  server.listen(port, '127.0.0.1', () => console.error(`listening ${server.address().port}`));
} else {
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (!line.trim()) return;
    const reply = answer(JSON.parse(line));
    if (reply) process.stdout.write(`${JSON.stringify(reply)}\n`);
  });
}
