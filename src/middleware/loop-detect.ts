import type { GuardrailListener } from '../guard/events.js';
import { canonicalArgs } from '../toolkit/cursor.js';
import { digest } from '../toolkit/digest.js';
import type { Middleware, ToolResult } from './types.js';

export interface LoopDetectOptions<Ctx> {
  /** Repeats (same principal, tool, arguments and result) that trigger the hint; 0 disables. */
  threshold: number;
  /** Repeats further apart than this (ms) start the count over. */
  windowMs: number;
  principalOf: (ctx: Ctx) => string;
  /** Most call signatures remembered (least recently seen forgotten first). */
  maxEntries?: number;
  onGuardrail?: GuardrailListener;
  now?: () => number;
}

/** `_meta` key of the loop hint on a result. */
export const LOOP_META_KEY = 'taskwire/loop';

/**
 * Loop detection: when one principal makes the same call (tool + canonical
 * arguments) and gets the same result `threshold` times in a row within
 * `windowMs`, the result gains a text block and `_meta["taskwire/loop"]`
 * (`{repeats, hint}`) telling the agent it is repeating itself. The result is
 * otherwise unchanged; error results count too (retrying the same bad call).
 * Memory is bounded by `maxEntries` (hashes only, never arguments).
 */
export function loopDetect<Ctx>(options: LoopDetectOptions<Ctx>): Middleware<Ctx> {
  const { threshold, windowMs, principalOf, onGuardrail } = options;
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const seen = new Map<string, { result: string; repeats: number; at: number }>();
  return async function loopDetectCall(call, next) {
    const result = await next(call);
    if (threshold <= 0) return result;
    const principal = principalOf(call.ctx);
    const signature = `${principal}\u0000${call.tool.name}\u0000${canonicalArgs(call.args)}`;
    // A short signature is its own key; a long one (a batch of writes) is remembered by its hash only.
    const key = signature.length <= MAX_PLAIN_KEY ? `=${signature}` : hash(signature);
    // Results are built by our own code in a stable key order: plain JSON is enough (and far cheaper than canonical
    // JSON). A tool's text block is made from its structured content, so that alone tells two results apart.
    const digest = hash(JSON.stringify([result.structuredContent ?? result.content, result.isError ?? false]));
    const t = now();
    const prior = seen.get(key);
    const repeats = prior && prior.result === digest && t - prior.at <= windowMs ? prior.repeats + 1 : 1;
    seen.delete(key); // re-insert: Map order = least recently seen first
    seen.set(key, { result: digest, repeats, at: t });
    if (seen.size > maxEntries) seen.delete(seen.keys().next().value as string);
    if (repeats < threshold) return result;
    onGuardrail?.({ type: 'loop_hint', tool: call.tool.name, principal, repeats });
    return withHint(result, repeats, call.tool.name);
  };
}

function withHint(result: ToolResult, repeats: number, tool: string): ToolResult {
  const hint = `You have made this exact ${tool} call ${repeats} times in a row and got the same result each time. Repeating it will not change the answer: change the arguments, try another tool, or move on.`;
  return {
    ...result,
    content: [...result.content, { type: 'text', text: `Note: ${hint}` }],
    _meta: { ...result._meta, [LOOP_META_KEY]: { repeats, hint } },
  };
}

/** SHA-1 of `text` (not security-relevant: a repeat detector). Never starts with `=`. */
const hash = (text: string): string => digest('sha1', text, 'base64url');

/** Longest call signature kept as it is (characters): 10,000 of them stay under ~2 MB. */
const MAX_PLAIN_KEY = 200;
