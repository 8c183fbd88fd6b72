// The scale section's data generator (issue 12): workspaces of the shapes the issue names, grown through the real
// TaskService (create_tasks in batches of 50, add_comment) on a real store, deterministic for a seed.
// - main: the base mix (20% each of todo, in_progress, blocked, done, cancelled; 10 assignees; 20 labels),
//   with dependency chains 50 deep, tasks with 100 subtasks, and one "hot" task with 500 comments and 200 dependents,
//   spread through the growth (not appended at the end), plus a rare word (~1 task in 5,000) and a common word (12%).
// - blocked: nearly every todo task waits on an open dependency (blocked-heavy next_task).
// - small: a 100-task base-mix workspace (the many-workspaces figure: 49 of them next to one big workspace).
// Sizes above `bulkAbove` (1M with --huge) bulk-seed the base tasks through the store port (1,000 per transaction, no
// change records); the shapes still go through the service. Every loop is bounded by the requested size.
import { ASSIGNEES, LABELS, rng, VOCAB } from './dataset.mjs';

export const STATUSES = ['todo', 'in_progress', 'blocked', 'done', 'cancelled'];
const PRIORITIES = ['low', 'medium', 'high', 'critical'];
export const RARE_WORD = 'quokka';
export const COMMON_WORD = 'zephyr';
export const CHAIN_LABEL = 'chain';
export const SUB_LABEL = 'sub';
export const EPIC_LABEL = 'epic';
export const CHAIN_DEPTH = 50;
export const SUBTASKS = 100;
export const HOT_COMMENTS = 500;
export const HOT_DEPENDENTS = 200;
/** The comments on the hot task come from another principal, so the change feed has a selective principal filter. */
export const REVIEWER = { principal: 'reviewer', client: 'bench' };
const BATCH = 50;

export const callerOf = (workspace, principal = 'bench') => ({ workspace, actor: { principal, client: 'bench' } });

const words = (r, n) => Array.from({ length: n }, () => VOCAB[Math.floor(r() * VOCAB.length)]).join(' ');
const pick = (r, list) => list[Math.floor(r() * list.length)];

/** A base-mix task; `i` is its position in the workspace (the rare word goes to every 5,000th). */
export function baseTask(r, i, over = {}) {
  const common = r() < 0.12 ? ` ${COMMON_WORD}` : '';
  const rare = i % 5000 === 17 ? ` ${RARE_WORD}` : '';
  // Due dates from 2025-07 to 2027-06: about a third of the dated open tasks are overdue on 2026-12-01.
  const month = Math.floor(r() * 24);
  const due =
    r() < 0.5
      ? `${2025 + Math.floor((month + 6) / 12)}-${String(((month + 6) % 12) + 1).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`
      : undefined;
  const labels = [pick(r, LABELS)];
  if (r() < 0.2) labels.push(pick(r, LABELS));
  return {
    title: `${words(r, 3 + Math.floor(r() * 4))}${common}${rare}`,
    description: words(r, 15 + Math.floor(r() * 20)),
    status: pick(r, STATUSES),
    priority: pick(r, PRIORITIES),
    labels: [...new Set(labels)],
    ...(r() < 0.9 ? { assignee: pick(r, ASSIGNEES) } : {}),
    ...(due ? { due_date: due } : {}),
    ...over,
  };
}

/** Evenly interleave `special` steps among `base` steps (both arrays of thunks); returns one ordered list. */
function interleave(base, special) {
  const out = [];
  const every = special.length === 0 ? Infinity : (base.length + special.length) / special.length;
  let s = 0;
  let b = 0;
  for (let k = 0; k < base.length + special.length; k++) {
    if (s < special.length && (b >= base.length || k >= Math.floor(every * s + every / 2))) out.push(special[s++]);
    else out.push(base[b++]);
  }
  return out;
}

/**
 * Grow the main workspace of `caller` to `size` tasks (and the shapes) inside the running `service`.
 * @returns meta: ids the scale paths use (hot task, epics, chain heads, todo/open ids for writes), the growth
 *   rate (tasks/s through the service), the rate of the last tenth, and times the change-feed paths filter on.
 */
export async function growMain(service, store, caller, size, { seed = 12, bulkAbove = 100_000, log = () => {} } = {}) {
  const r = rng(seed);
  const meta = { workspace: caller.workspace, size, hot: 0, epics: [], chainHeads: [], plain: [], todo: [], open: [], bulk_seeded: 0 };
  const nChains = Math.max(2, Math.round(size / 5000));
  const nEpics = Math.max(2, Math.round(size / 10_000));
  const shaped = nChains * CHAIN_DEPTH + nEpics * (SUBTASKS + 1) + 1 + HOT_DEPENDENTS;
  let baseLeft = Math.max(0, size - shaped);
  let position = 0;
  const note = (created) => {
    for (const t of created) {
      position++;
      if (t.status === 'todo' && t.depends_on.length === 0 && t.parent_id === null) meta.todo.push(t.id);
      else if (t.status === 'in_progress' || t.status === 'blocked') meta.open.push(t.id);
      if (meta.plain.length < 50 && t.depends_on.length === 0 && t.parent_id === null && position % 97 === 0) meta.plain.push(t.id);
    }
  };
  let serviceTasks = 0;
  const create = async (items, as = caller) => {
    const { created } = await service.createTasks(as, items);
    serviceTasks += created.length;
    note(created);
    return created;
  };

  // Sizes past `bulkAbove`: the base tasks beyond it go in through the store port first (see the header).
  if (size > bulkAbove) {
    const bulk = baseLeft - Math.floor(bulkAbove * 0.9);
    const now = new Date().toISOString();
    for (let n = 0; n < bulk; n += 1000) {
      const count = Math.min(1000, bulk - n);
      await store.write(async (w) => {
        for (let i = 0; i < count; i++) {
          const t = baseTask(r, position + i);
          await w.insertTask(caller.workspace, { assignee: null, due_date: null, parent_id: null, ...t }, caller.actor, now);
        }
      });
      position += count;
      if (n % 100_000 === 0) log(`    bulk-seeded ${n + count} of ${bulk}`);
    }
    meta.bulk_seeded = bulk;
    baseLeft -= bulk;
  }

  // The hot task first: everything after it can depend on it and comment on it.
  const [hot] = await create([
    { title: `hot task with ${HOT_COMMENTS} comments and ${HOT_DEPENDENTS} dependents`, status: 'in_progress', priority: 'high', labels: ['hot'] },
  ]);
  meta.hot = hot.id;

  const base = [];
  for (let left = baseLeft; left > 0; left -= BATCH) {
    const n = Math.min(BATCH, left);
    base.push(() => create(Array.from({ length: n }, (_, i) => baseTask(r, position + i))));
  }
  const special = [];
  for (let c = 0; c < nChains; c++) {
    special.push(async () => {
      const items = Array.from({ length: CHAIN_DEPTH }, (_, k) =>
        baseTask(r, position + k, {
          ref: `c${k}`,
          status: 'todo',
          labels: [CHAIN_LABEL, pick(r, LABELS)],
          ...(k > 0 ? { depends_on: [`c${k - 1}`] } : {}),
        }),
      );
      const created = await create(items);
      meta.chainHeads.push(created[0].id);
    });
  }
  for (let e = 0; e < nEpics; e++) {
    let parent = 0;
    const sub = (k) => baseTask(r, position + k, { labels: [SUB_LABEL, pick(r, LABELS)], parent_id: parent || 'p' });
    special.push(async () => {
      const created = await create([
        baseTask(r, position, { ref: 'p', status: 'todo', priority: 'critical', labels: [EPIC_LABEL] }),
        ...Array.from({ length: BATCH - 1 }, (_, k) => sub(k + 1)),
      ]);
      parent = created[0].id;
      meta.epics.push(parent);
    });
    special.push(() => create(Array.from({ length: BATCH }, (_, k) => sub(k))));
    special.push(() => create([sub(0)])); // 49 + 50 + 1 = 100 subtasks
  }
  for (let d = 0; d < HOT_DEPENDENTS; d += BATCH) {
    special.push(() => create(Array.from({ length: BATCH }, (_, k) => baseTask(r, position + k, { depends_on: [meta.hot] }))));
  }
  const reviewer = { ...caller, actor: REVIEWER };
  const perStop = 10;
  for (let c = 0; c < HOT_COMMENTS; c += perStop) {
    special.push(async () => {
      for (let k = 0; k < perStop; k++) await service.addComment(reviewer, meta.hot, `review note ${c + k}: ${words(r, 12)}`);
    });
  }

  const steps = interleave(base, special);
  const started = performance.now();
  let tenthAt = 0;
  let tenthTasks = 0;
  for (let s = 0; s < steps.length; s++) {
    if (s === Math.floor(steps.length * 0.9)) {
      tenthAt = performance.now();
      tenthTasks = serviceTasks;
      meta.since_90 = new Date().toISOString();
    }
    if (s === Math.floor(steps.length / 2)) meta.since_50 = new Date().toISOString();
    await steps[s]();
    if (s > 0 && s % 500 === 0) log(`    ${caller.workspace}: ${position} tasks`);
  }
  const ended = performance.now();
  meta.grow_s = (ended - started) / 1000;
  meta.service_tasks = serviceTasks;
  meta.create_tasks_per_s = serviceTasks / meta.grow_s;
  meta.create_tasks_per_s_last_tenth = tenthAt ? (serviceTasks - tenthTasks) / ((ended - tenthAt) / 1000) : null;
  meta.tasks = position;
  return meta;
}

/**
 * Grow a blocked-heavy workspace to `size`: per batch of 50, 10 open blockers (in_progress / blocked), 30 todo tasks
 * each waiting on one of them (1 in 100 waits on nothing), 10 done or cancelled.
 */
export async function growBlocked(service, store, caller, size, { seed = 13, bulkAbove = 100_000, log = () => {} } = {}) {
  const r = rng(seed);
  const meta = { workspace: caller.workspace, size, bulk_seeded: 0 };
  let have = 0;
  const batch = (n) => {
    const items = [];
    for (let k = 0; k < n; k++) {
      const slot = k % 5;
      if (slot === 0) items.push(baseTask(r, have + k, { ref: `b${k}`, status: pick(r, ['in_progress', 'blocked']) }));
      else if (slot === 4) items.push(baseTask(r, have + k, { status: pick(r, ['done', 'cancelled']) }));
      else {
        const blocker = `b${k - slot}`;
        items.push(baseTask(r, have + k, { status: 'todo', ...(r() < 0.01 ? {} : { depends_on: [blocker] }) }));
      }
    }
    return items;
  };
  if (size > bulkAbove) {
    const bulk = size - Math.floor(bulkAbove * 0.9);
    const now = new Date().toISOString();
    for (let n = 0; n < bulk; n += 1000) {
      const count = Math.min(1000, bulk - n);
      await store.write(async (w) => {
        let blocker = 0;
        for (const [k, t] of batch(count).entries()) {
          const { ref, depends_on, ...fields } = t;
          const row = await w.insertTask(caller.workspace, { assignee: null, due_date: null, parent_id: null, ...fields }, caller.actor, now);
          if (k % 5 === 0) blocker = row.id;
          else if (depends_on) await w.setDependencies(caller.workspace, row.id, [blocker]);
        }
      });
      have += count;
      if (n % 100_000 === 0) log(`    bulk-seeded ${n + count} of ${bulk}`);
    }
    meta.bulk_seeded = bulk;
  }
  const started = performance.now();
  let serviceTasks = 0;
  while (have < size) {
    const n = Math.min(BATCH, size - have);
    const { created } = await service.createTasks(caller, batch(n));
    have += created.length;
    serviceTasks += created.length;
    if (have % 25_000 === 0) log(`    ${caller.workspace}: ${have} tasks`);
  }
  meta.grow_s = (performance.now() - started) / 1000;
  meta.create_tasks_per_s = serviceTasks / meta.grow_s;
  meta.tasks = have;
  return meta;
}

/** A 100-task base-mix workspace (two create_tasks calls); the same `seed` gives the same tasks. */
export async function growSmall(service, caller, { seed, tasks = 100 } = {}) {
  const r = rng(seed);
  const meta = { workspace: caller.workspace, ids: [], todo: [] };
  for (let n = 0; n < tasks; n += BATCH) {
    const { created } = await service.createTasks(
      caller,
      Array.from({ length: Math.min(BATCH, tasks - n) }, (_, i) => baseTask(r, n + i)),
    );
    for (const t of created) {
      meta.ids.push(t.id);
      if (t.status === 'todo') meta.todo.push(t.id);
    }
  }
  return meta;
}
