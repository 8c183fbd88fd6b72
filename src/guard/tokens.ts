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

let pieces: RegExp | undefined;

function loadEncoding(): Tiktoken {
  const ranks = require('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
  pieces = new RegExp(ranks.pat_str, 'gu');
  encoding = new Tiktoken(ranks);
  return encoding;
}

let warming: NodeJS.Timeout | undefined;

/**
 * Build the encoder `delayMs` after start-up instead of inside the first call that needs a count: loading the rank
 * table blocks the event loop (about a second, several under load), and inside a call it would stall every caller
 * at once. Deferred (and unref'd) so a client spawning the server gets its first answers first. Idempotent.
 */
export function warmTokensSoon(delayMs = 1_000): void {
  if (encoding || warming) return;
  warming = setTimeout(() => {
    if (!encoding) loadEncoding();
  }, delayMs);
  warming.unref();
}

/** Longest pre-token (UTF-8 bytes) given to the encoder (~0.15 ms under load; 32 bytes cost ~0.7 ms). */
const EXACT_BYTES = 16;

/**
 * Tokens in `text` (o200k_base). Exact for text whose pre-tokens (o200k's split into words,
 * numbers, punctuation and white space) are at most 16 UTF-8 bytes: prose, JSON, code. A
 * longer pre-token (CJK text, base64, a repeated character, a very long word) is estimated
 * instead, in linear time: 0.75 tokens per ASCII character and 1 per other code point (1 per
 * 4 white-space characters), at or above o200k's count for such text (random base64 ~0.7, CJK
 * ~0.55), so budgets err towards smaller pages. js-tiktoken merges each pre-token in time
 * quadratic in its bytes: whole, 2,000 CJK characters took ~10 s and 10,000 emoji minutes on
 * this machine, blocking the event loop for every caller (found by test/fuzz).
 */
export function countTokens(text: string): number {
  const encoder = encoding ?? loadEncoding();
  if (Buffer.byteLength(text) <= EXACT_BYTES) return encoder.encode(text).length;
  let estimated = 0;
  const exact = text.replace(pieces as RegExp, (piece) => {
    if (Buffer.byteLength(piece) <= EXACT_BYTES) return piece;
    estimated += estimate(piece);
    return '';
  });
  return encoder.encode(exact).length + estimated;
}

function estimate(piece: string): number {
  if (!/\S/.test(piece)) return Math.ceil(piece.length / 4);
  let ascii = 0;
  let other = 0;
  for (const ch of piece) {
    if ((ch.codePointAt(0) ?? 0) < 0x80) ascii++;
    else other++;
  }
  return Math.ceil(ascii * 0.75) + other;
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
