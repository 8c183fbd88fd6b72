import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { GuardrailEvent } from '../../src/guard/events.js';
import { compose } from '../../src/middleware/compose.js';
import { toolOperation } from '../../src/middleware/operation.js';
import { resultBudget } from '../../src/middleware/result-budget.js';
import type { ToolCall, ToolResult } from '../../src/middleware/types.js';
import { defineTool } from '../../src/toolkit/define.js';

/**
 * The result-budget step on its own: the budget a call runs with is its `max_tokens`, else the tool's
 * declared `resultBudgetTokens` (carried on its operation from start-up), else the server-wide default.
 */
type Ctx = { resultTokens?: number };
const annotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const tool = (input: z.ZodObject, resultBudgetTokens?: number) =>
  defineTool<Ctx, z.ZodObject, z.ZodObject>({
    name: 'list_things',
    title: 'List things',
    description: 'Lists things.',
    input,
    annotations,
    scopes: [],
    ...(resultBudgetTokens !== undefined ? { resultBudgetTokens } : {}),
    handler: async () => ({ structured: {}, text: '' }),
  });
const paged = z.object({ max_tokens: z.number().optional() });
const plain = z.object({ state: z.string() });

/** Run one call through the step; the handler reports the arguments and budget it saw. */
async function run(def: ReturnType<typeof tool>, args: Record<string, unknown>, events: GuardrailEvent[] = []) {
  let seen: { args: unknown; resultTokens: number | undefined } | undefined;
  const handler = async (call: ToolCall<Ctx>): Promise<ToolResult> => {
    seen = { args: call.args, resultTokens: call.ctx.resultTokens };
    return { content: [], structuredContent: { items: [1, 2], total: 9, truncated: true } };
  };
  const step = resultBudget<Ctx>({ defaultMaxTokens: 1500, onGuardrail: (e) => events.push(e) });
  await compose([step], handler)({ op: toolOperation(def), tool: def, args, ctx: {}, requestId: 1 });
  return seen;
}

describe('resultBudget', () => {
  it('carries the declared budget into the operation once, at start-up', () => {
    expect(toolOperation(tool(plain, 4000)).resultBudgetTokens).toBe(4000);
    expect(toolOperation(tool(plain)).resultBudgetTokens).toBeUndefined();
  });

  it('honours a declared budget when the call gives no max_tokens: as the filled-in max_tokens and as ctx.resultTokens', async () => {
    expect(await run(tool(paged, 4000), {})).toEqual({ args: { max_tokens: 4000 }, resultTokens: 4000 });
    // A tool without a max_tokens argument gets it as its context budget only; its arguments stay as sent.
    expect(await run(tool(plain, 3000), { state: 'CA' })).toEqual({ args: { state: 'CA' }, resultTokens: 3000 });
  });

  it("lets the call's max_tokens win over the declared budget", async () => {
    const events: GuardrailEvent[] = [];
    expect(await run(tool(paged, 4000), { max_tokens: 600 }, events)).toEqual({ args: { max_tokens: 600 }, resultTokens: 600 });
    expect(events).toEqual([{ type: 'truncated', tool: 'list_things', shown: 2, total: 9, maxTokens: 600 }]);
  });

  it('falls back to the server-wide default for a tool that declares none', async () => {
    expect(await run(tool(paged), {})).toEqual({ args: { max_tokens: 1500 }, resultTokens: 1500 });
    expect(await run(tool(plain), { state: 'CA' })).toEqual({ args: { state: 'CA' }, resultTokens: 1500 });
  });
});
