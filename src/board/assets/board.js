import { fill, h, today, when } from './dom.js';

/**
 * The board view: columns by status, cards, filters, a task panel with actions, an activity feed
 * and the stats. It reads and writes only through `client` (MCP tools: the page's HTTP client, or
 * an MCP Apps host bridge), so the server applies the same scopes, version checks and change
 * records to a human as to any agent. Server data is only ever put in the page as text.
 *
 * `client`: `{ callTool(name, args) → structuredContent, toolNames() → Set, listen(uris, onUpdate, onState) → stop }`.
 */

/** Open columns list by priority; the done column shows the most recently finished. */
export const COLUMNS = [
  { key: 'todo', title: 'To do', status: ['todo'], sort: 'priority' },
  { key: 'in_progress', title: 'In progress', status: ['in_progress'], sort: 'priority' },
  { key: 'blocked', title: 'Blocked', status: ['blocked'], sort: 'priority' },
  { key: 'done', title: 'Recently done', status: ['done'], sort: 'updated_at', order: 'desc' },
];
/** Cards per page of a column (list_tasks allows up to 100): 10,000 open tasks load 50 at a time. */
export const PAGE = 50;
const WRITE_TOOLS = ['update_task', 'complete_task', 'add_comment', 'revert_changes'];
const FEED_SIZE = 40;

export function createBoard(client, ui, options = {}) {
  const state = {
    filters: { text: '', assignee: '', label: '' },
    columns: new Map(COLUMNS.map((c) => [c.key, { tasks: [], total: 0, cursor: null, loading: false }])),
    can: new Set(),
    open: null, // { id, task, notice }
    feed: [],
    feedCursor: null,
    generation: 0,
  };
  const report = options.onError ?? ((error) => console.error(error));

  // ---- columns ----------------------------------------------------------------------------
  const columnArgs = (col, limit, cursor) => {
    const { text, assignee, label } = state.filters;
    const args = { status: col.status, limit };
    if (assignee) args.assignee = assignee;
    if (label) args.label = label;
    if (cursor) args.cursor = cursor;
    if (text) return { tool: 'search_tasks', args: { query: text, ...args } };
    return { tool: 'list_tasks', args: { ...args, sort: col.sort, ...(col.order ? { order: col.order } : {}) } };
  };

  async function loadColumn(col, { more = false } = {}) {
    const entry = state.columns.get(col.key);
    const generation = state.generation;
    // A refresh re-reads as many cards as are shown (at most 100, list_tasks' page limit).
    const limit = more ? PAGE : Math.min(100, Math.max(PAGE, entry.tasks.length));
    const { tool, args } = columnArgs(col, limit, more ? entry.cursor : null);
    entry.loading = true;
    const page = await client.callTool(tool, args);
    entry.loading = false;
    if (generation !== state.generation) return; // the filters changed meanwhile
    const tasks = tool === 'search_tasks' ? (page.results ?? []).map((r) => r.task) : (page.tasks ?? []);
    entry.tasks = more ? [...entry.tasks, ...tasks] : tasks;
    entry.total = page.total ?? entry.tasks.length;
    entry.cursor = page.next_cursor ?? null;
    renderColumn(col);
  }

  function renderColumn(col) {
    const entry = state.columns.get(col.key);
    let section = ui.board.querySelector(`[data-column="${col.key}"]`);
    if (!section) {
      section = h('div', { class: 'column', 'data-column': col.key });
      ui.board.append(section);
    }
    fill(
      section,
      h('h2', {}, col.title, h('span', { class: 'count' }, String(entry.total))),
      h('ul', { class: 'cards' }, entry.tasks.map(card)),
      entry.cursor
        ? h(
            'button',
            { class: 'more', type: 'button', onclick: () => loadColumn(col, { more: true }).catch(report) },
            `Show more (${entry.total - entry.tasks.length} left)`,
          )
        : null,
    );
  }

  function card(t) {
    const overdue = t.due_date && t.due_date < today() && t.status !== 'done' && t.status !== 'cancelled';
    return h(
      'li',
      { class: 'card', tabindex: '0', 'data-task': String(t.id), onclick: () => openTask(t.id), onkeydown: (e) => e.key === 'Enter' && openTask(t.id) },
      h('div', { class: 'title' }, t.title),
      h(
        'div',
        { class: 'meta' },
        h('span', {}, `#${t.id}`),
        h('span', { class: `pill prio-${t.priority}` }, t.priority),
        (t.labels ?? []).map((l) => h('span', { class: 'pill label' }, l)),
        t.assignee ? h('span', { class: 'assignee' }, `@${t.assignee}`) : null,
        t.due_date ? h('span', { class: overdue ? 'due overdue' : 'due' }, overdue ? `overdue ${t.due_date}` : `due ${t.due_date}`) : null,
        t.parent_id ? h('span', { class: 'parent' }, `subtask of #${t.parent_id}`) : null,
        t.subtasks ? h('span', { class: 'progress' }, `${t.subtasks.done}/${t.subtasks.total} subtasks`) : null,
        t.lease ? h('span', { class: 'lease', title: `claimed until ${t.lease.expires_at}` }, `claimed by ${t.lease.holder} until ${when(t.lease.expires_at)}`) : null,
      ),
    );
  }

  async function refreshColumns() {
    await Promise.all(COLUMNS.map((col) => loadColumn(col)));
  }

  // ---- stats and activity -------------------------------------------------------------------
  async function refreshStats() {
    const s = await client.callTool('get_task_stats', {});
    const by = s.by_status ?? {};
    const open = (by.todo ?? 0) + (by.in_progress ?? 0) + (by.blocked ?? 0);
    fill(ui.stats, `${open} open · ${s.overdue ?? 0} overdue · ${s.completed_last_7_days ?? 0} done in 7 days · ${s.total ?? 0} in all`);
  }

  /** The feed: changes of the last hour on first load, then only newer ones (list_changes' cursor). */
  async function refreshFeed() {
    let cursor = state.feedCursor;
    const since = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    for (let pages = 0; pages < 100; pages++) {
      const page = await client.callTool('list_changes', cursor ? { cursor, limit: 200 } : { since, limit: 200 });
      state.feed = [...state.feed, ...(page.changes ?? [])].slice(-FEED_SIZE);
      cursor = page.next_cursor ?? cursor;
      if (!page.has_more) break;
    }
    state.feedCursor = cursor;
    fill(ui.feed, [...state.feed].reverse().map(changeItem));
  }

  function changeItem(c) {
    return h(
      'li',
      { 'data-seq': String(c.seq) },
      h('strong', {}, `#${c.task_id} ${c.kind}`),
      ' ',
      describeFields(c.fields),
      h('div', { class: 'who' }, `${c.principal}${c.client ? ` via ${c.client}` : ''} · ${when(c.at)} · change ${c.seq}`),
    );
  }

  // ---- the task panel -------------------------------------------------------------------------
  async function openTask(id, notice) {
    try {
      const view = await client.callTool('get_task', { id, history: 30, comments_limit: 50 });
      state.open = { id, view, notice };
      renderPanel();
    } catch (error) {
      report(error);
    }
  }

  /**
   * The open task changed (maybe by someone else): say so, but keep the panel as the human saw
   * it, so a change they are making is neither lost nor silently applied to a newer task.
   */
  async function checkOpen(open) {
    const view = await client.callTool('get_task', { id: open.id, comments_limit: 1 });
    if (state.open !== open || view.task.version === open.view.task.version) return;
    open.stale = view.task;
    renderPanel();
  }

  function closePanel() {
    state.open = null;
    ui.panel.hidden = true;
    ui.panel.replaceChildren();
  }

  function renderPanel() {
    const { view, notice, stale } = state.open;
    const t = view.task;
    const subtasks = view.subtasks ?? [];
    const doneSubtasks = subtasks.filter((s) => s.status === 'done').length;
    ui.panel.hidden = false;
    fill(
      ui.panel,
      h('button', { class: 'close', type: 'button', 'aria-label': 'Close', onclick: closePanel }, '×'),
      h('h2', {}, t.title),
      h(
        'div',
        { class: 'meta' },
        `#${t.id} · ${t.status} · ${t.priority} · version ${t.version}`,
        t.assignee ? ` · @${t.assignee}` : '',
        t.due_date ? ` · due ${t.due_date}` : '',
        (t.labels ?? []).length ? ` · ${t.labels.join(', ')}` : '',
      ),
      t.lease ? h('p', { class: 'lease' }, `Claimed by ${t.lease.holder}${t.lease.client ? ` (${t.lease.client})` : ''} until ${when(t.lease.expires_at)}`) : null,
      notice ? h('div', { class: `notice ${notice.kind}`, role: 'status' }, notice.text) : null,
      stale
        ? h(
            'div',
            { class: 'notice stale', role: 'status' },
            `Changed by ${stale.updated_by?.principal ?? 'someone'} since you opened it (now version ${stale.version}). `,
            h('button', { type: 'button', class: 'reload', onclick: () => openTask(t.id) }, 'Show the current task'),
          )
        : null,
      actions(t),
      h('h3', {}, 'Description'),
      h('div', { class: 'desc' }, t.description || '(none)'),
      h('h3', {}, `Subtasks (${doneSubtasks}/${subtasks.length} done)`),
      list(subtasks, (s) => h('li', {}, link(s.id), ` [${s.status}] ${s.title ?? ''}`)),
      h('h3', {}, 'Dependencies'),
      list(view.dependencies ?? [], (d) => h('li', {}, link(d.id), ` [${d.status ?? ''}] ${d.title ?? ''}`)),
      (view.blocked_by ?? []).length ? h('p', {}, `Waiting on ${view.blocked_by.map((d) => `#${d}`).join(', ')}`) : null,
      (view.dependents ?? []).length
        ? h(
            'p',
            {},
            'Needed by ',
            view.dependents.map((d) => [link(d.id), ' ']),
          )
        : null,
      h('h3', {}, `Comments (${view.comments_total ?? (view.comments ?? []).length})`),
      list(view.comments ?? [], (c) =>
        h('li', {}, h('div', { class: 'who' }, `${c.author?.principal ?? ''} · ${when(c.created_at)}`), h('div', { class: 'desc' }, c.body)),
      ),
      state.can.has('add_comment') ? commentForm(t) : null,
      h('h3', {}, 'History'),
      list(view.history ?? [], (c) =>
        h(
          'li',
          { 'data-seq': String(c.seq) },
          `${c.kind} `,
          describeFields(c.fields),
          h('span', { class: 'who' }, ` — ${c.principal}${c.client ? ` via ${c.client}` : ''}, ${when(c.at)} `),
          state.can.has('revert_changes') && c.kind !== 'create'
            ? h('button', { type: 'button', class: 'revert', onclick: () => write(t.id, 'revert_changes', { seqs: [c.seq] }, `Change ${c.seq} reverted.`) }, 'Revert')
            : null,
        ),
      ),
    );
  }

  function link(id) {
    return h('button', { type: 'button', class: 'link', onclick: () => openTask(id) }, `#${id}`);
  }

  function list(items, render) {
    return items.length ? h('ul', {}, items.map(render)) : h('p', { class: 'who' }, 'none');
  }

  function actions(t) {
    if (!state.can.has('update_task') && !state.can.has('complete_task')) return null;
    const status = h(
      'select',
      { name: 'status', 'aria-label': 'Status' },
      ['todo', 'in_progress', 'blocked', 'done', 'cancelled'].map((s) => h('option', { value: s }, s)),
    );
    status.value = t.status;
    const priority = h(
      'select',
      { name: 'priority', 'aria-label': 'Priority' },
      ['low', 'medium', 'high', 'critical'].map((p) => h('option', { value: p }, p)),
    );
    priority.value = t.priority;
    const assignee = h('input', { name: 'assignee', type: 'text', 'aria-label': 'Assignee', value: t.assignee ?? '' });
    const save = () => {
      const args = { id: t.id, expected_version: t.version };
      if (status.value !== t.status) args.status = status.value;
      if (priority.value !== t.priority) args.priority = priority.value;
      const who = assignee.value.trim();
      if (who !== (t.assignee ?? '')) {
        if (who) args.assignee = who;
        else args.clear = ['assignee'];
      }
      if (Object.keys(args).length === 2) return;
      write(t.id, 'update_task', args, 'Saved.');
    };
    return h(
      'div',
      { class: 'actions' },
      state.can.has('update_task') ? [h('label', {}, 'Status'), status, h('label', {}, 'Priority'), priority, h('label', {}, 'Assignee'), assignee] : null,
      h(
        'div',
        { class: 'row' },
        state.can.has('update_task') ? h('button', { type: 'button', class: 'primary save', onclick: save }, 'Save') : null,
        state.can.has('complete_task') && t.status !== 'done'
          ? h(
              'button',
              { type: 'button', class: 'complete', onclick: () => write(t.id, 'complete_task', { id: t.id, expected_version: t.version }, 'Completed.') },
              'Complete',
            )
          : null,
      ),
    );
  }

  function commentForm(t) {
    const body = h('textarea', { name: 'comment', 'aria-label': 'Comment', maxlength: '10000' });
    return h(
      'div',
      { class: 'comment-form' },
      body,
      h(
        'button',
        { type: 'button', class: 'add-comment', onclick: () => body.value.trim() && write(t.id, 'add_comment', { task_id: t.id, body: body.value }, 'Comment added.') },
        'Add comment',
      ),
    );
  }

  /** One write; a conflict or any refusal is shown in the panel, nothing is retried or forced. */
  async function write(id, tool, args, done) {
    try {
      await client.callTool(tool, args);
      await openTask(id, { kind: 'good', text: done });
    } catch (error) {
      const code = error?.detail?.code;
      const text =
        code === 'version_conflict'
          ? `Someone changed this task since you opened it (it is now at version ${error.detail.current?.version ?? '?'}). Nothing was written; the panel now shows the current task: re-apply your change if it still makes sense.`
          : `Not saved: ${error?.message ?? error}`;
      if (code === 'version_conflict') await openTask(id, { kind: 'conflict', text });
      else {
        state.open.notice = { kind: 'bad', text };
        renderPanel();
      }
    }
  }

  // ---- live updates ---------------------------------------------------------------------------
  let pending = null;
  let running = false;
  const changedTasks = new Set();
  /** Coalesce bursts of notifications: at most one refresh in flight, the next one right after it. */
  function changed(uri) {
    const m = /^tasks:\/\/(\d+)$/.exec(uri);
    if (m) changedTasks.add(Number(m[1]));
    if (pending) return;
    pending = setTimeout(flush, 30);
  }
  async function flush() {
    if (running) {
      pending = setTimeout(flush, 30);
      return;
    }
    pending = null;
    running = true;
    const recheck = state.open && changedTasks.has(state.open.id) ? state.open : null;
    changedTasks.clear();
    try {
      await Promise.all([refreshColumns(), refreshStats(), refreshFeed(), recheck ? checkOpen(recheck) : null]);
    } catch (error) {
      report(error);
    } finally {
      running = false;
    }
  }

  // ---- filters ----------------------------------------------------------------------------------
  let filterTimer = null;
  function setFilters(filters) {
    state.filters = { ...state.filters, ...filters };
    state.generation++;
    for (const entry of state.columns.values()) {
      entry.tasks = [];
      entry.cursor = null;
    }
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => refreshColumns().catch(report), 200);
  }

  return {
    state,
    async start() {
      state.can = new Set([...(await client.toolNames())].filter((n) => WRITE_TOOLS.includes(n)));
      for (const col of COLUMNS) renderColumn(col);
      await refreshColumns();
      ui.board.dataset.ready = 'true';
      refreshStats().catch(report);
      refreshFeed().catch(report);
      return client.listen(['tasks://board'], changed, options.onLive ?? (() => undefined));
    },
    setFilters,
    openTask,
    refresh: flush,
  };
}

/** `status todo → in_progress, assignee – → ana` (values as text). */
function describeFields(fields) {
  return Object.entries(fields ?? {})
    .map(([name, pair]) => {
      const [before, after] = Array.isArray(pair) ? pair : [undefined, pair];
      return `${name} ${show(before)} → ${show(after)}`;
    })
    .join(', ');
}

function show(v) {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return v.length > 60 ? `${v.slice(0, 57)}…` : v;
  if (Array.isArray(v)) return v.join(',') || '–';
  if (typeof v === 'object') return v.body ? show(v.body) : v.holder ? `claim by ${v.holder}` : JSON.stringify(v).slice(0, 60);
  return String(v);
}
