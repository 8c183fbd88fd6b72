import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';

// The rank table (several MB) is read on the first count, not at start-up: most pages fit their budget by
// byte length alone and never need it, and a client spawning the server should not wait for it.
const require = createRequire(import.meta.url);

/**
 * Token counting for result budgets, with js-tiktoken's `o200k_base` encoding
 * (the one tools/list is budgeted with in test/catalog.test.ts). Exact for
 * OpenAI's current models and a close, slightly conservative estimate for
 * Claude's tokenizer, which is not public. The encoder (~a few MB) is built on
 * first use.
 */
let encoding: Tiktoken | undefined;

/** Tokens in `text` (o200k_base). */
export function countTokens(text: string): number {
  encoding ??= new Tiktoken(require('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
  return encoding.encode(text).length;
}

/**
 * How many leading `items` fit in `budget` tokens, counting each item once
 * with `cost` (so a page costs O(items), never a re-count of the whole page).
 * At least one item is kept when there is any, so paging always advances: a
 * page never cuts a record, and a single record larger than the budget is
 * returned whole.
 */
export function fitCount<T>(items: readonly T[], cost: (item: T) => number, budget: number, atLeast = 1): number {
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    used += cost(items[i] as T);
    if (used > budget) return Math.max(Math.min(atLeast, items.length), i);
  }
  return items.length;
}
