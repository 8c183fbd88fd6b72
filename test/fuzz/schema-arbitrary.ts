import fc from 'fast-check';

/**
 * Arguments drawn from a tool's own published input schema (the JSON Schema
 * tools/list returns): values the schema allows, so a good share of calls
 * get past validation into the handlers and the store. Covers the subset the
 * task tools use: object (properties, required, additionalProperties), array
 * (items, min/maxItems), string (enum, min/maxLength, pattern, format date),
 * integer/number (minimum, maximum), boolean, null, anyOf.
 */
export type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
};

/** Small ids hit the tasks the suite seeds; strings stay short unless a schema demands more. */
const SMALL_ID_MAX = 40;
const TEXT_MAX = 60;

const word = fc.stringMatching(/^[a-z]{1,10}$/);

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  if (s.format === 'date') {
    return fc.oneof(
      fc.date({ min: new Date('2000-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      fc.constantFrom('2026-02-30', '2026-13-01', '0000-00-00', '2024-02-29'),
    );
  }
  const max = Math.min(s.maxLength ?? TEXT_MAX, TEXT_MAX);
  const min = Math.min(s.minLength ?? 0, max);
  if (s.pattern && s.pattern !== '\\S') {
    // anchored patterns (refs, lease ids, keys, ISO times): strings matching them, cut to maxLength
    return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= min && v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY));
  }
  const base = fc.oneof(
    { weight: 3, arbitrary: fc.array(word, { minLength: 1, maxLength: 6 }).map((w) => w.join(' ')) },
    { weight: 1, arbitrary: fc.string({ minLength: min, maxLength: max, unit: 'grapheme' }) },
  );
  return base.map((v) => v.slice(0, max)).filter((v) => v.length >= min && (s.pattern !== '\\S' || /\S/.test(v)));
}

function integerArb(s: JsonSchema): fc.Arbitrary<number> {
  const min = s.minimum ?? -1_000;
  const max = s.maximum ?? Math.max(min + SMALL_ID_MAX, 1_000);
  return fc.oneof({ weight: 4, arbitrary: fc.integer({ min, max: Math.min(max, min + SMALL_ID_MAX) }) }, { weight: 1, arbitrary: fc.integer({ min, max }) });
}

/** An arbitrary of values `schema` accepts (modulo rules JSON Schema cannot state, which the server checks). */
export function fromSchema(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(fromSchema));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'object':
      return objectArb(schema);
    case 'array':
      return fc.array(schema.items ? fromSchema(schema.items) : fc.jsonValue(), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 5),
      });
    case 'string':
      return stringArb(schema);
    case 'integer':
      return integerArb(schema);
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: schema.minimum, max: schema.maximum });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArb(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const props = schema.properties ?? {};
  const required = schema.required ?? [];
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(props)) record[key] = fromSchema(sub);
  return fc.record(record, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
}
