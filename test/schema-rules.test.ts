import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, ERAS, type Harness, harness, ok } from './harness.js';

/**
 * The published input schemas declare what the server enforces (issue 13,
 * item 8): for each rule, the keyword is in the tools/list JSON Schema at the
 * field, and a call breaking it is refused with `invalid_input` naming that
 * field. What JSON Schema cannot say portably (invisible characters) stays a
 * server check, named the same way.
 */
type Json = Record<string, unknown>;

/** The schema of `path` in a tool's input schema: names are properties, `[]` steps into array items. */
function schemaAt(root: Json, path: string[]): Json {
  let node = root;
  for (const step of path) {
    node = (step === '[]' ? node.items : (node.properties as Record<string, Json>)[step]) as Json;
    if (!node) throw new Error(`no schema at ${path.join('.')}`);
  }
  return node;
}

/** Every subschema of `node` (anyOf branches, items, properties), depth first. */
function* walk(node: unknown): Generator<Json> {
  if (Array.isArray(node)) for (const n of node) yield* walk(n);
  else if (node && typeof node === 'object') {
    yield node as Json;
    for (const v of Object.values(node)) yield* walk(v);
  }
}

const NON_BLANK: Json = { minLength: 1, pattern: '\\S' };
const REAL_DATE: Json = { format: 'date' };
const ID: Json = { type: 'integer', minimum: 1 };

/** [tool, schema path, keywords it must carry, field named in the error, a bad value, the arguments around it]. */
const RULES: Array<[string, string[], Json, string, unknown, (bad: unknown) => Json]> = [
  ['create_tasks', ['tasks', '[]', 'title'], NON_BLANK, 'tasks[0].title', '', (v) => ({ tasks: [{ title: v }] })],
  ['create_tasks', ['tasks', '[]', 'title'], NON_BLANK, 'tasks[0].title', ' \t ', (v) => ({ tasks: [{ title: v }] })],
  ['update_task', ['title'], NON_BLANK, 'title', '   ', (v) => ({ id: 1, title: v })],
  ['update_tasks', ['items', '[]', 'title'], NON_BLANK, 'items[0].title', '', (v) => ({ items: [{ id: 1, title: v }] })],
  ['add_comment', ['body'], NON_BLANK, 'body', '', (v) => ({ task_id: 1, body: v })],
  ['add_comment', ['body'], NON_BLANK, 'body', '\n \n', (v) => ({ task_id: 1, body: v })],
  ['complete_task', ['comment'], NON_BLANK, 'comment', '  ', (v) => ({ id: 1, comment: v })],
  ['search_tasks', ['query'], NON_BLANK, 'query', '', (v) => ({ query: v })],
  ['search_tasks', ['query'], NON_BLANK, 'query', '    ', (v) => ({ query: v })],
  ['list_tasks', ['assignee'], NON_BLANK, 'assignee', ' ', (v) => ({ assignee: v })],
  ['create_tasks', ['tasks', '[]', 'due_date'], REAL_DATE, 'tasks[0].due_date', '2026-02-30', (v) => ({ tasks: [{ title: 't', due_date: v }] })],
  ['update_task', ['due_date'], REAL_DATE, 'due_date', '2025-02-29', (v) => ({ id: 1, due_date: v })],
  ['list_tasks', ['due_before'], REAL_DATE, 'due_before', '2026-13-01', (v) => ({ due_before: v })],
  ['list_tasks', ['due_after'], REAL_DATE, 'due_after', '2026-04-31', (v) => ({ due_after: v })],
  ['get_task', ['id'], ID, 'id', 0, (v) => ({ id: v })],
  ['add_comment', ['task_id'], ID, 'task_id', 0, (v) => ({ task_id: v, body: 'x' })],
  ['update_task', ['expected_version'], ID, 'expected_version', 0, (v) => ({ id: 1, title: 'x', expected_version: v })],
  ['update_task', ['depends_on', '[]'], ID, 'depends_on[0]', 0, (v) => ({ id: 1, depends_on: [v] })],
  ['claim_task', ['id'], ID, 'id', -3, (v) => ({ id: v })],
];

/** Server-only rules (not expressible in portable JSON Schema): still refused, naming the field. */
const SERVER_ONLY: Array<[string, Json, string]> = [
  ['create_tasks', { tasks: [{ title: 'zero\u200Bwidth' }] }, 'tasks[0].title'],
  ['add_comment', { task_id: 1, body: 'bom\uFEFF' }, 'body'],
  ['search_tasks', { query: 'a\u200Db' }, 'query'],
];

describe.each(ERAS)('input schemas declare the server rules (%s era)', (era) => {
  let h: Harness;
  let schemas: Map<string, Json>;
  beforeAll(async () => {
    h = await harness(era);
    await ok(h.client, 'create_tasks', { tasks: [{ title: 'exists' }] });
    const { tools } = await h.client.listTools();
    schemas = new Map(tools.map((t) => [t.name, t.inputSchema as Json]));
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(RULES)('%s %j declares %j; the server refuses it naming %s', async (tool, path, keywords, field, bad, args) => {
    const schema = schemaAt(schemas.get(tool) as Json, path);
    const declared = schema.anyOf ? (schema.anyOf as Json[]).find((b) => b.type !== 'null') : schema;
    expect(declared).toMatchObject(keywords);
    if (keywords.format === 'date') expect(schema.description).toMatch(/must be a real calendar date/);
    if (typeof declared?.pattern === 'string') {
      // the pattern itself refuses the value (where it is a pattern violation) and accepts a real one
      const re = new RegExp(declared.pattern, 'u');
      expect(re.test('a real value')).toBe(true);
      if (typeof bad === 'string' && bad.length > 0) expect(re.test(bad)).toBe(false);
    }
    const r = await call(h.client, tool, args(bad));
    expect(r.isError, JSON.stringify(r.structured)).toBe(true);
    expect(r.error.code).toBe('invalid_input');
    expect((r.error.fields as Array<{ field: string }>).map((f) => f.field)).toContain(field);
  });

  it.each(SERVER_ONLY)('%s %j: an invisible character is refused naming %s', async (tool, args, field) => {
    const r = await call(h.client, tool, args);
    expect(r.error.code).toBe('invalid_input');
    expect((r.error.fields as Array<{ field: string }>).map((f) => f.field)).toContain(field);
  });

  it('advertises no exclusiveMinimum anywhere, and every id-like integer from 1', () => {
    for (const [tool, schema] of schemas) {
      for (const node of walk(schema)) {
        expect(node, tool).not.toHaveProperty('exclusiveMinimum');
        expect(node, tool).not.toHaveProperty('exclusiveMaximum');
      }
      const props = (schema.properties ?? {}) as Record<string, Json>;
      for (const name of ['id', 'task_id', 'expected_version']) {
        const p = props[name];
        if (p) expect(p, `${tool}.${name}`).toMatchObject(ID);
      }
    }
  });
});
