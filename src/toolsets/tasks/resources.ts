import type { RequestContext } from '../../server/context.js';
import { defineResource, type ResourceDef } from '../../toolkit/define.js';
import { ERROR_CODES, ResourceMiss } from '../../toolkit/errors.js';
import { tokenFit } from './budget.js';
import { READ } from './define.js';
import { tasksOf } from './deps.js';
import { cardLine, showTask, toCard } from './format.js';
import { showChange } from './history.js';
import { encodeFeedCursor } from './service.js';

const BOARD_COLUMN_LIMIT = 50;
/** `tasks://all` pages: the cards that fit this many o200k_base tokens, at most ALL_LIMIT of them. */
const ALL_TOKENS = 8_000;
const ALL_LIMIT = 100;
const EVERY_STATUS = ['todo', 'in_progress', 'blocked', 'done', 'cancelled'] as const;

/**
 * `tasks://all`, the resource the task tutorials read: every task of the workspace, any status, as compact cards,
 * cut to a token budget (highest priority first). When more exist, `next` says how to page on with list_tasks.
 */
export const allTasksResource = defineResource<RequestContext>({
  name: 'all_tasks',
  title: 'All tasks',
  description: `Every task in the workspace, any status, highest priority first, as compact JSON cards: the first that fit ${ALL_TOKENS} tokens (at most ${ALL_LIMIT}); total counts all. Page on with list_tasks.`,
  mimeType: 'application/json',
  uri: 'tasks://all',
  scopes: READ,
  read: async (uri, _vars, ctx) => {
    const page = await tasksOf(ctx).listTasks(ctx.caller, { status: [...EVERY_STATUS], sort: 'priority', limit: ALL_LIMIT }, tokenFit(ALL_TOKENS, toCard, cardLine));
    const next = page.next_cursor
      ? { tool: 'list_tasks', arguments: { status: EVERY_STATUS, sort: 'priority', cursor: page.next_cursor }, why: `${page.tasks.length} of ${page.total} shown` }
      : null;
    return [{ uri, mimeType: 'application/json', text: JSON.stringify({ tasks: page.tasks.map(toCard), total: page.total, truncated: page.truncated, next }) }];
  },
});

/** `tasks://board`: open tasks grouped by status, compact cards, at most 50 per column. */
export const boardResource = defineResource<RequestContext>({
  name: 'board',
  title: 'Task board',
  description: 'Open tasks grouped by status (todo, in_progress, blocked), highest priority first, as compact JSON cards. Subscribe to hear about changes.',
  mimeType: 'application/json',
  uri: 'tasks://board',
  scopes: READ,
  read: async (uri, _vars, ctx) => {
    const columns = {} as Record<string, ReturnType<typeof toCard>[]>;
    const counts = {} as Record<string, number>;
    // the three columns are read at once (on PostgreSQL, three pooled connections: the wait is one column's)
    const statuses = ['todo', 'in_progress', 'blocked'] as const;
    const tasks = tasksOf(ctx);
    const pages = await Promise.all(statuses.map((status) => tasks.listTasks(ctx.caller, { status: [status], sort: 'priority', limit: BOARD_COLUMN_LIMIT })));
    statuses.forEach((status, i) => {
      columns[status] = (pages[i]?.tasks ?? []).map(toCard);
      counts[status] = pages[i]?.total ?? 0;
    });
    return [{ uri, mimeType: 'application/json', text: JSON.stringify({ columns, counts, column_limit: BOARD_COLUMN_LIMIT }) }];
  },
});

/** `tasks://{id}`: one task in full, as JSON (the same shape as get_task). */
export const taskResource = defineResource<RequestContext>({
  name: 'task',
  title: 'Task',
  description: 'One task as JSON: fields, comments, subtasks, dependencies and dependents. Subscribe to hear about changes.',
  mimeType: 'application/json',
  uri: 'tasks://{id}',
  scopes: READ,
  complete: { id: (value, ctx) => tasksOf(ctx).completeIds(ctx.caller, value) },
  read: async (uri, vars, ctx) => {
    const id = /^[1-9]\d{0,15}$/.test(vars.id ?? '') ? Number(vars.id) : Number.NaN;
    if (!Number.isSafeInteger(id)) throw new ResourceMiss(uri);
    const detail = await tasksOf(ctx)
      .getTask(ctx.caller, id)
      .catch((error) => {
        if ((error as { code?: string }).code === 'not_found') throw new ResourceMiss(uri);
        throw error;
      });
    return [{ uri, mimeType: 'application/json', text: JSON.stringify({ ...detail, task: showTask(detail.task), subtasks: detail.subtasks.map(toCard) }) }];
  },
});

export const statsResource = defineResource<RequestContext>({
  name: 'stats',
  title: 'Task statistics',
  description: 'Counts by status, priority, label and assignee; overdue; completed in the last 7 and 30 days (JSON, same as get_task_stats).',
  mimeType: 'application/json',
  uri: 'tasks://stats',
  scopes: READ,
  read: async (uri, _vars, ctx) => [{ uri, mimeType: 'application/json', text: JSON.stringify(await tasksOf(ctx).stats(ctx.caller)) }],
});

export const schemaResource = defineResource<RequestContext>({
  name: 'schema',
  title: 'Task model',
  description:
    'How Taskwire models work: task fields and their limits, statuses, priorities, dependencies, versions, idempotency keys, leases, history, undo, trash and error codes (Markdown).',
  mimeType: 'text/markdown',
  uri: 'tasks://schema',
  scopes: READ,
  read: async (uri) => [{ uri, mimeType: 'text/markdown', text: TASK_MODEL_DOC }],
});

const FEED_LIMIT = 50;

/** `tasks://changes`: the latest change records of the workspace (the change history, not the audit trail). */
export const changesResource = defineResource<RequestContext>({
  name: 'changes',
  title: 'Recent changes',
  description: `The last ${FEED_LIMIT} changes to tasks in this workspace, oldest first (JSON): seq, time, who, client, tool, task and each field's before/after. Page further with list_changes. Subscribe to hear about changes.`,
  mimeType: 'application/json',
  uri: 'tasks://changes',
  scopes: READ,
  read: async (uri, _vars, ctx) => {
    const last = await tasksOf(ctx).lastChangeSeq(ctx.caller);
    const feed = await tasksOf(ctx).listChanges(ctx.caller, { cursor: encodeFeedCursor(Math.max(0, last - FEED_LIMIT)), limit: FEED_LIMIT });
    return [{ uri, mimeType: 'application/json', text: JSON.stringify({ changes: feed.changes.map(showChange), next_cursor: feed.next_cursor }) }];
  },
});

/** `tasks://trash`: deleted tasks, newest first, each with the change that restores it. */
export const trashResource = defineResource<RequestContext>({
  name: 'trash',
  title: 'Trash',
  description: `The last ${FEED_LIMIT} deleted tasks, newest first (JSON): id, title, who deleted it and when, and restore_with (revert_changes arguments).`,
  mimeType: 'application/json',
  uri: 'tasks://trash',
  scopes: READ,
  read: async (uri, _vars, ctx) => {
    const rows = await tasksOf(ctx).trash(ctx.caller, FEED_LIMIT);
    const tasks = rows.map((r) => ({
      id: r.task_id,
      title: r.snapshot.task.title,
      deleted_at: r.deleted_at,
      deleted_by: r.deleted_by,
      restore_with: { seqs: [r.seq] },
    }));
    return [{ uri, mimeType: 'application/json', text: JSON.stringify({ tasks }) }];
  },
});

const ACTIVITY_LIMIT = 50;

/** `tasks://activity`: the audit trail of the caller's own workspace, newest first. */
export const activityResource = defineResource<RequestContext>({
  name: 'activity',
  title: 'Recent activity',
  description: `The last ${ACTIVITY_LIMIT} tool calls in this workspace, newest first (JSON audit rows): time, principal, client, tool, outcome, duration, trace id, and the arguments of writes.`,
  mimeType: 'application/json',
  uri: 'tasks://activity',
  scopes: READ,
  read: async (uri, _vars, ctx) => {
    const rows = await tasksOf(ctx).activity(ctx.caller, ACTIVITY_LIMIT);
    return [{ uri, mimeType: 'application/json', text: JSON.stringify({ calls: rows, limit: ACTIVITY_LIMIT }) }];
  },
});

export const TASK_MODEL_DOC = `# Taskwire task model

A **task** is a work item in your workspace.

| field | type | rules |
|---|---|---|
| id | integer | assigned by the server, unique per workspace, never reused |
| title | string | 1-200 characters, one line |
| description | markdown | up to 20,000 characters |
| status | enum | todo, in_progress, blocked, done, cancelled |
| priority | enum | low, medium (default), high, critical |
| labels | string[] | up to 20; normalized to lower-case, spaces become \`-\`; letters, digits, \`- _ . : /\` |
| assignee | string or null | 1-100 characters |
| due_date | YYYY-MM-DD or null | a real calendar date |
| parent_id | id or null | makes the task a subtask; no loops |
| depends_on | id[] | tasks that must be done (or cancelled) first; cycles are rejected |
| version | integer | +1 on every change; pass it as \`expected_version\` to update safely |
| created_at, updated_at, completed_at | ISO-8601 UTC | set by the server |
| created_by, updated_by | {principal, client} | who made the change, and through which MCP client |
| lease | {holder, client, expires_at} or null | set by \`claim_task\` while someone works on the task |

Text fields reject invisible and bidirectional control characters (zero-width spaces, BOM, bidi overrides):
what is stored is exactly what was accepted.

**Actionable** (what \`next_task\` picks): status todo, every dependency done or cancelled, no open subtasks.
Ranked by priority, then due date (earliest first, none last), then age.

**Sorting** (\`list_tasks sort\`): \`priority\` most urgent first (then due date, none last, then id); \`due_date\` soonest
first, none last (then priority, then id); \`created_at\`, \`updated_at\` and \`id\` oldest first. \`order\` gives the
direction; the other direction is the exact reverse of the whole ordering, ties included. \`total\` is always exact.

**Safe writes.** \`create_tasks\` and \`add_comment\` take an \`idempotency_key\`: a retry with the same key and
arguments returns the first result (\`replayed: true\`) and writes nothing. \`update_task\`, \`complete_task\` and
\`delete_task\` take \`expected_version\`: if the task changed since you read it, nothing is written and the error
carries the current task.

**Several agents at once.**
- *Claim and lease.* \`claim_task\` (an id, or none for the best actionable task) sets the task \`in_progress\` and
  gives the caller a lease for \`lease_s\` seconds (default 900, 5 to 86,400) with an opaque \`lease_id\` (a fencing
  token, shown only to the claimer). While the lease holds, \`update_task\`, \`update_tasks\`, \`complete_task\`
  and \`delete_task\` on that task need its \`lease_id\`; without it, or with a stale one, they fail with
  \`lease_conflict\` naming the holder and the expiry. Comments are always allowed. \`claim_task\` again with the
  \`lease_id\` renews; status \`todo\`, \`done\` or \`cancelled\` releases. An expired lease releases itself: the
  task returns to \`todo\` (recorded as an \`expire\` change) and can be claimed again; no read shows an expired lease.
  A caller with \`tasks:admin\` may pass \`force: true\` past someone else's lease. \`next_task\` never offers a held task.
- *History.* Every write appends one change record per task it touched, in the same transaction: \`seq\` (monotonic,
  gap-free per workspace), time, principal, client, tool, kind (create, update, complete, delete, restore, comment,
  claim, renew, release, expire, import, revert), task id, version after, and each changed field as
  \`[before, after]\`. \`list_changes\` pages the feed oldest first; its \`next_cursor\` resumes exactly after the last
  change returned. \`get_task history=N\` gives a task's latest changes and each field's last writer. History is kept
  for the server's history retention (default 90 days). The audit trail (\`tasks://activity\`) is different: it
  records tool calls (including reads and failures), not changes to tasks.
- *Undo.* \`revert_changes\` with \`seqs\` or \`mine_last\` restores before-values atomically, newest first. If a later
  change touched the same field it fails with \`version_conflict\` naming that change (revert both together, or pass
  \`force: true\`). A revert is a change too, so it can be reverted.
- *Trash.* \`delete_task\` moves tasks to the trash (\`tasks://trash\`, kept for the trash retention, default 30 days);
  reverting the delete change restores the task with its comments, labels, subtasks and dependency edges. A trashed
  id answers \`not_found\` with a hint naming the revert; trashed tasks appear in no list, search, board or stats.
- *Bulk.* \`update_tasks\` updates or completes 1-100 tasks, all or nothing; an error names the item. An empty list is
  \`invalid_input\`, never "all tasks".
- *Null.* In every write tool, \`null\` for an optional field means "leave unchanged", exactly like omitting it
  (hosts in strict mode send every field). Clear a field explicitly with \`update_task clear: [...]\`.

**Errors** come back as a tool result with \`isError: true\` and the JSON body
\`{"error": {"code", "message", "retryable", "hint"?, "fields"?, "current"?}}\`:

${Object.entries(ERROR_CODES)
  .map(([code, e]) => `- \`${code}\`${e.retryable ? ' (retryable)' : ''}: ${e.doc}`)
  .join('\n')}
`;

export const taskResources: ReadonlyArray<ResourceDef<RequestContext>> = [
  boardResource,
  allTasksResource,
  taskResource,
  statsResource,
  schemaResource,
  activityResource,
  changesResource,
  trashResource,
];
