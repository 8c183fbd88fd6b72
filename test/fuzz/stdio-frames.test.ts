import { spawn } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from '../e2e/cli-process.js';
import { frames } from './frames.js';
import { FUZZ, HANG_MS, scratchDir, Tally } from './tally.js';

/**
 * Issue 13 item 9: raw frames on stdio, one line each, to the built CLI in
 * both eras (a 2025-11-25 session opened with initialize, and 2026-07-28
 * requests with the `_meta` envelope). After every frame a ping: it must be
 * answered within 2 s (0 hangs), and so must every request with a string or
 * integer id; every stdout line is JSON-RPC 2.0; the process never exits.
 */
/** Per era: 2,000 frames on stdio by default. */
const RUNS = FUZZ.runs(0.125, 1_000);

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
  /** Error answers with id null: to lines refused before their id could be read (invalid JSON, too deep, too long). */
  nullErrors = 0;
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
      let msg: { jsonrpc?: unknown; id?: unknown; error?: unknown };
      try {
        msg = JSON.parse(line);
      } catch {
        this.badLines.push(line.slice(0, 200));
        continue;
      }
      if (msg.jsonrpc !== '2.0') this.badLines.push(line.slice(0, 200));
      if (msg.id === null && msg.error) this.nullErrors++;
      if (typeof msg.id === 'string' || typeof msg.id === 'number') {
        const key = JSON.stringify(msg.id);
        this.answered.add(key);
        this.waiters.get(key)?.();
      }
    }
  }

  /** The last lines sent (what a crash follows). */
  readonly recent: string[] = [];

  send(line: string): void {
    this.recent.push(line.slice(0, 300));
    if (this.recent.length > 6) this.recent.shift();
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
  const tmp = scratchDir('taskwire-fuzz-stdio-');
  let server: StdioServer;
  let started = 0;
  /** A fresh server process; in the legacy era, its session opened with initialize. */
  const start = async () => {
    await server?.stop(); // the one before (after a crash, or before the long-line test)
    server = new StdioServer(join(tmp.dir, 'stdio.db'));
    started++;
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
    expect(await server.answer(ping(), 15_000)).toBe(true); // warm
  };
  beforeAll(() => assertBuilt());
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
      await start();
      const tally = new Tally(`stdio frames (${era})`);
      await fc.assert(
        fc.asyncProperty(frames('stdio'), async (frame) => {
          const t0 = performance.now();
          const bad = server.badLines.length;
          const nullErrors = server.nullErrors;
          server.send(frame.body);
          const alive = await server.answer(ping());
          // answers come in order of the lines here: one refused before its id was read has come by now
          const own = frame.id === undefined || server.nullErrors > nullErrors || (await server.answer(frame.id, Math.max(0, HANG_MS - (performance.now() - t0))));
          tally.timed(performance.now() - t0, frame.body);
          if (server.child.exitCode !== null || server.child.signalCode !== null) {
            // a crash: the frames before it, the end of its log; then a new process, so the run goes on
            tally.fail('crash', server.recent.join('\n      '), `exited with ${server.child.exitCode ?? server.child.signalCode}: ${server.stderr.slice(-600)}`);
            await start();
            return true;
          }
          if (!alive) return void tally.fail('hang', frame.body, 'the ping after it got no answer within 2 s');
          if (server.badLines.length > bad) return void tally.fail('not_json_rpc_on_stdout', frame.body, server.badLines.at(-1) ?? '');
          // a request refused before its id was read (too deep) is answered with id null (JSON-RPC 2.0 §5)
          if (!own) return void tally.fail('unanswered', frame.body, `request ${JSON.stringify(frame.id)} got no answer within 2 s`);
          const refused = server.nullErrors > nullErrors;
          tally.ok(
            frame.id === undefined ? (refused ? 'error, id null' : 'no answer due') : server.answered.has(JSON.stringify(frame.id)) ? 'answered' : 'refused, id null',
          );
          return true;
        }),
        { numRuns: RUNS, seed: FUZZ.seed + (era === 'legacy' ? 10 : 11) },
      );
      tally.report();
      console.log(tally.summary());
      expect(server.child.exitCode, server.stderr).toBeNull();
      expect(started, 'server processes started (1 + crashes)').toBe(1);
      expect(tally.tried).toBe(RUNS);
      expect(tally.failed, tally.summary()).toBe(0);
    },
    60_000 + RUNS * 30,
  );

  it('answers over-long lines (9 MiB) with an error, id null, and keeps serving', async () => {
    await start();
    for (const line of ['x'.repeat(9 * 1024 * 1024), `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'y'.repeat(9 * 1024 * 1024)}"}}`]) {
      const nullErrors = server.nullErrors;
      server.send(line);
      expect(await server.answer(ping(), 10_000), 'a ping after the long line').toBe(true);
      expect(server.nullErrors).toBe(nullErrors + 1);
    }
    expect(server.badLines).toEqual([]);
    expect(server.child.exitCode).toBeNull();
  }, 60_000);
});
