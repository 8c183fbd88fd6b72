import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from '../../src/guard/concurrency.js';
import type { GuardrailEvent } from '../../src/guard/events.js';
import { openBudgets } from '../../src/guard/limiters.js';
import { promptOperation, resourceOperation, toolOperation } from '../../src/middleware/operation.js';
import { rateLimit } from '../../src/middleware/rate-limit.js';
import type { Call, Operation } from '../../src/middleware/types.js';
import type { ToolError } from '../../src/toolkit/errors.js';

/** The rate-limit step on its own, over real in-memory budgets and a real gate: which budget each operation spends, what a refusal says. */
const tool = (readOnlyHint: boolean) => ({ name: readOnlyHint ? 'get_thing' : 'save_thing', input: {}, annotations: { readOnlyHint } }) as never;
const resource = { name: 'thing', title: 'T', description: 'd', mimeType: 'application/json', uri: 'things://{id}', scopes: [], read: async () => [] };
const prompt = { name: 'plan_day', title: 'P', description: 'd', scopes: [], get: async () => ({ messages: [] }) };

async function setup(perMinute: { read: number; write: number }) {
  const gate = new ConcurrencyGate(10, 10, 0);
  const budgets = await openBudgets({ perMinute, store: 'memory' });
  const events: GuardrailEvent[] = [];
  const step = rateLimit<{ who: string }>({ budgets, gate, principalOf: (ctx) => ctx.who, onGuardrail: (e) => events.push(e) });
  const run = (op: Operation, who = 'ana') => step<Call<{ who: string }>, string>({ op, args: {}, ctx: { who }, requestId: 1 }, async () => 'done');
  return { run, events };
}

describe('rateLimit', () => {
  it('spends the read budget for read tools, resource reads and prompt gets, the write budget for other tools, per principal', async () => {
    const { run, events } = await setup({ read: 3, write: 1 });
    expect(await run(toolOperation(tool(true)))).toBe('done');
    expect(await run(resourceOperation(resource))).toBe('done');
    expect(await run(promptOperation(prompt))).toBe('done');
    const refused = (await run(resourceOperation(resource)).catch((e: unknown) => e)) as ToolError;
    expect(refused).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/too many reads/) });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(events).toEqual([{ type: 'rate_limited', tool: 'resources/read things://{id}', principal: 'ana', limit: 'read', retryAfterMs: refused.retryAfterMs }]);
    // the write budget is separate, and so is every other principal's
    expect(await run(toolOperation(tool(false)))).toBe('done');
    await expect(run(toolOperation(tool(false)))).rejects.toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/too many writes/) });
    expect(await run(promptOperation(prompt), 'bob')).toBe('done');
  });

  it('holds a concurrency slot while the call runs and refuses past the cap', async () => {
    const gate = new ConcurrencyGate(1, 1, 0);
    const events: GuardrailEvent[] = [];
    const budgets = await openBudgets({ perMinute: { read: 100 }, store: 'memory' });
    const step = rateLimit<{ who: string }>({ budgets, gate, principalOf: (ctx) => ctx.who, onGuardrail: (e) => events.push(e) });
    const op = resourceOperation(resource);
    let release = () => {};
    const slow = step({ op, args: {}, ctx: { who: 'ana' }, requestId: 1 }, () => new Promise<string>((resolve) => (release = () => resolve('slow'))));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gate.load.running).toBe(1);
    await expect(step({ op, args: {}, ctx: { who: 'bob' }, requestId: 2 }, async () => 'fast')).rejects.toMatchObject({ code: 'rate_limited' });
    expect(events.at(-1)).toMatchObject({ limit: 'concurrency', tool: 'resources/read things://{id}' });
    release();
    expect(await slow).toBe('slow');
    expect(gate.load.running).toBe(0);
  });
});

describe('ConcurrencyGate.tryAcquire', () => {
  it('admits at once while slots are free, refuses a principal over its share, and leaves a full gate to the queue', async () => {
    const gate = new ConcurrencyGate(2, 1, 50);
    const first = gate.tryAcquire('ana');
    expect(typeof first).toBe('function');
    expect(gate.tryAcquire('ana')).toEqual({ retryAfterMs: 250 }); // ana holds her one slot
    const second = gate.tryAcquire('bo');
    expect(typeof second).toBe('function');
    expect(gate.tryAcquire('cy')).toBeUndefined(); // both slots taken: not refused, queued by acquire()
    const waiting = gate.acquire('cy');
    expect(gate.load).toEqual({ running: 2, waiting: 1 });
    (first as () => void)();
    expect(typeof (await waiting)).toBe('function'); // ana's slot handed to cy
    expect(gate.load).toEqual({ running: 2, waiting: 0 });
    (second as () => void)();
    expect(gate.load.running).toBe(1);
  });
});
