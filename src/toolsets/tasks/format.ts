import type { z } from 'zod';
import type { TaskRecord } from '../../store/types.js';
import { liveLease, publicLease } from './history.js';
import type { TaskCardOut } from './schemas.js';

/** The compact card of a task: empty fields omitted. */
export function toCard(t: TaskRecord): z.output<typeof TaskCardOut> {
  const card: z.output<typeof TaskCardOut> = {
    id: t.id,
    title: t.title,
    status: t.status,
    priority: t.priority,
    version: t.version,
  };
  if (t.labels.length > 0) card.labels = t.labels;
  if (t.assignee !== null) card.assignee = t.assignee;
  if (t.due_date !== null) card.due_date = t.due_date;
  if (t.parent_id !== null) card.parent_id = t.parent_id;
  if (t.depends_on.length > 0) card.depends_on = t.depends_on;
  const lease = liveLease(t);
  if (lease) card.lease = publicLease(lease) ?? undefined;
  return card;
}

/** A whole task as callers see it: the lease only while it holds, and never its fencing token. */
export function showTask(t: TaskRecord): Omit<TaskRecord, 'lease'> & { lease: ReturnType<typeof publicLease> } {
  return { ...t, lease: publicLease(liveLease(t)) };
}

/** One line per task: `#12 [todo, high] Write the spec · due 2026-12-01 · @ana · #docs · after #3,#4`. */
export function cardLine(t: Pick<TaskRecord, 'id' | 'title' | 'status' | 'priority'> & Partial<TaskRecord>): string {
  const parts = [`#${t.id} [${t.status}, ${t.priority}] ${t.title}`];
  if (t.due_date) parts.push(`due ${t.due_date}`);
  if (t.assignee) parts.push(`@${t.assignee}`);
  if (t.labels && t.labels.length > 0) parts.push(t.labels.map((l) => `#${l}`).join(' '));
  if (t.parent_id) parts.push(`subtask of #${t.parent_id}`);
  if (t.depends_on && t.depends_on.length > 0) parts.push(`after ${t.depends_on.map((d) => `#${d}`).join(',')}`);
  const lease = t.lease ? liveLease({ lease: t.lease }) : null;
  if (lease) parts.push(`claimed by ${lease.holder.principal}${lease.holder.client ? ` (${lease.holder.client})` : ''} until ${lease.expires_at}`);
  return parts.join(' · ');
}

export function cardLines(tasks: readonly TaskRecord[]): string {
  return tasks.map(cardLine).join('\n');
}

/**
 * The text block of a page of cards (list_tasks): the page's ids in order, one line, e.g.
 * `20 tasks: #12 #7 #31 …`. It renders the structured content rather than repeating every
 * card beside it (the cards already travel as `structuredContent`; repeating them as lines
 * doubled a 20-task result, ~800 of ~1,970 tokens); `get_task` shows any one in full.
 */
export function pageIds(tasks: ReadonlyArray<Pick<TaskRecord, 'id'>>): string {
  if (tasks.length === 0) return 'No tasks match.';
  return `${tasks.length} task${tasks.length === 1 ? '' : 's'} (cards in structuredContent; get_task shows one in full): ${tasks.map(idRef).join(' ')}`;
}

/** `#12`: how a task appears in {@link pageIds} (and what a result budget counts for it there). */
export const idRef = (t: Pick<TaskRecord, 'id'>): string => `#${t.id}`;

/** `… 20 of 57 shown; pass cursor "abc" for more.` or nothing on the last page. `truncated`: the token budget cut the page. */
export function pageFooter(shown: number, total: number, nextCursor: string | null, truncated = false): string {
  if (nextCursor === null) return total === 0 ? '' : `\n(${total} in all)`;
  const why = truncated ? ' (page cut to fit max_tokens)' : '';
  return `\n(${shown} of ${total} shown${why}; call again with cursor "${nextCursor}" for the next page)`;
}
