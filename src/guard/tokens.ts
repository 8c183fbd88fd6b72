import { createRequire } from 'node:module';
import type { Tiktoken, TiktokenBPE } from 'js-tiktoken/lite';
import { countWith, estimateTokens } from './token-count.js';
import { TokenWorker } from './token-worker.js';

const require = createRequire(import.meta.url);

/**
 * Token counting for result budgets, with js-tiktoken's `o200k_base` encoding
 * (the one tools/list is budgeted with in test/catalog.test.ts). Exact for
 * OpenAI's current models and a close, slightly conservative estimate for
 * Claude's tokenizer, which is not public.
 *
 * Two entry points:
 * - {@link budgetTokens}, for the request path: counted by the token worker
 *   (`token-worker.ts`), which builds the encoder off the main thread, started
 *   by the first call that needs a count; until it is ready (about a second
 *   later) the counts are a conservative estimate, so no caller ever waits
 *   for the encoder.
 * - {@link countTokens}, exact always: builds the encoder on this thread on
 *   first use (1.2 s of blocked event loop here). For tests and tools, not for
 *   serving.
 */
let encoding: Tiktoken | undefined;
let pieces: RegExp | undefined;

function loadEncoding(): Tiktoken {
  // Loaded here, not at start-up: most processes never build an encoder on this thread.
  const { Tiktoken: Encoder } = require('js-tiktoken/lite') as typeof import('js-tiktoken/lite');
  const ranks = require('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
  pieces = new RegExp(ranks.pat_str, 'gu');
  encoding = new Encoder(ranks);
  return encoding;
}

/**
 * The token worker, started by the first {@link budgetTokens} call (a result whose bytes could pass its budget):
 * a server whose results never come near their budgets never builds the encoder (~1.2 s of a thread's CPU and
 * ~20 MB here), and that work never lands among its first calls.
 */
let worker: TokenWorker | undefined;

function startWorker(): TokenWorker | undefined {
  if (!worker) {
    try {
      worker = new TokenWorker();
    } catch {
      worker = undefined; // no worker threads here: budgetTokens falls back to this thread's encoder
    }
  }
  return worker;
}

/**
 * Tokens in each of `texts` (o200k_base), for result budgets on the request path: exact once the token worker has
 * built its encoder, a conservative estimate ({@link estimateTokens}) before that, so pages err towards smaller.
 * Never builds the encoder on this thread, unless no worker can run here (then it does so once, as
 * {@link countTokens} would).
 */
export function budgetTokens(texts: readonly string[]): number[] {
  if (encoding) return texts.map((t) => countWith(encoding as Tiktoken, pieces as RegExp, t));
  const w = worker ?? startWorker();
  if (w === undefined || w.failed()) return texts.map(countTokens);
  return w.count(texts) ?? texts.map(estimateTokens);
}

/**
 * Tokens in `text` (o200k_base), exact (see {@link countWith}: pre-tokens over 16 bytes are estimated in linear
 * time). Builds the encoder on this thread on first use: not for the request path, which uses {@link budgetTokens}.
 */
export function countTokens(text: string): number {
  const encoder = encoding ?? loadEncoding();
  return countWith(encoder, pieces as RegExp, text);
}

/** Items counted per {@link budgetTokens} call in {@link fitTokens}: a page's worth, so a long list stops near its cut. */
const FIT_CHUNK = 32;

/**
 * How many leading `items` fit in `budget` tokens. Each item costs the tokens of the texts `textsOf` gives for it
 * (where it appears in a result: its JSON, its text line) plus `extra`, counted once (a page costs O(items), never a
 * re-count of the whole page). Items are counted 32 at a time, one {@link budgetTokens} call (one round trip to the
 * token worker) each, until the budget is passed. At least `atLeast` items are kept when there are any, so paging
 * always advances: a page never cuts a record, and a single record larger than the budget is returned whole.
 */
export function fitTokens<T>(items: readonly T[], textsOf: (item: T) => readonly string[], extra: number, budget: number, atLeast = 1): number {
  let used = 0;
  for (let from = 0; from < items.length; from += FIT_CHUNK) {
    const texts = items.slice(from, from + FIT_CHUNK).map(textsOf);
    const counts = budgetTokens(texts.flat());
    let at = 0;
    for (let i = 0; i < texts.length; i++) {
      used += extra;
      for (let k = 0; k < (texts[i] as readonly string[]).length; k++) used += counts[at++] as number;
      if (used > budget) return Math.max(Math.min(atLeast, items.length), from + i);
    }
  }
  return items.length;
}
