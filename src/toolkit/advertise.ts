import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * Present a zod schema to the SDK for *advertising only*: `tools/list` and
 * `prompts/list` get its JSON Schema (draft 2020-12, converted once and
 * cached), while `validate` accepts anything. Taskwire validates arguments
 * itself (toolkit/validation.ts) so a bad call gets a structured
 * `invalid_input` naming each field, instead of the SDK's plain-text message;
 * and no schema is converted per request.
 */
const cache = new WeakMap<z.ZodType, { input?: StandardSchemaWithJSON; output?: StandardSchemaWithJSON }>();

export function advertise(schema: z.ZodType, io: 'input' | 'output' = 'input'): StandardSchemaWithJSON {
  const entry = cache.get(schema) ?? {};
  const hit = entry[io];
  if (hit) return hit;
  const json = toJsonSchema(schema, io);
  const wrapped: StandardSchemaWithJSON = {
    '~standard': {
      version: 1,
      vendor: 'taskwire',
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: () => json, output: () => json },
    },
  };
  entry[io] = wrapped;
  cache.set(schema, entry);
  return wrapped;
}

/** The JSON Schema of a zod schema as advertised to clients; `$schema` dropped (the spec's default dialect applies). */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return json;
}

/** Advertise a hand-written JSON Schema as is (validation stays with the caller). */
export function advertiseJson(json: Record<string, unknown>): StandardSchemaWithJSON {
  return {
    '~standard': {
      version: 1,
      vendor: 'taskwire',
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: () => json, output: () => json },
    },
  };
}
