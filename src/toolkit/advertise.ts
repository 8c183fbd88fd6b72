import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * Present a zod schema to the SDK for *advertising only*: `tools/list` and
 * `prompts/list` get its JSON Schema (draft 2020-12, converted on first use
 * and cached), while `validate` accepts anything. Taskwire validates arguments
 * itself (toolkit/validation.ts) so a bad call gets a structured
 * `invalid_input` naming each field, instead of the SDK's plain-text message;
 * and no schema is converted per request.
 */
const cache = new WeakMap<z.ZodType, { input?: StandardSchemaWithJSON; output?: StandardSchemaWithJSON }>();

export function advertise(schema: z.ZodType, io: 'input' | 'output' = 'input'): StandardSchemaWithJSON {
  const entry = cache.get(schema) ?? {};
  const hit = entry[io];
  if (hit) return hit;
  // Converted on the first tools/list or prompts/list, not at start-up (~15 ms of cold start for the default toolsets).
  let json: Record<string, unknown> | undefined;
  const get = () => {
    json ??= toJsonSchema(schema, io);
    return json;
  };
  const wrapped: StandardSchemaWithJSON = {
    '~standard': {
      version: 1,
      vendor: 'taskwire',
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: get, output: get },
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
  return compact(json, io) as Record<string, unknown>;
}

const SAFE_MIN = Number.MIN_SAFE_INTEGER;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Drop what costs tokens and says nothing: zod's safe-integer bounds on every
 * integer, `propertyNames: {type: string}` on records (JSON keys are strings),
 * and, on output schemas, `additionalProperties: false`; and rewrite nullable
 * `type` arrays as `anyOf`. Every tool listing is
 * paid for in every conversation's context window.
 */
function compact(node: unknown, io: 'input' | 'output'): unknown {
  if (Array.isArray(node)) return node.map((n) => compact(n, io));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const type = (node as Record<string, unknown>).type;
  if (Array.isArray(type) && type.length === 2 && type.includes('null') && !('anyOf' in node)) {
    // `type: ["string", "null"]` is legal but not portable (single-type dialects such as Gemini's
    // OpenAPI subset reject it): spell nullability as anyOf branches instead.
    const { type: _t, ...rest } = node as Record<string, unknown>;
    return compact({ ...rest, anyOf: [{ type: type.find((t) => t !== 'null') }, { type: 'null' }] }, io);
  }
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === 'minimum' && value === SAFE_MIN) continue;
    if (key === 'maximum' && value === SAFE_MAX) continue;
    if (key === 'propertyNames' && JSON.stringify(value) === '{"type":"string"}') continue;
    if (io === 'output' && key === 'additionalProperties' && value === false) continue;
    out[key] = compact(value, io);
  }
  return out;
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
