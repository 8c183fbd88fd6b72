import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERAS, type Harness, harness, ok, readText } from '../harness.js';

/** `tasks://all`, the tutorials' resource: every task, any status, token-budgeted, pointing on to list_tasks. */
describe.each(ERAS)('tasks://all (%s era)', (era) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(era);
    const long = 'a fairly long description of the work, '.repeat(20);
    for (let batch = 0; batch < 3; batch++) {
      const tasks = Array.from({ length: 50 }, (_, i) => ({ title: `task ${batch * 50 + i}`, description: long, status: i % 5 === 0 ? 'done' : 'todo' }));
      await ok(h.client, 'create_tasks', { tasks });
    }
  });
  afterAll(() => h.close());

  it('returns tasks of every status, cut to its budget, with the list_tasks call that pages on', async () => {
    const body = JSON.parse(await readText(h.client, 'tasks://all'));
    expect(body.total).toBe(150);
    expect(body.tasks.length).toBeGreaterThan(0);
    expect(body.tasks.length).toBeLessThan(150);
    expect(new Set(body.tasks.map((t: { status: string }) => t.status)).has('done') || body.tasks.length < 30).toBe(true);
    expect(body.next.tool).toBe('list_tasks');
    const page = await ok<{ tasks: Array<{ id: number }>; total: number }>(h.client, 'list_tasks', body.next.arguments);
    expect(page.total).toBe(150);
    const seen = new Set(body.tasks.map((t: { id: number }) => t.id));
    expect(page.tasks.some((t) => seen.has(t.id))).toBe(false);
  });

  it('is listed as a resource', async () => {
    const { resources } = await h.client.listResources();
    expect(resources.map((r) => r.uri)).toContain('tasks://all');
  });
});
