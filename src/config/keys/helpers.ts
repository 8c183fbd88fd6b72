import { z } from 'zod';

/** Builders shared by the key declarations in this folder. */

/** A comma-separated list, trimmed, empty entries dropped. */
export const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean),
);
/** An integer in [min, max], from a flag or environment string. */
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** Read by both commands. */
export const both = ['stdio', 'serve'] as const;
/** `on`/`off` (also `true`/`false`, `1`/`0`) → boolean. */
export const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0'], { message: 'must be on or off' })
    .default(fallback)
    .transform((v) => v === 'on' || v === 'true' || v === '1');
