/**
 * Invisible and bidirectional control characters (Trojan Source, CVE-2021-42574;
 * zero-width and BOM characters used to hide prompt-injection text), Unicode tag
 * characters and supplementary variation selectors ("ASCII smuggling"), runs of
 * variation selectors (a single one after an emoji stays allowed), plus C0/C1
 * controls other than tab and newline. Rejected at write time, never stripped
 * on read, so what is stored is exactly what was accepted.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const FORBIDDEN_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]|[\uFE00-\uFE0F]{2}/u;

/** Does `value` contain a character Taskwire never stores (see FORBIDDEN_CHARS)? */
export function hasForbiddenChar(value: string): boolean {
  return FORBIDDEN_CHARS.test(value);
}
