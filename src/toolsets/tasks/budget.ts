import { countTokens, fitCount } from '../../guard/tokens.js';

/** Tokens reserved for what surrounds the records: the footer with its cursor, `total`, `truncated`, JSON framing. */
const PAGE_OVERHEAD = 120;

/**
 * A `keep` function for {@link TaskService.listTasks} / `searchTasks`: keeps the
 * leading records whose structured form plus text line fit in `maxTokens`.
 * Each record is counted once (its JSON and its text line, the two places it
 * appears in a result) plus a few tokens of separators.
 */
export function tokenFit<T>(maxTokens: number, structured: (item: T) => unknown, line: (item: T) => string): (items: T[]) => number {
  return (items) => fitCount(items, (item) => countTokens(JSON.stringify(structured(item))) + countTokens(line(item)) + 3, maxTokens - PAGE_OVERHEAD);
}
