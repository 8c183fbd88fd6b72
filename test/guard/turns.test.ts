import { describe, expect, it } from 'vitest';
import { FairTurns, MAX_IDLE_HOPS } from '../../src/guard/turns.js';

/** The turn order of src/guard/turns.ts, on the real event loop (no fake timers: the pacing is in loop iterations). */
const iterations = (n: number) => new Promise<void>((done) => (n <= 0 ? done() : setImmediate(() => iterations(n - 1).then(done))));

describe('FairTurns', () => {
  it('starts a request at once on an idle server', async () => {
    const turns = new FairTurns();
    let started = false;
    void turns.take('alice').then(() => {
      started = true;
    });
    await Promise.resolve();
    expect(started).toBe(true);
    expect(turns.waiting).toBe(0);
  });

  it('serves a backlog one start per loop iteration, and a quiet principal ahead of it, at once', async () => {
    const turns = new FairTurns();
    const order: string[] = [];
    const take = (p: string, tag = p) => turns.take(p).then(() => order.push(tag));
    const flood = Array.from({ length: 6 }, (_, i) => take('mallory', `m${i}`));
    await Promise.resolve();
    expect(order).toEqual(['m0']); // immediate; the rest wait
    expect(turns.waiting).toBe(5);
    await iterations(3);
    const before = order.length;
    expect(before).toBeLessThan(6); // paced, not all at once
    const quiet = take('alice');
    await Promise.resolve();
    expect(order.at(-1)).toBe('alice'); // nothing of alice's waiting: not held behind the backlog
    await Promise.all([...flood, quiet]);
    expect(order.filter((t) => t.startsWith('m'))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('alternates between backlogged principals (round robin)', async () => {
    const turns = new FairTurns();
    const order: string[] = [];
    const all = [];
    for (let i = 0; i < 4; i++) for (const p of ['a', 'b']) all.push(turns.take(p).then(() => order.push(p)));
    await Promise.all(all);
    // 'a' went first (idle); then each grant goes to the other backlogged principal.
    expect(order.join('')).toBe('abababab');
  });

  it('holds a backlog while connections keep arriving, for at most MAX_IDLE_HOPS iterations', async () => {
    const turns = new FairTurns();
    const order: string[] = [];
    const first = turns.take('m').then(() => order.push('m0'));
    const second = turns.take('m').then(() => order.push('m1'));
    await first;
    // A connection accepted in every iteration: the backlog waits for the accept queue to drain ...
    let accepting = true;
    const accept = () => {
      if (!accepting) return;
      turns.noteConnection();
      setImmediate(accept);
    };
    accept();
    await iterations(MAX_IDLE_HOPS / 2);
    expect(order).toEqual(['m0']);
    // ... but not forever.
    await iterations(MAX_IDLE_HOPS);
    expect(order).toEqual(['m0', 'm1']);
    accepting = false;
    await second;
  });
});
