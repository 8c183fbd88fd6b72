import { afterEach, describe, expect, it } from 'vitest';
import { call, connect, ERAS, type Harness, harness, ok, readText } from './harness.js';

/**
 * Several agents on one workspace (issue 11), end to end through a real SDK client in both protocol eras:
 * claim and lease, the change history with provenance, undo (revert_changes, the trash), bulk updates.
 */

type Card = { id: number; version: number; status: string; lease?: { holder: string; client: string | null; expires_at: string } };
type Change = { seq: number; kind: string; task_id: number; principal: string; client: string | null; tool: string; fields: Record<string, [unknown, unknown]> };

describe.each(ERAS)('several agents at once (%s era)', (era) => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  async function seed(titles: string[]): Promise<Card[]> {
    const r = await ok<{ created: Card[] }>(h.client, 'create_tasks', { tasks: titles.map((title) => ({ title })) });
    return r.created;
  }

  it('claims distinct tasks, refuses writes without the lease, renews, and releases on completion', async () => {
    h = await harness(era);
    const [a, b] = await seed(['first', 'second']);
    const other = await connect(h.app, era, 'agent-two');
    try {
      const mine = await ok<{ task: Card; lease_id: string; lease_expires_at: string }>(h.client, 'claim_task', { lease_s: 60 });
      expect(mine.task.id).toBe(a?.id);
      expect(mine.task.status).toBe('in_progress');
      expect(mine.lease_id).toMatch(/^lease_/);
      const theirs = await ok<{ task: Card }>(other.client, 'claim_task', {});
      expect(theirs.task.id).toBe(b?.id);
      const none = await ok<{ task: Card | null; reason: string }>(other.client, 'claim_task', {});
      expect(none.task).toBeNull();
      expect(none.reason).toMatch(/No actionable task/);

      // The other agent cannot write through my lease; it can comment.
      const refused = await call(other.client, 'update_task', { id: mine.task.id, priority: 'high' });
      expect(refused.error.code).toBe('lease_conflict');
      expect(refused.error.retryable).toBe(false);
      expect(refused.error.message).toContain('vitest');
      expect(JSON.stringify(refused.error.current)).toContain(mine.lease_expires_at);
      expect(refused.error.current).not.toHaveProperty('lease.lease_id');
      expect((await call(other.client, 'complete_task', { id: mine.task.id })).error.code).toBe('lease_conflict');
      expect((await call(other.client, 'claim_task', { id: mine.task.id })).error.code).toBe('lease_conflict');
      await ok(other.client, 'add_comment', { task_id: mine.task.id, body: 'I can still comment' });

      // Cards show the holder and expiry, never the fencing token.
      const listed = await ok<{ tasks: Card[] }>(other.client, 'list_tasks', { status: ['in_progress'] });
      const card = listed.tasks.find((t) => t.id === mine.task.id);
      expect(card?.lease).toMatchObject({ holder: h.app.principal, client: 'vitest', expires_at: mine.lease_expires_at });
      expect(JSON.stringify(listed)).not.toContain(mine.lease_id);
      expect(await readText(other.client, `tasks://${mine.task.id}`)).not.toContain(mine.lease_id);

      // The holder writes with its lease_id, renews, and completing releases.
      await ok(h.client, 'update_task', { id: mine.task.id, priority: 'high', lease_id: mine.lease_id });
      const renewed = await ok<{ renewed: boolean; lease_id: string; lease_expires_at: string }>(h.client, 'claim_task', {
        id: mine.task.id,
        lease_id: mine.lease_id,
        lease_s: 600,
      });
      expect(renewed.renewed).toBe(true);
      expect(renewed.lease_id).toBe(mine.lease_id);
      expect(renewed.lease_expires_at > mine.lease_expires_at).toBe(true);
      const stale = await call(h.client, 'update_task', { id: mine.task.id, priority: 'low', lease_id: 'lease_stale' });
      expect(stale.error.code).toBe('lease_conflict');
      await ok(h.client, 'complete_task', { id: mine.task.id, lease_id: mine.lease_id });
      const after = await ok<{ task: Card & { lease: unknown } }>(other.client, 'get_task', { id: mine.task.id });
      expect(after.task.lease).toBeNull();
      expect(after.task.status).toBe('done');
    } finally {
      await other.close();
    }
  });

  it('an expired lease frees the task: next reads show it todo, another agent claims it, history says why', async () => {
    h = await harness(era);
    const [t] = await seed(['crashy']);
    const other = await connect(h.app, era, 'agent-two');
    try {
      const first = await ok<{ task: Card; lease_id: string }>(h.client, 'claim_task', { id: t?.id, lease_s: 5 });
      expect((await ok<{ task: Card | null }>(other.client, 'claim_task', {})).task).toBeNull();
      await new Promise((r) => setTimeout(r, 5200)); // the first agent "crashed": it never renews
      const seen = await ok<{ task: Card & { lease: unknown } }>(other.client, 'get_task', { id: t?.id, history: 10 });
      expect(seen.task.status).toBe('todo');
      expect(seen.task.lease).toBeNull();
      const taken = await ok<{ task: Card; lease_id: string }>(other.client, 'claim_task', {});
      expect(taken.task.id).toBe(t?.id);
      expect(taken.lease_id).not.toBe(first.lease_id);
      const late = await call(h.client, 'update_task', { id: t?.id, title: 'too late', lease_id: first.lease_id });
      expect(late.error.code).toBe('lease_conflict');
      const history = await ok<{ changes: Change[] }>(h.client, 'list_changes', { task_id: t?.id });
      expect(history.changes.map((c) => c.kind)).toEqual(['create', 'claim', 'expire', 'claim']);
      expect(history.changes[2]?.fields.status).toEqual(['in_progress', 'todo']);
      expect(history.changes[3]?.client).toBe('agent-two');
    } finally {
      await other.close();
    }
  }, 20_000);

  it('records every write with provenance, feeds it by cursor, and shows each field’s last writer', async () => {
    h = await harness(era);
    const [t] = await seed(['history']);
    const other = await connect(h.app, era, 'agent-two');
    try {
      await ok(h.client, 'update_task', { id: t?.id, priority: 'high', assignee: 'ana' });
      await ok(other.client, 'update_task', { id: t?.id, assignee: 'bo' });
      await ok(other.client, 'add_comment', { task_id: t?.id, body: 'note' });
      const first = await ok<{ changes: Change[]; next_cursor: string; has_more: boolean }>(h.client, 'list_changes', { limit: 2 });
      expect(first.changes.map((c) => c.seq)).toEqual([1, 2]);
      expect(first.has_more).toBe(true);
      const rest = await ok<{ changes: Change[]; next_cursor: string }>(h.client, 'list_changes', { cursor: first.next_cursor });
      expect(rest.changes.map((c) => c.seq)).toEqual([3, 4]);
      expect(rest.changes[0]).toMatchObject({ kind: 'update', tool: 'update_task', client: 'agent-two', fields: { assignee: ['ana', 'bo'] } });
      expect(rest.changes[1]).toMatchObject({ kind: 'comment', tool: 'add_comment' });
      const empty = await ok<{ changes: Change[]; next_cursor: string }>(h.client, 'list_changes', { cursor: rest.next_cursor });
      expect(empty.changes).toEqual([]);
      expect(empty.next_cursor).toBe(rest.next_cursor);
      const detail = await ok<{ history: Change[]; last_writers: Record<string, { client: string | null; seq: number }> }>(h.client, 'get_task', {
        id: t?.id,
        history: 2,
      });
      expect(detail.history.map((c) => c.seq)).toEqual([4, 3]);
      expect(detail.last_writers.assignee).toMatchObject({ client: 'agent-two', seq: 3 });
      expect(detail.last_writers.priority).toMatchObject({ client: 'vitest', seq: 2 });
      expect(detail.last_writers.title).toMatchObject({ seq: 1 });
      const bad = await call(h.client, 'list_changes', { cursor: 'not-a-cursor' });
      expect(bad.error.code).toBe('invalid_input');
      const feed = JSON.parse(await readText(h.client, 'tasks://changes')) as { changes: Change[] };
      expect(feed.changes.map((c) => c.seq)).toEqual([1, 2, 3, 4]);
    } finally {
      await other.close();
    }
  });

  it('undoes a bad bulk edit, refuses a revert over a later change, and a revert can be reverted', async () => {
    h = await harness(era);
    const tasks = await seed(['a', 'b', 'c']);
    await ok(h.client, 'update_task', { id: tasks[0]?.id, assignee: 'ana', priority: 'high' });
    const bulk = await ok<{ results: Array<{ task: Card; changed: string[] }> }>(h.client, 'update_tasks', {
      items: tasks.map((t) => ({ id: t.id, assignee: 'nobody', priority: 'low' })),
    });
    expect(bulk.results).toHaveLength(3);
    const undone = await ok<{ reverted: number[] }>(h.client, 'revert_changes', { mine_last: 3 });
    expect(undone.reverted).toHaveLength(3);
    const a = await ok<{ task: { assignee: string | null; priority: string } }>(h.client, 'get_task', { id: tasks[0]?.id });
    expect(a.task).toMatchObject({ assignee: 'ana', priority: 'high' });
    const b = await ok<{ task: { assignee: string | null; priority: string } }>(h.client, 'get_task', { id: tasks[1]?.id });
    expect(b.task).toMatchObject({ assignee: null, priority: 'medium' });

    // A later change to the same field blocks the revert (naming it) unless forced.
    const changes = (await ok<{ changes: Change[] }>(h.client, 'list_changes', { task_id: tasks[2]?.id })).changes;
    const bulkChange = changes.find((c) => c.tool === 'update_tasks') as Change;
    await ok(h.client, 'update_task', { id: tasks[2]?.id, priority: 'critical' });
    const refused = await call(h.client, 'revert_changes', { seqs: [bulkChange.seq] });
    expect(refused.error.code).toBe('version_conflict');
    const onC = (await ok<{ changes: Change[] }>(h.client, 'list_changes', { task_id: tasks[2]?.id })).changes;
    const firstLater = onC.find((c) => c.seq > bulkChange.seq) as Change; // the mine_last revert above
    expect(refused.error.message).toContain(`change #${firstLater.seq} (revert`);
    expect(refused.error.hint).toContain('force');
    await ok(h.client, 'revert_changes', { seqs: [bulkChange.seq], force: true });
    expect((await ok<{ task: { priority: string } }>(h.client, 'get_task', { id: tasks[2]?.id })).task.priority).toBe('medium');

    // Reverting the revert redoes the bulk edit for task a.
    const revertOfA = (await ok<{ changes: Change[] }>(h.client, 'list_changes', { task_id: tasks[0]?.id })).changes.at(-1) as Change;
    expect(revertOfA.kind).toBe('revert');
    await ok(h.client, 'revert_changes', { seqs: [revertOfA.seq] });
    const again = await ok<{ task: { assignee: string | null } }>(h.client, 'get_task', { id: tasks[0]?.id });
    expect(again.task.assignee).toBe('nobody');
  });

  it('reverting your own claim releases it; a revert lists every change it made', async () => {
    h = await harness(era);
    const [t] = await seed(['oops']);
    await ok(h.client, 'claim_task', { id: t?.id });
    const undone = await ok<{ reverted: number[]; changes: Change[] }>(h.client, 'revert_changes', { mine_last: 1 });
    expect(undone.changes.map((c) => c.kind)).toEqual(['revert']);
    const back = await ok<{ task: { status: string; lease: unknown } }>(h.client, 'get_task', { id: t?.id });
    expect(back.task).toMatchObject({ status: 'todo', lease: null });
    await ok(h.client, 'delete_task', { id: t?.id });
    const restored = await ok<{ changes: Change[] }>(h.client, 'revert_changes', { mine_last: 1 });
    expect(restored.changes.map((c) => c.kind)).toEqual(['restore']);
  });

  it("daily_standup reports the changes since the caller's last stand-up", async () => {
    h = await harness(era);
    await seed(['before the first stand-up']);
    const text = async () => {
      const p = await h.client.getPrompt({ name: 'daily_standup', arguments: {} });
      return (p.messages[0] as { content: { text: string } }).content.text;
    };
    expect(await text()).toContain('before the first stand-up');
    await seed(['after it']);
    const second = await text();
    expect(second).toMatch(/Changes since your last stand-up/);
    expect(second).toContain('"after it"');
    expect(second).not.toContain('"before the first stand-up"');
    expect(await text()).toMatch(/Changes since your last stand-up[^\n]*\n\(none\)/);
  });

  it('bulk updates are all or nothing, name the failing item, and refuse an empty list', async () => {
    h = await harness(era);
    const [a, b] = await seed(['a', 'b']);
    const bad = await call(h.client, 'update_tasks', {
      items: [
        { id: a?.id, priority: 'high' },
        { id: b?.id, priority: 'high', expected_version: 99 },
      ],
    });
    expect(bad.error.code).toBe('version_conflict');
    expect(bad.error.message).toContain('items[1]');
    expect((await ok<{ task: { priority: string } }>(h.client, 'get_task', { id: a?.id })).task.priority).toBe('medium');
    const empty = await call(h.client, 'update_tasks', { items: [] });
    expect(empty.error.code).toBe('invalid_input');
    expect(JSON.stringify(empty.error.fields)).toContain('items');
    const done = await ok<{ results: Array<{ task: Card }> }>(h.client, 'update_tasks', {
      items: [
        { id: a?.id, status: 'done' },
        { id: b?.id, status: 'done' },
      ],
    });
    expect(done.results.map((r) => r.task.status)).toEqual(['done', 'done']);
    const kinds = (await ok<{ changes: Change[] }>(h.client, 'list_changes', {})).changes.map((c) => c.kind);
    expect(kinds.slice(-2)).toEqual(['complete', 'complete']);
  });

  it('deletes into the trash and restores the task with comments, labels, subtasks and dependency edges', async () => {
    h = await harness(era);
    const created = await ok<{ created: Card[] }>(h.client, 'create_tasks', {
      tasks: [
        { ref: 'p', title: 'parent', labels: ['x'] },
        { ref: 'c', title: 'child', parent_id: 'p' },
        { title: 'waits', depends_on: ['p'] },
      ],
    });
    const [parent, child, waiter] = created.created as [Card, Card, Card];
    await ok(h.client, 'add_comment', { task_id: parent.id, body: 'keep this comment' });
    const deleted = await ok<{ deleted: number[] }>(h.client, 'delete_task', { id: parent.id, cascade: true });
    expect(deleted.deleted.sort()).toEqual([parent.id, child.id].sort());
    const miss = await call(h.client, 'get_task', { id: parent.id });
    expect(miss.error.code).toBe('not_found');
    expect(miss.error.hint).toMatch(/revert_changes \{"seqs":\[\d+\]\}/);
    expect((await ok<{ tasks: Card[] }>(h.client, 'list_tasks', {})).tasks.map((t) => t.id)).toEqual([waiter.id]);
    expect((await ok<{ total: number }>(h.client, 'search_tasks', { query: 'parent' })).total).toBe(0);
    expect((await ok<{ task: { depends_on: number[] } }>(h.client, 'get_task', { id: waiter.id })).task.depends_on).toEqual([]);
    const trash = JSON.parse(await readText(h.client, 'tasks://trash')) as { tasks: Array<{ id: number; restore_with: { seqs: number[] } }> };
    const entry = trash.tasks.find((t) => t.id === parent.id);
    await ok(h.client, 'revert_changes', { seqs: entry?.restore_with.seqs });
    const back = await ok<{ task: { labels: string[] }; comments: Array<{ body: string }>; subtasks: Card[]; dependents: Card[] }>(h.client, 'get_task', {
      id: parent.id,
    });
    expect(back.task.labels).toEqual(['x']);
    expect(back.comments.map((c) => c.body)).toEqual(['keep this comment']);
    expect(back.subtasks.map((s) => s.id)).toEqual([child.id]);
    expect(back.dependents.map((d) => d.id)).toEqual([waiter.id]);
    expect((await ok<{ total: number }>(h.client, 'search_tasks', { query: 'comment' })).total).toBe(1);
    expect((await ok<{ tasks: Card[] }>(h.client, 'list_tasks', { label: 'x' })).tasks.map((t) => t.id)).toEqual([parent.id]);
  });
});
