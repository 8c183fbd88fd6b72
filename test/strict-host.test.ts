import type { Client } from '@modelcontextprotocol/client';
import { type CallToolResult, type CallToolResultContent, type MCPServer, mcpToFunctionTool, RunContext } from '@openai/agents-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, ERAS, type Harness, harness, ok } from './harness.js';

/**
 * Taskwire driven exactly as a host in OpenAI strict mode drives it: the real
 * OpenAI Agents SDK (`@openai/agents-core`) converts each advertised tool
 * schema with `mcpToFunctionTool(tool, server, convertSchemasToStrict=true)`,
 * which makes every property required and nullable, so the model sends every
 * argument, `null` where it means nothing. Those arguments then reach
 * Taskwire two ways:
 * - `host`: as the model wrote them, nulls and all (a strict function-calling
 *   host that forwards the model's JSON): Taskwire's boundary must read each
 *   null as "not given" (toolkit/strip-nulls.ts);
 * - `agents-sdk`: through the SDK's own `invoke` and an `MCPServer` backed by
 *   the harness's real client. The SDK drops the nulls it added itself, but
 *   only for properties the advertised schema did not already allow null: so
 *   this path holds only while update_task advertises no nullable field.
 */

type Schema = { type?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; additionalProperties?: unknown };
type StrictTool = ReturnType<typeof mcpToFunctionTool>;
type MCPTool = Parameters<typeof mcpToFunctionTool>[0];

/** The Agents SDK's `MCPServer` over an SDK client already connected to Taskwire. */
function serverOf(client: Client): MCPServer {
  const callToolResult = async (toolName: string, args: Record<string, unknown> | null): Promise<CallToolResult> =>
    (await client.callTool({ name: toolName, arguments: args ?? {} })) as CallToolResult;
  return {
    name: 'taskwire',
    cacheToolsList: false,
    useStructuredContent: true,
    errorFunction: null,
    connect: async () => {},
    close: async () => {},
    listTools: async () => (await client.listTools()).tools as MCPTool[],
    callTool: async (toolName, args) => (await callToolResult(toolName, args)).content as CallToolResultContent,
    callToolResult,
    invalidateToolsCache: async () => {},
  };
}

/** The non-null branch of a strict property (`anyOf: [T, {type: 'null'}]`). */
function nonNull(schema: Schema): Schema {
  return schema.anyOf?.find((s) => s.type !== 'null') ?? schema;
}

/**
 * What a strict-mode model sends for what it `means`: every property of the
 * strict schema present, `null` for each it does not mean, at every depth
 * (objects inside arrays too).
 */
function strictArguments(schema: Schema, meant: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (!(key in meant)) {
      out[key] = null;
      continue;
    }
    const value = meant[key];
    const inner = nonNull(property);
    const items = inner.items ? nonNull(inner.items) : undefined;
    if (Array.isArray(value) && items?.type === 'object') out[key] = value.map((v) => strictArguments(items, v as Record<string, unknown>));
    else out[key] = value;
  }
  return out;
}

/** Every object schema in `schema` (itself, properties, array items, anyOf branches). */
function objectSchemas(schema: Schema): Schema[] {
  const inner = [...Object.values(schema.properties ?? {}), ...(schema.items ? [schema.items] : []), ...(schema.anyOf ?? [])];
  return [...(schema.type === 'object' ? [schema] : []), ...inner.flatMap(objectSchemas)];
}

describe.each(ERAS)('a host in OpenAI strict mode (%s era)', (era) => {
  let h: Harness;
  let strict: Map<string, StrictTool>;
  const run = async (name: string, meant: Record<string, unknown>, via: 'host' | 'agents-sdk' = 'host') => {
    const tool = strict.get(name) as StrictTool;
    const args = strictArguments(tool.parameters as Schema, meant);
    if (via === 'host') {
      const r = await call(h.client, name, args);
      return { args, result: r.isError ? { error: r.error } : r.structured };
    }
    const output = await tool.invoke(new RunContext({}), JSON.stringify(args));
    // structuredContent as JSON on success; the text block (Taskwire's `{"error": ...}` body) on an error result
    const text = typeof output === 'string' ? output : (output as { text: string }).text;
    return { args, result: JSON.parse(text) as Record<string, unknown> };
  };

  beforeAll(async () => {
    h = await harness(era);
    const server = serverOf(h.client);
    strict = new Map((await server.listTools()).map((t) => [t.name, mcpToFunctionTool(t, server, true)]));
  });
  afterAll(async () => {
    await h.close();
  });

  it('gets every write tool converted to a strict schema: every property required, nullable, no extras', () => {
    for (const name of ['create_tasks', 'update_task', 'complete_task', 'add_comment', 'delete_task', 'import_tasks']) {
      const tool = strict.get(name) as StrictTool;
      expect(tool.strict, name).toBe(true);
      for (const object of objectSchemas(tool.parameters as Schema)) {
        expect(object.required, name).toEqual(Object.keys(object.properties ?? {}));
        expect(object.additionalProperties, name).toBe(false);
      }
    }
    const update = (strict.get('update_task') as StrictTool).parameters as Schema;
    for (const [key, property] of Object.entries(update.properties ?? {})) {
      if (key !== 'id') expect(property.anyOf, key).toContainEqual({ type: 'null' });
    }
  });

  it('sets only the priority of a fully filled task: the nulls for everything else change nothing', async () => {
    await ok(h.client, 'create_tasks', {
      tasks: [
        { ref: 'parent', title: 'Release 2.0' },
        { ref: 'dep', title: 'Freeze the API' },
        {
          title: 'Write the changelog',
          description: 'Every user-facing change since 1.9',
          labels: ['docs', 'release'],
          assignee: 'ana',
          due_date: '2026-12-31',
          parent_id: 'parent',
          depends_on: ['dep'],
        },
      ],
    });
    type Full = { task: Record<string, unknown> & { version: number; priority: string } };
    const before = (await ok<Full>(h.client, 'get_task', { id: 3 })).task;

    for (const [via, priority] of [
      ['host', 'high'],
      ['agents-sdk', 'low'],
    ] as const) {
      const { args, result } = await run('update_task', { id: 3, priority }, via);
      expect(args).toMatchObject({ id: 3, priority, assignee: null, due_date: null, parent_id: null, labels: null, description: null, clear: null });
      expect(result, via).toMatchObject({ changed: ['priority'] });
    }

    const after = (await ok<Full>(h.client, 'get_task', { id: 3 })).task;
    const { priority, version, updated_at, updated_by, ...rest } = after;
    expect(priority).toBe('low');
    expect(version).toBe(before.version + 2);
    const { priority: _p, version: _v, updated_at: _u, updated_by: _b, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    expect(rest).toMatchObject({ assignee: 'ana', due_date: '2026-12-31', parent_id: 1, labels: ['docs', 'release'], depends_on: [2] });
    expect(rest.description).toBe('Every user-facing change since 1.9');
  });

  it('creates tasks from items full of nulls with the defaults, and comments, completes and deletes with nulls', async () => {
    const { args, result } = await run('create_tasks', {
      tasks: [
        { ref: 'a', title: 'Nulls everywhere' },
        { title: 'Its subtask', parent_id: 'a' },
      ],
    });
    expect((args.tasks as Array<Record<string, unknown>>)[1]).toMatchObject({ title: 'Its subtask', parent_id: 'a', due_date: null, labels: null });
    const created = result.created as Array<{ id: number; status: string; priority: string; parent_id?: number; assignee?: string }>;
    expect(created.map(({ status, priority }) => ({ status, priority }))).toEqual([
      { status: 'todo', priority: 'medium' },
      { status: 'todo', priority: 'medium' },
    ]);
    const [first, second] = created as [(typeof created)[0], (typeof created)[0]];
    expect(second.parent_id).toBe(first.id);
    expect(first.assignee).toBeUndefined();

    const comment = await run('add_comment', { task_id: second.id, body: 'Found the cause' });
    expect(comment.args.idempotency_key).toBeNull();
    expect(comment.result.replayed).toBe(false);

    const done = await run('complete_task', { id: second.id });
    expect(done.args).toEqual({ id: second.id, comment: null, expected_version: null, lease_id: null, force: null });
    expect(done.result.already_done).toBe(false);
    const detail = await ok<{ task: { status: string }; comments_total: number }>(h.client, 'get_task', { id: second.id });
    expect(detail).toMatchObject({ task: { status: 'done' }, comments_total: 1 });

    const deleted = await run('delete_task', { id: first.id });
    expect(deleted.args).toEqual({ id: first.id, cascade: null, expected_version: null, lease_id: null, force: null });
    // cascade: null is "not given", so its default (false) holds: a task with a subtask is not deleted.
    expect(deleted.result).toMatchObject({ error: { code: 'invalid_input', fields: [{ field: 'cascade' }] } });
    expect((await ok<{ task: { id: number } }>(h.client, 'get_task', { id: first.id })).task.id).toBe(first.id);
  });
});
