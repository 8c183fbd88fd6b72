import { afterEach, describe, expect, it } from 'vitest';
import { AsyncOperations, KEPT_FACTOR, OperationLimit } from '../../src/protocol-tasks/registry.js';

/** The async-operation registry (MCP Tasks extension): ownership, TTL, caps, input and cancellation. */

let clock = 0;
let registry: AsyncOperations | undefined;
const make = (ttlMs = 1000, maxPerOwner = 2) => {
  registry = new AsyncOperations({ ttlMs, maxPerOwner, now: () => clock });
  return registry;
};
afterEach(() => {
  registry?.close();
  clock = 0;
});

describe('AsyncOperations', () => {
  it('ids are unguessable and scoped to their owner', () => {
    const ops = make();
    const a = AsyncOperations.owner('ws', 'alice');
    const op = ops.create(a);
    expect(op.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(ops.get(a, op.id)).toBe(op);
    expect(ops.get(AsyncOperations.owner('ws', 'bob'), op.id)).toBeUndefined();
    expect(ops.get(AsyncOperations.owner('other', 'alice'), op.id)).toBeUndefined();
  });

  it('drops an operation and its result after the TTL, aborting one still running', () => {
    const ops = make(1000);
    const owner = AsyncOperations.owner('ws', 'p');
    const finished = ops.create(owner);
    ops.settle(finished, { result: { content: [] } });
    const running = ops.create(owner);
    clock = 999;
    expect(ops.get(owner, finished.id)?.status).toBe('completed');
    clock = 1000;
    expect(ops.get(owner, finished.id)).toBeUndefined();
    expect(ops.get(owner, running.id)).toBeUndefined();
    expect(running.controller.signal.aborted).toBe(true);
    expect(ops.size).toBe(0);
  });

  it('caps running operations per owner and keeps at most KEPT_FACTOR times as many finished ones', () => {
    const ops = make(60_000, 2);
    const owner = AsyncOperations.owner('ws', 'p');
    const first = ops.create(owner);
    ops.create(owner);
    expect(() => ops.create(owner)).toThrow(OperationLimit);
    expect(() => ops.create(AsyncOperations.owner('ws', 'other'))).not.toThrow(); // another owner's budget
    ops.settle(first, { result: { content: [] } });
    const created = [first];
    for (let i = 0; i < 2 * KEPT_FACTOR; i++) {
      const op = ops.create(owner);
      ops.settle(op, { result: { content: [] } });
      created.push(op);
    }
    expect(ops.get(owner, first.id)).toBeUndefined(); // the oldest finished result went first
    const kept = created.filter((op) => ops.get(owner, op.id) !== undefined).length;
    expect(kept).toBe(2 * KEPT_FACTOR - 1); // plus the one still running = the cap
  });

  it('input: partial answers keep input_required; the run resumes once all are answered', async () => {
    const ops = make();
    const op = ops.create(AsyncOperations.owner('ws', 'p'));
    const waiting = ops.waitForInput(op, { a: { method: 'elicitation/create' }, b: { method: 'elicitation/create' } });
    ops.answer(op, { a: { action: 'accept' }, stray: {} });
    expect(op.status).toBe('input_required');
    expect([...op.pending.keys()]).toEqual(['b']);
    ops.answer(op, { b: { action: 'decline' } });
    expect(await waiting).toEqual({ a: { action: 'accept' }, b: { action: 'decline' } });
    expect(op.status).toBe('working');
  });

  it('cancel: an error outcome settles as cancelled; cancelling a terminal operation changes nothing', async () => {
    const ops = make();
    const op = ops.create(AsyncOperations.owner('ws', 'p'));
    const waiting = ops.waitForInput(op, { a: {} });
    ops.cancel(op);
    await expect(waiting).rejects.toThrow('cancelled');
    expect(op.controller.signal.aborted).toBe(true);
    ops.settle(op, { result: { content: [], isError: true } });
    expect(op.status).toBe('cancelled');
    expect(op.result).toBeUndefined();
    ops.cancel(op);
    expect(op.status).toBe('cancelled');
  });
});
