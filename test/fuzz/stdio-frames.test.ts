import { spawn } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from '../e2e/cli-process.js';
import { tempDir } from '../harness.js';
import { frames } from './frames.js';
import { FUZZ, HANG_MS, Tally } from './tally.js';

/**
 * Issue 13 item 9: raw frames on stdio, one line each, to the built CLI in
 * both eras (a 2025-11-25 session opened with initialize, and 2026-07-28
 * requests with the `_meta` envelope). After every frame a ping: it must be
 * answered within 2 s (0 hangs), and so must every request with a string or
 * integer id; every stdout line is JSON-RPC 2.0; the process never exits.
 */
/** Per era: 2,200 frames on stdio by default. */
const RUNS = FUZZ.runs(1_100);

const PING_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

class StdioServer {
  readonly child;
  private buffer = '';
  readonly answered = new Set<string>();
  readonly waiters = new Map<string, () => void>();
  readonly badLines: string[] = [];
  stderr = '';

  constructor(db: string) {
    this.child = spawn(process.execPath, [CLI, '--db', db, '--rate-limit-reads', '0', '--rate-limit-writes', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => this.read(d));
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.child.stdin.on('error', () => undefined); // EPIPE if it died: reported as a crash below
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.trim()) continue;
      let msg: { jsonrpc?: unknown; id?: unknown };
      try {
        msg = JSON.parse(line);
      } catch {
        this.badLines.push(line.slice(0, 200));
        continue;
      }
      if (msg.jsonrpc !== '2.0') this.badLines.push(line.slice(0, 200));
      if (typeof msg.id === 'string' || typeof msg.id === 'number') {
        const key = JSON.stringify(msg.id);
        this.answered.add(key);
        this.waiters.get(key)?.();
      }
    }
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Resolves true once `id` is answered, false after `ms`. */
  answer(id: string | number, ms = HANG_MS): Promise<boolean> {
    const key = JSON.stringify(id);
    if (this.answered.has(key)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        resolve(this.answered.has(key));
      }, ms);
      this.waiters.set(key, () => {
        clearTimeout(timer);
        this.waiters.delete(key);
        resolve(true);
      });
    });
  }

  stop(): Promise<void> {
    return new Promise((done) => {
      if (this.child.exitCode !== null) return done();
      this.child.once('exit', () => done());
      this.child.stdin.end();
      setTimeout(() => this.child.kill('SIGKILL'), 5_000).unref();
    });
  }
}

describe.each(['legacy', 'modern'] as const)('raw stdio frames (%s era, built CLI)', (era) => {
  const tmp = tempDir('taskwire-fuzz-stdio-');
  let server: StdioServer;
  beforeAll(async () => {
    assertBuilt();
    server = new StdioServer(join(tmp.dir, 'stdio.db'));
    if (era === 'legacy') {
      server.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 'init',
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
        }),
      );
      expect(await server.answer('init', 15_000)).toBe(true);
      server.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    }
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  let pings = 0;
  const ping = (): string | number => {
    const id = `ping-${++pings}`;
    server.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'ping', ...(era === 'modern' ? { params: { _meta: PING_META } } : {}) }));
    return id;
  };

  it(
    `answers a ping after each of ${RUNS} frames within 2 s, and every request`,
    async () => {
      expect(await server.answer(ping(), 15_000)).toBe(true); // warm
      const tally = new Tally(`stdio frames (${era})`);
      await fc.assert(
        fc.asyncProperty(frames('stdio', FUZZ.known), async (frame) => {
          if (server.child.exitCode !== null) return void tally.fail('crash', frame.body, `exited with ${server.child.exitCode}: ${server.stderr}`);
          const started = performance.now();
          const bad = server.badLines.length;
          server.send(frame.body);
          const [own, alive] = await Promise.all([frame.id === undefined ? true : server.answer(frame.id), server.answer(ping())]);
          tally.timed(performance.now() - started, frame.body);
          if (!alive) return void tally.fail('hang', frame.body, 'the ping after it got no answer within 2 s');
          if (!own) return void tally.fail('unanswered', frame.body, `request ${JSON.stringify(frame.id)} got no answer within 2 s`);
          if (server.badLines.length > bad) return void tally.fail('not_json_rpc_on_stdout', frame.body, server.badLines.at(-1) ?? '');
          tally.ok(frame.id === undefined ? 'no answer due' : 'answered');
          return true;
        }),
        { numRuns: RUNS, seed: FUZZ.seed + (era === 'legacy' ? 10 : 11) },
      );
      tally.report();
      console.log(tally.summary());
      expect(server.child.exitCode, server.stderr).toBeNull();
      expect(tally.tried).toBe(RUNS);
      expect(tally.failed, tally.summary()).toBe(0);
    },
    60_000 + RUNS * 30,
  );
});
