import fc from 'fast-check';

/**
 * Hostile values and mutations a careless or malicious caller sends: wrong
 * types, nulls, huge strings, deep nesting, odd unicode, `__proto__` and
 * `constructor` keys, huge and non-finite numbers. Shared by the tool-call
 * and raw-frame fuzzers.
 */

/** `depth` arrays inside each other around `leaf`, built iteratively (no recursion on our side). */
export function nested(depth: number, leaf: unknown = 1, kind: 'array' | 'object' = 'array'): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/** The same, as JSON text (no JSON.stringify recursion either): for raw frames. */
export function nestedJson(depth: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * Depth of nested values inside arguments and params: into the stack-overflow range of issue 13
 * item 2 (~2,300 levels overflowed validation); the transports now cap messages at 64 levels.
 * Not deeper: the client's own JSON.stringify overflows at ~5,000 in a test worker. Raw frames
 * splice deeper nesting into the text itself (RAW_DEPTH).
 */
export const DEFAULT_DEPTH = 3_000;
export const RAW_DEPTH = 20_000;

const weird = fc.constantFrom(
  '\u200B',
  '\u202E',
  '\uFEFF',
  '\u0000',
  '\uD800', // lone surrogate
  '\uDFFF',
  '\u{E0041}', // tag character
  '\u2028',
  '\u{1F600}',
  'e\u0301',
  '\uFE0F\uFE0F',
  '\\u0000',
  '%00',
  "'; DROP TABLE tasks; --",
  '" OR 1=1 --',
  'NEAR(a b)',
  '* ^ " :',
  '../../etc/passwd',
  '{{7*7}}',
);

/** Unicode strings, including lone surrogates and control characters, and injection-shaped text. */
export const unicodeString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(fc.oneof(weird, fc.string({ maxLength: 5 })), { maxLength: 8 }).map((a) => a.join('')),
);

export const hugeNumber = fc.constantFrom(
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  2 ** 64,
  1e21,
  -0,
  0.1,
  Number.NaN, // JSON: null
  Number.POSITIVE_INFINITY, // JSON: null
);

/** A huge string: 10k to 100k characters (mostly under the 1 MiB body cap: beyond it only the cap is tested, which http.test.ts covers). */
export const hugeString = fc.integer({ min: 10_000, max: 100_000 }).chain((n) => fc.constantFrom('x', 'é', '\u{1F600}', ' ', '\n').map((c) => c.repeat(n)));

/** An object whose own `__proto__` / `constructor` / `prototype` keys JSON carries as data. */
export const protoObject = fc
  .record({ key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'), value: fc.jsonValue({ maxDepth: 2 }) })
  .map(({ key, value }) => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value ?? null)}, "polluted": true}`) as unknown);

/** Any single hostile value. `deep` bounds nesting depth. */
export function hostileValue(deep = DEFAULT_DEPTH): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.constantFrom(true, false, 0, -1, '', ' ', [], {}, '1', 'null', 'true', '[]'),
    hugeNumber,
    unicodeString,
    { weight: 1, arbitrary: hugeString },
    fc.integer({ min: 1, max: deep }).map((d) => nested(d)),
    fc.integer({ min: 1, max: deep }).map((d) => nested(d, 'x', 'object')),
    protoObject,
    fc.jsonValue({ maxDepth: 3 }),
    fc.array(fc.integer(), { maxLength: 200 }),
  );
}

/** A mutation of a valid argument object into a hostile one. */
export function mutate(valid: Record<string, unknown>, keys: string[], deep = DEFAULT_DEPTH): fc.Arbitrary<unknown> {
  const pick = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('id');
  return fc.oneof(
    // one field replaced by a hostile value
    fc.tuple(pick, hostileValue(deep)).map(([k, v]) => ({ ...valid, [k]: v })),
    // every field replaced
    fc.array(hostileValue(deep), { minLength: keys.length, maxLength: keys.length }).map((vs) => Object.fromEntries(keys.map((k, i) => [k, vs[i]]))),
    // an unknown key, or __proto__ smuggled as an own key
    fc.tuple(fc.constantFrom('__proto__', 'constructor', 'extra', '', ' id', 'ID'), hostileValue(deep)).map(([k, v]) => {
      const o = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>;
      Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
    // a field removed
    pick.map((k) => {
      const { [k]: _gone, ...rest } = valid;
      return rest;
    }),
    // a deeply nested extra value (non-object arguments are drawn in tool-calls.ts)
    fc.integer({ min: 1, max: deep }).map((d) => ({ ...valid, nested: nested(d) })),
  );
}
