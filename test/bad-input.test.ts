import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, ERAS, type Harness, harness, ok } from './harness.js';

/**
 * Bad input for every tool: a structured `invalid_input` (or the domain code)
 * naming the field, nothing written, and the server still serving.
 */
const RLO = '\u202E';
const ZWSP = '\u200B';
const long = (n: number) => 'x'.repeat(n);

const CASES: Array<[tool: string, args: Record<string, unknown>, field: string]> = [
  ['create_tasks', {}, 'tasks'],
  ['create_tasks', { tasks: [] }, 'tasks'],
  ['create_tasks', { tasks: Array.from({ length: 51 }, () => ({ title: 't' })) }, 'tasks'],
  ['create_tasks', { tasks: [{ title: '' }] }, 'tasks[0].title'],
  ['create_tasks', { tasks: [{ title: '   ' }] }, 'tasks[0].title'],
  ['create_tasks', { tasks: [{ title: long(201) }] }, 'tasks[0].title'],
  ['create_tasks', { tasks: [{ title: 'two\nlines' }] }, 'tasks[0].title'],
  ['create_tasks', { tasks: [{ title: `evil${RLO}txt` }] }, 'tasks[0].title'],
  ['create_tasks', { tasks: [{ title: 'ok', description: `hidden${ZWSP}text` }] }, 'tasks[0].description'],
  ['create_tasks', { tasks: [{ title: 'ok', description: 'smuggled \u{E0069}\u{E0067}\u{E006E} tags' }] }, 'tasks[0].description'],
  ['create_tasks', { tasks: [{ title: 'line\u2028separator' }] }, 'tasks[0].title'],
  ['create_tasks', { tasks: [{ title: 'ok', depends_on: [true] }] }, 'tasks[0].depends_on[0]'],
  ['get_task', { id: 1e20 }, 'id'],
  ['create_tasks', { tasks: [{ title: 'ok', description: long(20_001) }] }, 'tasks[0].description'],
  ['create_tasks', { tasks: [{ title: 'ok', status: 'finished' }] }, 'tasks[0].status'],
  ['create_tasks', { tasks: [{ title: 'ok', priority: 'urgent' }] }, 'tasks[0].priority'],
  ['create_tasks', { tasks: [{ title: 'ok', due_date: '2026-02-30' }] }, 'tasks[0].due_date'],
  ['create_tasks', { tasks: [{ title: 'ok', due_date: 'tomorrow' }] }, 'tasks[0].due_date'],
  ['create_tasks', { tasks: [{ title: 'ok', labels: Array.from({ length: 21 }, (_, i) => `l${i}`) }] }, 'tasks[0].labels'],
  ['create_tasks', { tasks: [{ title: 'ok', labels: ['has;semicolon'] }] }, 'tasks[0].labels[0]'],
  ['create_tasks', { tasks: [{ title: 'ok', parent_id: -1 }] }, 'tasks[0].parent_id'],
  ['create_tasks', { tasks: [{ title: 'ok', depends_on: [1.5] }] }, 'tasks[0].depends_on[0]'],
  ['create_tasks', { tasks: [{ title: 'ok', colour: 'red' }] }, 'tasks[0]'],
  ['create_tasks', { tasks: [{ title: 'ok' }], idempotency_key: 'short' }, 'idempotency_key'],
  ['list_tasks', { limit: 0 }, 'limit'],
  ['list_tasks', { limit: 101 }, 'limit'],
  ['list_tasks', { status: ['nope'] }, 'status[0]'],
  ['list_tasks', { sort: 'colour' }, 'sort'],
  ['list_tasks', { cursor: 'not-a-cursor' }, 'cursor'],
  ['list_tasks', { due_before: '31/12/2026' }, 'due_before'],
  ['get_task', {}, 'id'],
  ['get_task', { id: '1' }, 'id'],
  ['get_task', { id: 0 }, 'id'],
  ['update_task', { id: 1 }, '(arguments)'],
  ['update_task', { id: 1, title: long(300) }, 'title'],
  ['update_task', { id: 1, assignee: `bob${RLO}` }, 'assignee'],
  ['update_task', { id: 1, expected_version: 0, title: 'x' }, 'expected_version'],
  ['complete_task', { id: 'one' }, 'id'],
  ['complete_task', { id: 1, comment: '' }, 'comment'],
  ['delete_task', { id: 1, cascade: 'yes' }, 'cascade'],
  ['search_tasks', { query: '' }, 'query'],
  ['search_tasks', { query: 'x', limit: 51 }, 'limit'],
  ['add_comment', { task_id: 1, body: '' }, 'body'],
  ['add_comment', { task_id: 1, body: long(10_001) }, 'body'],
  ['add_comment', { task_id: 1 }, 'body'],
  ['get_task_stats', { extra: true }, '(arguments)'],
  ['next_task', { label: '' }, 'label'],
];

describe.each(ERAS)('bad input (%s era)', (era) => {
  let h: Harness;
  let snapshot: string;
  beforeAll(async () => {
    h = await harness(era);
    await ok(h.client, 'create_tasks', { tasks: [{ title: 'The one task', labels: ['keep'] }] });
    snapshot = JSON.stringify(await ok(h.client, 'get_task', { id: 1 }));
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(CASES)('%s %j → invalid_input naming %s, nothing written', async (tool, args, field) => {
    const r = await call(h.client, tool, args);
    expect(r.isError).toBe(true);
    expect(r.error.code).toBe('invalid_input');
    expect(r.error.retryable).toBe(false);
    expect(r.error.message.length).toBeGreaterThan(10);
    const fields = (r.error.fields as Array<{ field: string; message: string }>).map((f) => f.field);
    expect(fields).toContain(field);
    expect(JSON.stringify(await ok(h.client, 'get_task', { id: 1 }))).toBe(snapshot);
    expect((await ok<{ total: number }>(h.client, 'get_task_stats')).total).toBe(1);
  });

  it('answers a missing task as not_found with a hint, for every tool that takes an id', async () => {
    for (const [tool, args] of [
      ['get_task', { id: 404 }],
      ['update_task', { id: 404, title: 'x' }],
      ['complete_task', { id: 404 }],
      ['delete_task', { id: 404 }],
      ['add_comment', { task_id: 404, body: 'hello' }],
    ] as const) {
      const r = await call(h.client, tool, args);
      expect(r.error, tool).toMatchObject({ code: 'not_found', retryable: false, hint: expect.any(String) });
    }
    expect(JSON.stringify(await ok(h.client, 'get_task', { id: 1 }))).toBe(snapshot);
  });

  it('accepts ordinary Unicode text, emoji and tabs in descriptions unchanged', async () => {
    const description = 'Ünïcödé — 日本語 — emoji 🚀\n\ttabbed line';
    const r = await ok<{ created: Array<{ id: number }> }>(h.client, 'create_tasks', { tasks: [{ title: 'Ça marche ✓', description }] });
    const t = await ok<{ task: { title: string; description: string } }>(h.client, 'get_task', { id: r.created[0]?.id });
    expect(t.task).toMatchObject({ title: 'Ça marche ✓', description });
    await ok(h.client, 'delete_task', { id: r.created[0]?.id });
  });
});
