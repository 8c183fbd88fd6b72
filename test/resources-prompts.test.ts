import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERAS, eventually, type Harness, harness, ok, readText } from './harness.js';

describe.each(ERAS)('resources, prompts and completion (%s era)', (era) => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness(era);
    await ok(h.client, 'create_tasks', {
      tasks: [
        { ref: 'a', title: 'Draft release notes', assignee: 'ana', priority: 'high' },
        { title: 'Publish release', depends_on: ['a'], assignee: 'bo' },
        { title: 'Blocked thing', status: 'blocked' },
      ],
    });
  });
  afterEach(async () => {
    await h.close();
  });

  it('lists the resources and the task template', async () => {
    const { resources } = await h.client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual([
      'tasks://activity',
      'tasks://all',
      'tasks://board',
      'tasks://changes',
      'tasks://schema',
      'tasks://stats',
      'tasks://trash',
    ]);
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['tasks://{id}']);
  });

  it('reads the board grouped by status, one task by id, stats and the schema', async () => {
    const board = JSON.parse(await readText(h.client, 'tasks://board'));
    expect(board.counts).toEqual({ todo: 2, in_progress: 0, blocked: 1 });
    expect(board.columns.todo.map((t: { id: number }) => t.id)).toEqual([1, 2]);
    const one = await h.client.readResource({ uri: 'tasks://2' });
    expect(one.contents[0]?.mimeType).toBe('application/json');
    expect(JSON.parse(await readText(h.client, 'tasks://2'))).toMatchObject({ task: { id: 2, depends_on: [1] }, blocked_by: [1] });
    const stats = JSON.parse(await readText(h.client, 'tasks://stats'));
    expect(stats.total).toBe(3);
    const schema = await readText(h.client, 'tasks://schema');
    expect(schema).toContain('version_conflict');
    expect(schema).toContain('| depends_on |');
  });

  it('answers a missing or malformed task URI with the resource-not-found error', async () => {
    for (const uri of ['tasks://99', 'tasks://abc', 'tasks://0']) {
      const err = await h.client.readResource({ uri }).catch((e) => e);
      expect(err, uri).toMatchObject({ code: -32602 });
      expect(String(err.message)).toContain(uri);
    }
  });

  it('completes task ids for the template and assignees for prompts', async () => {
    const ids = await h.client.complete({ ref: { type: 'ref/resource', uri: 'tasks://{id}' }, argument: { name: 'id', value: '' } });
    expect(ids.completion.values).toEqual(['1', '2', '3']);
    const two = await h.client.complete({ ref: { type: 'ref/resource', uri: 'tasks://{id}' }, argument: { name: 'id', value: '2' } });
    expect(two.completion.values).toEqual(['2']);
    const who = await h.client.complete({ ref: { type: 'ref/prompt', name: 'daily_standup' }, argument: { name: 'assignee', value: 'a' } });
    expect(who.completion.values).toEqual(['ana']);
    const none = await h.client.complete({ ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'x', value: '' } });
    expect(none.completion.values).toEqual([]);
  });

  it('renders the prompts from live task data', async () => {
    const { prompts } = await h.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['daily_standup', 'review_tasks', 'plan_project']);
    expect(prompts.find((p) => p.name === 'plan_project')?.arguments).toEqual([
      { name: 'goal', description: 'What the project should achieve', required: true },
      { name: 'constraints', description: 'Deadlines, people, scope limits', required: false },
    ]);
    const standup = await h.client.getPrompt({ name: 'daily_standup', arguments: { assignee: 'ana' } });
    const text = (standup.messages[0]!.content as { text: string }).text;
    expect(text).toContain('#1 [todo, high] Draft release notes');
    expect(text).not.toContain('Publish release');
    const review = await h.client.getPrompt({ name: 'review_tasks', arguments: {} });
    expect((review.messages[0]!.content as { text: string }).text).toContain('Blocked thing');
    const plan = await h.client.getPrompt({ name: 'plan_project', arguments: { goal: 'Launch the beta' } });
    expect((plan.messages[0]!.content as { text: string }).text).toContain('create_tasks');
  });

  it('rejects bad prompt arguments with invalid params naming the field', async () => {
    const err = await h.client.getPrompt({ name: 'daily_standup', arguments: { since: 'yesterday' } }).catch((e) => e);
    expect(err).toMatchObject({ code: -32602 });
    expect(String(err.message)).toContain('since');
    const missing = await h.client.getPrompt({ name: 'plan_project', arguments: {} }).catch((e) => e);
    expect(String(missing.message)).toContain('goal');
  });

  it('answers a read and a prompt get whose observation throws (the audit writer) with the masked internal error, not the raw message', async () => {
    const audit = h.app.audit;
    if (!audit) throw new Error('the audit trail is on by default');
    const push = audit.push;
    audit.push = () => {
      throw new Error('audit queue corrupted at 0xdeadbeef');
    };
    try {
      for (const attempt of [() => h.client.readResource({ uri: 'tasks://board' }), () => h.client.getPrompt({ name: 'daily_standup', arguments: {} })]) {
        const err = await attempt().catch((e) => e);
        expect(err).toMatchObject({ code: -32603 });
        expect(String(err.message)).toMatch(/Internal error/);
        expect(JSON.stringify(err)).not.toMatch(/deadbeef|corrupted/);
      }
    } finally {
      audit.push = push;
    }
  });

  it('notifies subscribers of a task, of the tasks whose view shows it, and of the board; not after unsubscribing', async () => {
    const updated: string[] = [];
    h.client.setNotificationHandler('notifications/resources/updated', async (n) => {
      updated.push(n.params.uri);
    });
    const uris = ['tasks://2', 'tasks://3', 'tasks://board'];
    let sub: { close(): Promise<void> } | undefined;
    if (era === 'legacy') for (const uri of uris) await h.client.subscribeResource({ uri });
    else sub = await h.client.listen({ resourceSubscriptions: uris });
    await ok(h.client, 'update_task', { id: 2, priority: 'critical' });
    await eventually(() => updated.includes('tasks://2') && updated.includes('tasks://board'), 3000, 'resource updates');
    expect(updated).not.toContain('tasks://1'); // not subscribed
    expect(updated).not.toContain('tasks://3'); // unrelated to #2
    updated.length = 0;
    // #2 depends on #1 and shows its title and status: renaming #1 changes what tasks://2 shows.
    await ok(h.client, 'update_task', { id: 1, title: 'Draft the release notes' });
    await eventually(() => updated.includes('tasks://2') && updated.includes('tasks://board'), 3000, 'neighbour update');
    expect(updated).not.toContain('tasks://3');
    if (era === 'legacy') {
      await h.client.unsubscribeResource({ uri: 'tasks://2' });
      await h.client.unsubscribeResource({ uri: 'tasks://board' });
      updated.length = 0;
      await ok(h.client, 'update_task', { id: 2, priority: 'low' });
      await ok(h.client, 'update_task', { id: 3, priority: 'low' });
      // Notifications arrive in order on one connection: once #3's is here, #2's would have been too.
      await eventually(() => updated.includes('tasks://3'), 3000, 'update of a still-subscribed task');
      expect(updated).toEqual(['tasks://3']);
    }
    await sub?.close();
  });
});
