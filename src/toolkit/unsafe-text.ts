/**
 * Invisible and bidirectional control characters (Trojan Source, CVE-2021-42574;
 * zero-width and BOM characters used to hide prompt-injection text), Unicode tag
 * characters and supplementary variation selectors ("ASCII smuggling"), runs of
 * variation selectors (a single one after an emoji stays allowed), plus C0/C1
 * controls other than tab and newline. Rejected at write time, never stripped
 * on read, so what is stored is exactly what was accepted.
 */
export const FORBIDDEN_CHARS = new RegExp(
  [
    '[',
    '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F', // C0/C1 controls except tab, LF, CR
    '\\u00AD\\u061C\\u180E\\u200B-\\u200F\\u2060-\\u2064\\uFEFF', // soft hyphen, zero-width, invisible operators, BOM
    '\\u202A-\\u202E\\u2066-\\u2069', // bidirectional embeddings, overrides and isolates
    '\\uFFF9-\\uFFFB', // interlinear annotation
    '\\u{E0000}-\\u{E007F}\\u{E0100}-\\u{E01EF}', // tag characters, supplementary variation selectors
    ']|[\\uFE00-\\uFE0F]{2}', // a run of variation selectors (one after an emoji is fine)
  ].join(''),
  'u',
);

/** Does `value` contain a character Taskwire never stores (see FORBIDDEN_CHARS)? */
export function hasForbiddenChar(value: string): boolean {
  return FORBIDDEN_CHARS.test(value);
}
