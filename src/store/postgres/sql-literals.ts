/**
 * Integers written into query text (LIMIT, OFFSET, seq bounds) for the `taskwire_walk*` functions, which take a
 * query as text: the integer part of `n`, or `0` when `n` is not a finite number (so no text but digits ever
 * reaches the SQL). Callers validate their numbers first; this keeps a bad one from becoming a syntax error.
 */
export const intLiteral = (n: number): string => (Number.isFinite(n) ? String(Math.trunc(n)) : '0');

/** {@link intLiteral} of a row count (LIMIT, OFFSET): never below 0. */
export const countLiteral = (n: number): string => intLiteral(Math.max(0, n));
