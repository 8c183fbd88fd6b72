import { fill, h, today, when } from './dom.js';

/**
 * The board view: columns by status, cards, filters, a task panel with actions, an activity feed
 * and the stats. It reads and writes only through `client` (MCP tools: the page's HTTP client, or
 * an MCP Apps host bridge), so the server applies the same scopes, version checks and change
 * records to a human as to any agent. Server data is only ever put in the page as text.
 *
 * `client`: `{ callTool(name, args) → structuredContent, toolNames() → Set, listen(uris, onUpdate, onState) → stop,
 * readResource?(uri) → parsed JSON }`; without `readResource` everything is read through tools.
 */

/** Open columns list by priority; the done column shows the most recently finished. */
export const COLUMNS = [
  { key: 'todo', title: 'To do', status: ['todo'], sort: 'priority' },
  { key: 'in_progress', title: 'In progress', status: ['in_progress'], sort: 'priority' },
  { key: 'blocked', title: 'Blocked', status: ['blocked'], sort: 'priority' },
  // 20 cards: a first page that fits the server's result budget by its bytes alone (no tokenizer load on a cold server).
  { key: 'done', title: 'Recently done', status: ['done'], sort: 'updated_at', order: 'desc', page: 20 },
];
/** Cards per page of a column (list_tasks allows up to 100): 10,000 open tasks load 50 at a time. */
export const PAGE = 50;
const DONE = COLUMNS[3];
const WRITE_TOOLS = ['update_task', 'complete_task', 'add_comment', 'revert_changes'];
const FEED_SIZE = 40;
/** Cards per open column in the `tasks://board` resource. */
const BOARD_RESOURCE_COLUMN = 50;
const ALL_STATUSES = ['todo', 'in_progress', 'blocked', 'done', 'cancelled'];
/** Parents whose subtask progress one refresh reads (one list_tasks each). */
const PROGRESS_PARENTS = 10;
/** Shortest time between two refreshes caused by notifications. */
const MIN_REFRESH_MS = 600;

export function createBoard(client, ui, options = {}) {
  const state = {
    filters: { text: '', assignee: '', label: '' },
    columns: new Map(COLUMNS.map((c) => [c.key, { tasks: [], total: 0, cursor: null, expanded: false }])),
    can: new Set(),
    open: null, // { id, task, notice }
    feed: [],
    lastSeq: null, // the newest change seq the feed has shown
    progress: new Map(), // parent id → { done, total } of its subtasks
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

  /** Whether the plain board (no filter) can be read from the `tasks://board` resource. */
  const plain = () => !state.filters.text && !state.filters.assignee && !state.filters.label;

  /**
   * Read one column through its tool: a refresh re-reads as many cards as are shown (at most 100,
   * list_tasks' page limit); `more` appends the next page (from the first 100 when the column came
   * from the board resource, which has no cursor).
   */
  async function loadColumn(col, { more = false } = {}) {
    const entry = state.columns.get(col.key);
    const generation = state.generation;
    const fromStart = !more || !entry.cursor;
    const first = col.page ?? PAGE;
    const limit = more ? (entry.cursor ? PAGE : 100) : Math.min(100, Math.max(first, entry.tasks.length));
    const { tool, args } = columnArgs(col, limit, fromStart ? null : entry.cursor);
    const page = await client.callTool(tool, args);
    if (generation !== state.generation) return; // the filters changed meanwhile
    const tasks = tool === 'search_tasks' ? (page.results ?? []).map((r) => r.task) : (page.tasks ?? []);
    entry.tasks = fromStart ? tasks : [...entry.tasks, ...tasks];
    entry.total = page.total ?? entry.tasks.length;
    entry.cursor = page.next_cursor ?? null;
    entry.expanded = entry.tasks.length > BOARD_RESOURCE_COLUMN;
    renderColumn(col);
  }

  /**
   * The three open columns from one `tasks://board` read (50 cards each, priority order, with the
   * totals): a resource read spends no tool-call budget, which a board without --auth shares
   * with the local agents. A column the human expanded is re-read through list_tasks.
   */
  async function loadOpenColumns() {
    const generation = state.generation;
    const board = await client.readResource('tasks://board');
    if (generation !== state.generation) return;
    await Promise.all(
      COLUMNS.filter((c) => c.key !== 'done').map(async (col) => {
        const entry = state.columns.get(col.key);
        if (entry.expanded) return loadColumn(col);
        entry.tasks = board.columns?.[col.key] ?? [];
        entry.total = board.counts?.[col.key] ?? entry.tasks.length;
        entry.cursor = null;
        renderColumn(col);
      }),
    );
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
      entry.cursor || entry.total > entry.tasks.length
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
        state.progress.has(t.id) ? h('span', { class: 'progress' }, `${state.progress.get(t.id).done}/${state.progress.get(t.id).total} subtasks done`) : null,
        t.lease ? h('span', { class: 'lease', title: `claimed until ${t.lease.expires_at}` }, `claimed by ${t.lease.holder} until ${when(t.lease.expires_at)}`) : null,
      ),
    );
  }

  /** Read every column (first load, filters): the plain board's open columns in one resource read. */
  async function refreshColumns() {
    if (!plain() || !client.readResource) await Promise.all(COLUMNS.map((col) => loadColumn(col)));
    else await Promise.all([loadOpenColumns(), loadColumn(DONE)]);
    await loadProgress(undefined, new Map());
  }

  /**
   * After notifications: the feed first tells which tasks changed since the last refresh (`delta`;
   * undefined when it cannot tell), read alongside the stats and the open columns; then the done
   * column only when a changed task may have entered or left it (it was there, or it is on no open
   * column now), the open panel only when its task changed, and the progress of changed parents.
   */
  async function refreshAfterChanges() {
    const shownBefore = new Map([...state.columns.values()].flatMap((e) => e.tasks.map((t) => [t.id, t.parent_id])));
    if (!plain() || !client.readResource) {
      const [delta] = await Promise.all([refreshFeed(), refreshStats(), ...COLUMNS.map((col) => loadColumn(col))]);
      await Promise.all([recheckOpen(delta), loadProgress(delta, shownBefore)]);
      return;
    }
    const doneBefore = new Set(state.columns.get('done').tasks.map((t) => t.id));
    const [delta] = await Promise.all([refreshFeed(), refreshStats(), loadOpenColumns()]);
    const openNow = new Set(COLUMNS.filter((c) => c !== DONE).flatMap((c) => state.columns.get(c.key).tasks.map((t) => t.id)));
    const touchesDone = !delta || [...delta.ids].some((id) => doneBefore.has(id) || !openNow.has(id));
    await Promise.all([touchesDone ? loadColumn(DONE) : null, recheckOpen(delta)]);
    await loadProgress(delta, shownBefore);
  }

  function recheckOpen(delta) {
    const open = state.open;
    return open && (!delta || delta.ids.has(open.id)) ? checkOpen(open) : null;
  }

  /**
   * Subtask progress of the parents shown on the board whose subtasks are shown too (cards carry
   * `parent_id`, not child counts): one list_tasks of each such parent's subtasks, at most
   * `PROGRESS_PARENTS` per refresh. Exact up to 100 subtasks per parent.
   */
  async function loadProgress(delta, shownBefore) {
    const shown = [...state.columns.values()].flatMap((e) => e.tasks);
    const ids = new Set(shown.map((t) => t.id));
    const parents = [...new Set(shown.map((t) => t.parent_id).filter((id) => id && ids.has(id)))].slice(0, PROGRESS_PARENTS);
    const generation = state.generation;
    const progress = new Map();
    // Re-read a parent only when it, or one of its subtasks (shown before or now, or re-parented), changed.
    const parentOf = new Map([...shownBefore, ...shown.map((t) => [t.id, t.parent_id])]);
    const touched = new Set(delta ? [...delta.parents, ...[...delta.ids].map((id) => parentOf.get(id)).filter(Boolean)] : []);
    const stale = parents.filter((id) => !delta || delta.ids.has(id) || touched.has(id) || !state.progress.has(id));
    for (const id of parents) if (!stale.includes(id)) progress.set(id, state.progress.get(id));
    await Promise.all(
      stale.map(async (id) => {
        const page = await client.callTool('list_tasks', { parent_id: id, status: ALL_STATUSES, limit: 100 });
        progress.set(id, { done: (page.tasks ?? []).filter((t) => t.status === 'done').length, total: page.total ?? 0 });
      }),
    );
    if (generation !== state.generation) return;
    state.progress = progress;
    for (const col of COLUMNS) renderColumn(col);
  }

  // ---- stats and activity -------------------------------------------------------------------
  async function refreshStats() {
    const s = client.readResource ? await client.readResource('tasks://stats') : await client.callTool('get_task_stats', {});
    const by = s.by_status ?? {};
    const open = (by.todo ?? 0) + (by.in_progress ?? 0) + (by.blocked ?? 0);
    fill(ui.stats, `${open} open · ${s.overdue ?? 0} overdue · ${s.completed_last_7_days ?? 0} done in 7 days · ${s.total ?? 0} in all`);
  }

  /**
   * The feed, and what changed since the last read: `{ ids, parents }` (tasks changed; parents
   * named by a `parent_id` change), or undefined when that is unknown (first read, or more changes
   * than one read returns). From the `tasks://changes` resource (the last 50, gap-free `seq`);
   * through list_changes where there is no resource read (the last hour first, then its cursor).
   */
  async function refreshFeed() {
    let fresh;
    if (client.readResource) {
      const changes = (await client.readResource('tasks://changes')).changes ?? [];
      if (state.lastSeq !== null && (changes.length === 0 || changes[0].seq <= state.lastSeq + 1)) fresh = changes.filter((c) => c.seq > state.lastSeq);
      state.lastSeq = changes.length ? changes[changes.length - 1].seq : (state.lastSeq ?? 0);
      state.feed = changes.slice(-FEED_SIZE);
    } else {
      let cursor = state.feedCursor;
      const read = [];
      const since = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
      let complete = false;
      for (let pages = 0; pages < 20 && !complete; pages++) {
        const page = await client.callTool('list_changes', cursor ? { cursor, limit: 200 } : { since, limit: 200 });
        read.push(...(page.changes ?? []));
        cursor = page.next_cursor ?? cursor;
        complete = !page.has_more;
      }
      if (state.feedCursor && complete) fresh = read;
      state.feedCursor = cursor;
      state.feed = [...state.feed, ...read].slice(-FEED_SIZE);
    }
    fill(ui.feed, [...state.feed].reverse().map(changeItem));
    if (!fresh) return undefined;
    const parents = fresh.flatMap((c) => (Array.isArray(c.fields?.parent_id) ? c.fields.parent_id.filter((v) => typeof v === 'number') : []));
    return { ids: new Set(fresh.map((c) => c.task_id)), parents: new Set(parents) };
  }

  function changeItem(c) {
    return h(
      'li',
      { 'data-seq': String(c.seq) },
      h('strong', {}, `#${c.task_id} ${c.kind}`),
      ' ',
      describeChange(c),
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
    const view = client.readResource ? await client.readResource(`tasks://${open.id}`) : await client.callTool('get_task', { id: open.id, comments_limit: 1 });
    if (state.open !== open || view.task.version === open.view.task.version) return;
    // Only the notice is added: the form keeps what the human has chosen so far.
    ui.panel.querySelector('.stale-slot')?.replaceChildren(staleNotice(open.id, view.task));
  }

  function staleNotice(id, current) {
    return h(
      'div',
      { class: 'notice stale', role: 'status' },
      `Changed by ${current.updated_by?.principal ?? 'someone'} since you opened it (now version ${current.version}). `,
      h('button', { type: 'button', class: 'reload', onclick: () => openTask(id) }, 'Show the current task'),
    );
  }

  function closePanel() {
    state.open = null;
    ui.panel.hidden = true;
    ui.panel.replaceChildren();
  }

  function renderPanel() {
    const { view, notice } = state.open;
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
      h('div', { class: 'stale-slot' }),
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
          describeChange(c),
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
  let lastFlush = 0;
  /**
   * Coalesce notifications: the first change after a quiet spell is shown at once (30 ms), a busy
   * stream at most every 600 ms (so still within 1 s), one refresh in flight. On the plain board a
   * refresh is three or four resource reads and at most a few tool calls (the done column, the
   * changed parents' progress): well within the budgets a board without --auth shares with the
   * local agents (HTTP 3,000 requests, 600 tool reads a minute by default).
   */
  function changed() {
    if (pending) return;
    pending = setTimeout(flush, Math.max(30, lastFlush + MIN_REFRESH_MS - Date.now()));
  }
  async function flush() {
    if (running) {
      pending = setTimeout(flush, MIN_REFRESH_MS);
      return;
    }
    pending = null;
    running = true;
    lastFlush = Date.now();
    try {
      await refreshAfterChanges();
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
      entry.expanded = false;
    }
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => refreshColumns().catch(report), 200);
  }

  return {
    state,
    async start() {
      for (const col of COLUMNS) renderColumn(col);
      // What this credential may do (tools/list) is asked alongside the first read; cards do not depend on it.
      const [names] = await Promise.all([client.toolNames(), refreshColumns()]);
      state.can = new Set([...names].filter((n) => WRITE_TOOLS.includes(n)));
      ui.board.dataset.ready = 'true';
      performance.mark('taskwire-board-ready'); // time to first render, read by bench/board.mjs
      refreshStats().catch(report);
      refreshFeed().catch(report);
      return client.listen(['tasks://board'], changed, options.onLive ?? (() => undefined));
    },
    setFilters,
    openTask,
    refresh: flush,
  };
}

/** One change in a few words: what a create made, what a comment said, which fields went from what to what. */
function describeChange(c) {
  const f = c.fields ?? {};
  if (c.kind === 'create' || c.kind === 'import') return `“${show(f.title?.[1])}”`;
  if (c.kind === 'comment') return `“${show(f.comment?.[1])}”`;
  const { lease: _lease, ...rest } = f;
  return describeFields(rest);
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
