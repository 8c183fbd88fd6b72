import { afterEach, describe, expect, it } from 'vitest';
import { ConcurrencyGate } from '../../src/guard/concurrency.js';
import type { GuardrailEvent } from '../../src/guard/events.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { call, connect, ERAS, tempDir, testConfig } from '../harness.js';

/**
 * Rate limits through real SDK clients: two principals on one app, one
 * flooding in a bounded loop, the other must keep succeeding.
 */
describe.each(ERAS)('rate limits (%s era)', (era) => {
  let app: App;
  let cleanup: () => void;
  const events: GuardrailEvent[] = [];
  const open = (overrides: Record<string, string>) => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    events.length = 0;
    app = createApp(TOOLSETS, testConfig({ 'loop-threshold': '0', ...overrides }, tmp.dir), silentLogger, undefined, 'tester', {
      onGuardrail: (e) => events.push(e),
    });
  };
  afterEach(async () => {
    await app.close();
    cleanup();
  });

  it('spends separate read and write budgets per principal: the flooder gets rate_limited, the other principal is unaffected', async () => {
    open({ 'rate-limit-reads': '10', 'rate-limit-writes': '3' });
    const flood = await connect(app, era, 'flooder', 'mallory');
    const calm = await connect(app, era, 'calm', 'alice');
    try {
      const outcomes = [];
      for (let i = 0; i < 25; i++) {
        outcomes.push(await call(flood.client, 'get_task_stats'));
        // alice interleaves one read per flood call: her budget is her own
        if (i % 3 === 0) expect((await call(calm.client, 'get_task_stats')).isError).toBe(false);
      }
      const refused = outcomes.filter((o) => o.isError);
      expect(outcomes.slice(0, 10).every((o) => !o.isError)).toBe(true);
      expect(refused).toHaveLength(15);
      for (const r of refused) {
        expect(r.error.code).toBe('rate_limited');
        expect(r.error.retryable).toBe(true);
        expect(r.error.retryAfterMs).toBeGreaterThan(0);
        expect(r.error.retryAfterMs).toBeLessThanOrEqual(60_000);
      }
      // Reads spent, writes still available (separate budget), until the write budget runs out too.
      const writes = [];
      for (let i = 0; i < 5; i++) writes.push(await call(flood.client, 'create_tasks', { tasks: [{ title: `t${i}` }] }));
      expect(writes.map((w) => w.isError)).toEqual([false, false, false, true, true]);
      expect(writes[3]?.error.code).toBe('rate_limited');
      expect((await call(calm.client, 'create_tasks', { tasks: [{ title: 'alice' }] })).isError).toBe(false);
      expect(events.filter((e) => e.type === 'rate_limited' && e.principal === 'mallory').length).toBe(17);
      expect(events.some((e) => e.type === 'rate_limited' && e.principal === 'alice')).toBe(false);
    } finally {
      await flood.close();
      await calm.close();
    }
  });

  it('caps concurrent calls per principal: a parallel burst is partly refused, the other principal still gets through', async () => {
    open({ 'max-concurrent-calls': '4', 'max-concurrent-per-principal': '2', 'queue-wait-ms': '5000' });
    const flood = await connect(app, era, 'flooder', 'mallory');
    const calm = await connect(app, era, 'calm', 'alice');
    try {
      // Hold the store's write lock so mallory's writes stay in flight, holding their slots.
      let releaseLock = () => {};
      const held = app.store.write(() => new Promise<void>((resolve) => (releaseLock = resolve)));
      const burst = Array.from({ length: 12 }, (_, i) => call(flood.client, 'create_tasks', { tasks: [{ title: `m${i}` }] }));
      await new Promise((r) => setTimeout(r, 100));
      expect(app.guard.gate.load.running).toBe(2);
      // alice is served while mallory's writes are stuck: her slots are her own
      const mine = await call(calm.client, 'get_task_stats');
      expect(mine.isError).toBe(false);
      releaseLock();
      await held;
      const results = await Promise.all(burst);
      const codes = results.map((r) => (r.isError ? r.error.code : 'ok'));
      expect(codes.filter((c) => c === 'ok')).toHaveLength(2);
      expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(10);
      expect(results.find((r) => r.isError)?.error.retryAfterMs).toBe(250);
      expect(events.filter((e) => e.type === 'rate_limited' && e.limit === 'concurrency')).toHaveLength(10);
      expect(app.guard.gate.load).toEqual({ running: 0, waiting: 0 });
    } finally {
      await flood.close();
      await calm.close();
    }
  });
});

describe('ConcurrencyGate', () => {
  it('queues over the global cap in FIFO order, hands slots over, and refuses after waitMs', async () => {
    const gate = new ConcurrencyGate(2, 10, 200);
    const a = await gate.acquire('p');
    const b = await gate.acquire('q');
    expect(typeof a).toBe('function');
    expect(typeof b).toBe('function');
    const order: string[] = [];
    const c = gate.acquire('r').then((s) => {
      order.push('c');
      return s;
    });
    const d = gate.acquire('s').then((s) => {
      order.push('d');
      return s;
    });
    expect(gate.load).toEqual({ running: 2, waiting: 2 });
    (a as () => void)();
    (b as () => void)();
    const [sc, sd] = await Promise.all([c, d]);
    expect(order).toEqual(['c', 'd']);
    expect(gate.load).toEqual({ running: 2, waiting: 0 });
    const e = await gate.acquire('t'); // waits 200 ms, then refused
    expect(e).toEqual({ retryAfterMs: expect.any(Number) });
    (sc as () => void)();
    (sd as () => void)();
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a principal over its own cap at once, and frees its slots on release', async () => {
    const gate = new ConcurrencyGate(10, 2, 1000);
    const x = await gate.acquire('p');
    const y = await gate.acquire('p');
    expect(await gate.acquire('p')).toEqual({ retryAfterMs: 250 });
    expect(typeof (await gate.acquire('other'))).toBe('function');
    (x as () => void)();
    (x as () => void)(); // double release is a no-op
    expect(typeof (await gate.acquire('p'))).toBe('function');
    (y as () => void)();
  });

  it('gives up waiting when the call is cancelled', async () => {
    const gate = new ConcurrencyGate(1, 5, 10_000);
    const a = await gate.acquire('p');
    const controller = new AbortController();
    const waiting = gate.acquire('q', controller.signal);
    controller.abort();
    expect(await waiting).toEqual({ retryAfterMs: expect.any(Number) });
    expect(gate.load).toEqual({ running: 1, waiting: 0 });
    (a as () => void)();
  });
});
