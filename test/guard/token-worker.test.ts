import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateTokens } from '../../src/guard/token-count.js';
import { TokenWorker } from '../../src/guard/token-worker.js';
import { countTokens } from '../../src/guard/tokens.js';
import { assertBuilt, CLI } from '../e2e/cli-process.js';
import { eventually, tempDir } from '../harness.js';

/**
 * The token worker (src/guard/token-worker.ts): result budgets are counted off
 * the main thread, so building the o200k encoder (1.2 s of CPU here) never
 * stalls a serving process. The old main built it on the event loop one second
 * after start-up: a ping sent then waited 1.1 s (2.8 s under load).
 */
const SAMPLES = [
  'hello world',
  JSON.stringify({ id: 42, title: 'Ship the release notes', status: 'in_progress', labels: ['docs', 'release'] }),
  '- agent-3 at 2026-12-01T10:00:00Z: looked at the flaky test; it is the clock',
  '数据库迁移需要在周五之前完成，请检查索引。',
  '🎉'.repeat(40),
  'x'.repeat(300),
  'a b  c\t\td\n\n\ne',
  '',
];

describe('token worker', () => {
  let worker: TokenWorker;
  afterAll(async () => worker?.close());

  it('answers exactly what the main-thread encoder counts, once its encoder is built', async () => {
    worker = new TokenWorker();
    expect(worker.count(['not ready yet'])).toBeUndefined(); // still building: the caller estimates instead of waiting
    await eventually(() => worker.ready(), 30_000, 'the worker built its encoder');
    expect(worker.count(SAMPLES)).toEqual(SAMPLES.map(countTokens));
    expect(worker.count([])).toEqual([]);
  });

  it('keeps answering in order across many calls', () => {
    for (let i = 0; i < 200; i++) {
      const text = `task ${i} ${'word '.repeat(i % 17)}`;
      expect(worker.count([text, String(i)])).toEqual([countTokens(text), countTokens(String(i))]);
    }
  });

  it('the warm-up estimate is at or above the exact count for what results carry', () => {
    for (const text of SAMPLES) expect(estimateTokens(text)).toBeGreaterThanOrEqual(countTokens(text));
  });
});

describe('a fresh stdio server (built CLI) never stalls while the encoder is built', () => {
  const tmp = tempDir();
  beforeAll(() => assertBuilt());
  afterAll(() => tmp.cleanup());

  it('answers pings every 25 ms through its first seconds, none late by more than 750 ms', async () => {
    const child = spawn(process.execPath, [CLI, '--db', join(tmp.dir, 't.db')], { stdio: ['pipe', 'pipe', 'ignore'] });
    const sentAt = new Map<number, number>();
    const latencies: Array<{ at: number; ms: number }> = [];
    const nonJson: string[] = [];
    let firstAnswer = Number.POSITIVE_INFINITY;
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let id: unknown;
        try {
          id = (JSON.parse(line) as { id?: unknown }).id;
        } catch {
          nonJson.push(line);
          continue;
        }
        const sent = typeof id === 'number' ? sentAt.get(id) : undefined;
        if (sent === undefined) continue;
        const now = performance.now();
        firstAnswer = Math.min(firstAnswer, now);
        if (sent > firstAnswer) latencies.push({ at: sent, ms: now - sent });
      }
    });
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'stall-probe', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    let id = 1;
    const pinger = setInterval(() => {
      sentAt.set(id, performance.now());
      send({ jsonrpc: '2.0', id: id++, method: 'ping' });
    }, 25);
    try {
      // The encoder used to be built 1 s after start-up; watch well past that (bounded: 10 s at most).
      await eventually(() => performance.now() - firstAnswer > 3_500, 10_000, 'three and a half seconds of answered pings');
    } finally {
      clearInterval(pinger);
      child.kill();
    }
    const worst = Math.max(...latencies.map((l) => l.ms));
    process.stderr.write(`token worker: ${latencies.length} pings after the first answer, slowest ${worst.toFixed(0)} ms\n`);
    expect(latencies.length).toBeGreaterThan(50);
    expect(worst).toBeLessThan(750);
    expect(nonJson).toEqual([]);
  });
});
