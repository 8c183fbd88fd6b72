import type { GuardrailListener } from '../guard/events.js';
import type { Middleware } from './types.js';

export interface ResultBudgetOptions {
  /** Token budget applied when the call gives no `max_tokens` and the tool declares no budget of its own (o200k_base tokens). */
  defaultMaxTokens: number;
  onGuardrail?: GuardrailListener;
}

/**
 * Result budgets. A call's budget is its `max_tokens` argument, else the
 * tool's declared budget (`op.resultBudgetTokens`, from
 * `ToolDef.resultBudgetTokens`), else {@link ResultBudgetOptions.defaultMaxTokens}.
 * Every tool whose input has a `max_tokens` argument (the paged read tools)
 * gets that default filled in when the call omits it; the tool itself returns
 * only the whole records that fit (`truncated: true`, `next_cursor`, `total`).
 * Every tool reads the budget from `ctx.resultTokens` (`get_task` keeps only
 * the newest comments that fit). Reports truncated pages and idempotent
 * replays on the guardrail hook.
 */
export function resultBudget<Ctx extends { resultTokens?: number }>(options: ResultBudgetOptions): Middleware<Ctx> {
  return async function resultBudgetCall(call, next) {
    const fallback = call.op.resultBudgetTokens ?? options.defaultMaxTokens;
    let args = call.args;
    if (call.op.maxTokensArg && isObject(args) && args.max_tokens === undefined) {
      args = { ...args, max_tokens: fallback };
    }
    const requested = isObject(args) && typeof args.max_tokens === 'number' ? args.max_tokens : fallback;
    const result = await next({ ...call, args, ctx: { ...call.ctx, resultTokens: requested } });
    const structured = result.structuredContent;
    if (structured && options.onGuardrail) {
      if (structured.truncated === true) {
        const items = Object.values(structured).find(Array.isArray) as unknown[] | undefined;
        options.onGuardrail({
          type: 'truncated',
          tool: call.tool.name,
          shown: items?.length ?? 0,
          total: Number(structured.total ?? 0),
          maxTokens: Number((args as Record<string, unknown>).max_tokens),
        });
      }
      if (structured.replayed === true) options.onGuardrail({ type: 'idempotent_replay', tool: call.tool.name });
    }
    return result;
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
