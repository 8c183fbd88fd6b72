// FastMCP-TS (the npm package `fastmcp`, built on SDK v1) with the same `add` tool. It serves the
// 2025-era protocol only (its README says so).
//   node fastmcp.mjs stdio | node fastmcp.mjs http PORT (stateless) | node fastmcp.mjs sessions PORT
import { FastMCP } from 'fastmcp';
import { z } from 'zod';

const server = new FastMCP({ name: 'fastmcp-ref', version: '1.0.0' });
server.addTool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => String(a + b),
});
const mode = process.argv[2] ?? 'stdio';
const port = Number(process.argv[3] ?? 0);
if (mode === 'stdio') {
  await server.start({ transportType: 'stdio' });
} else {
  await server.start({ transportType: 'httpStream', httpStream: { port, host: '127.0.0.1', stateless: mode === 'http' } });
  console.error(`listening ${port}`);
}
