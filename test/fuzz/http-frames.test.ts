import { Agent, request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, startHttp } from '../e2e/cli-process.js';
import { type Frame, frames } from './frames.js';
import { FUZZ, HANG_MS, scratchDir, short, Tally } from './tally.js';

/**
 * Issue 13 item 9: raw frames over Streamable HTTP to the built CLI
 * (loopback): every body, header and HTTP method variation of frames.ts. Each
 * gets a complete answer within 2 s with a status under 500, and a JSON body
 * (or SSE `data:` lines) that parses; the process never exits and still
 * answers a valid request of both eras afterwards.
 */
const RUNS = FUZZ.runs(0.25, 2_000);

interface Answer {
  status: number;
  type: string;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One raw request; rejects after `ms` (the request is destroyed). */
function send(url: string, frame: Frame, ms: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: frame.method, headers: frame.headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${ms} ms`)), ms);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(frame.method === 'GET' || frame.method === 'DELETE' ? undefined : frame.body);
  });
}

/** Why an answer is wrong, or undefined when it is fine. */
function problem(a: Answer): string | undefined {
  if (a.status >= 500) return `http_${a.status}`;
  if (a.type.includes('application/json') && a.body.trim()) {
    try {
      JSON.parse(a.body);
    } catch {
      return 'unparsable_json_body';
    }
  }
  if (a.type.includes('text/event-stream')) {
    for (const line of a.body.split(/\r?\n/)) {
      if (!line.startsWith('data:') || !line.slice(5).trim()) continue;
      try {
        JSON.parse(line.slice(5));
      } catch {
        return 'unparsable_sse_data';
      }
    }
  }
  return undefined;
}

const VALID: Record<'legacy' | 'modern', Frame> = {
  legacy: {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
    }),
  },
  modern: {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/list',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  },
};

describe('raw HTTP frames (built CLI, loopback)', () => {
  const tmp = scratchDir('taskwire-fuzz-http-');
  let server: Served;
  beforeAll(async () => {
    server = await startHttp(tmp.dir, ['--rate-limit-reads', '0', '--rate-limit-writes', '0', '--http-rate-limit', '0']);
  });
  afterAll(async () => {
    agent.destroy();
    await server?.stop();
    tmp.cleanup();
  });

  it(
    `answers ${RUNS} raw frames completely within 2 s, never with a 5xx`,
    async () => {
      for (const era of ['legacy', 'modern'] as const) expect((await send(server.url, VALID[era], 15_000)).status).toBe(200); // warm
      const tally = new Tally('http frames');
      await fc.assert(
        fc.asyncProperty(frames('http'), async (frame) => {
          const t0 = performance.now();
          let answer: Answer | undefined;
          // a miss is tried once more, so a stall of this loaded machine is not blamed on the frame
          for (let attempt = 1; attempt <= 2 && !answer; attempt++) {
            try {
              answer = await send(server.url, frame, HANG_MS);
            } catch (e) {
              if (server.child.exitCode !== null) return void tally.fail('crash', frame, `exited with ${server.child.exitCode}: ${server.stderr().slice(-600)}`);
              if (attempt === 2) return void tally.fail('hang', frame, (e as Error).message);
              tally.ok('slow_once');
              tally.tried--;
            }
          }
          tally.timed(performance.now() - t0, frame);
          const a = answer as Answer;
          const wrong = problem(a);
          if (wrong) return void tally.fail(wrong, frame, `${a.status} ${a.type} ${short(a.body)}`);
          tally.ok(`http_${a.status}`);
          return true;
        }),
        { numRuns: RUNS, seed: FUZZ.seed + 20 },
      );
      // still serving both eras, and never exited
      for (const era of ['legacy', 'modern'] as const) expect((await send(server.url, VALID[era], 10_000)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
      tally.report();
      console.log(tally.summary());
      expect(tally.tried).toBe(RUNS);
      expect(tally.failed, tally.summary()).toBe(0);
    },
    60_000 + RUNS * 30,
  );
});
