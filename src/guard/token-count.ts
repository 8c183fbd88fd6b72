/**
 * The o200k_base count itself, shared by the main thread and the token
 * worker (`token-worker.ts`), which receives these functions as source text
 * (`Function.prototype.toString`): each is self-contained, with no imports and
 * no closure over module state.
 */

/** What {@link countWith} needs of js-tiktoken's `Tiktoken`. */
export interface Encoder {
  encode(text: string): number[];
}

/**
 * Tokens in `text` (o200k_base): exact for text whose pre-tokens (`pieces`, o200k's split into words, numbers,
 * punctuation and white space) are at most 16 UTF-8 bytes; a longer pre-token is {@link estimateTokens estimated}
 * in linear time (js-tiktoken merges each pre-token in time quadratic in its bytes: 10,000 emoji took minutes).
 */
export function countWith(encoder: Encoder, pieces: RegExp, text: string): number {
  const exactBytes = 16; // longest pre-token given to the encoder (~0.15 ms under load; 32 bytes cost ~0.7 ms)
  if (Buffer.byteLength(text) <= exactBytes) return encoder.encode(text).length;
  let estimated = 0;
  const exact = text.replace(pieces, (piece) => {
    if (Buffer.byteLength(piece) <= exactBytes) return piece;
    estimated += estimateTokens(piece);
    return '';
  });
  return encoder.encode(exact).length + estimated;
}

/**
 * A linear-time estimate at or above o200k's count for text the encoder is slow on or does not have: 0.75 tokens
 * per ASCII character and 1 per other code point (1 per 4 characters of white space). o200k gives random base64
 * ~0.7 per character, CJK ~0.55, JSON and prose ~0.25-0.3, so a budget computed with it errs towards smaller pages.
 */
export function estimateTokens(piece: string): number {
  if (!/\S/.test(piece)) return Math.ceil(piece.length / 4);
  let ascii = 0;
  let other = 0;
  for (const ch of piece) {
    if ((ch.codePointAt(0) ?? 0) < 0x80) ascii++;
    else other++;
  }
  return Math.ceil(ascii * 0.75) + other;
}
