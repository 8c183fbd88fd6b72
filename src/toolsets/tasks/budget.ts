import { fitTokens } from '../../guard/tokens.js';

/** Tokens reserved for what surrounds the records: the footer with its cursor, `total`, `truncated`, JSON framing. */
const PAGE_OVERHEAD = 120;

/**
 * A `keep` function for {@link TaskService.listTasks} / `searchTasks`: keeps the
 * leading records whose structured form plus text line fit in `maxTokens`.
 * Each record is counted once (its JSON and its text line, the two places it
 * appears in a result) plus a few tokens of separators. Fast path: a token is
 * at least one UTF-8 byte, so a page whose byte length fits the budget fits
 * without running the tokenizer.
 */
export function tokenFit<T>(maxTokens: number, structured: (item: T) => unknown, line: (item: T) => string): (items: T[]) => number {
  return (items) => {
    const budget = maxTokens - PAGE_OVERHEAD;
    const parts = items.map((item) => [JSON.stringify(structured(item)), line(item)] as const);
    let bytes = 0;
    for (const [json, text] of parts) bytes += Buffer.byteLength(json) + Buffer.byteLength(text) + 3;
    if (bytes <= budget) return items.length;
    return fitTokens(parts, (part) => part, 3, budget);
  };
}
