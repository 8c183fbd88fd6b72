import { z } from 'zod';
import { BOARD_APP_URI } from '../../../board/app-view.js';
import { budgetTokens, fitTokens } from '../../../guard/tokens.js';
import type { CommentRecord } from '../../../store/types.js';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { tasksOf } from '../deps.js';
import { Limit, TaskId } from '../fields.js';
import { cardLine, showTask } from '../format.js';
import { changeLine, showChange } from '../history.js';
import { CardOut, ChangeOut, CommentOut, outObject, TaskRefOut } from '../schemas.js';
import type { TaskDetail } from '../service.js';

export const getTask = taskTool({
  name: 'get_task',
  title: 'Get a task',
  description:
    "One task in full: description, newest comments, subtasks, dependencies (blocked_by: unfinished ones), dependents, lease; with history, its latest changes and each field's last writer.",
  input: z.strictObject({
    id: TaskId,
    comments_limit: Limit(20, 100).describe('Newest comments'),
    history: z.number().int().min(0).max(50).default(0).describe('Latest changes'),
  }),
  output: outObject({
    task: CardOut,
    comments: z.array(CommentOut),
    comments_total: z.number().int(),
    subtasks: z.array(TaskRefOut),
    dependencies: z.array(TaskRefOut),
    blocked_by: z.array(z.number().int()),
    dependents: z.array(TaskRefOut),
    history: z.array(ChangeOut).optional(),
    last_writers: z.record(z.string(), outObject({ seq: z.number().int() })).optional(),
  }),
  annotations: READ_ONLY,
  scopes: READ,
  ui: BOARD_APP_URI,
  handler: async (args, ctx) => {
    const full = await tasksOf(ctx).getTask(ctx.caller, args.id, args.comments_limit, args.history);
    const d = { ...full, task: showTask(full.task), comments: fitComments(full, ctx.resultTokens), history: full.history?.map(showChange) };
    const lines = [cardLine(full.task), `version ${d.task.version} · updated ${d.task.updated_at}`];
    if (d.task.description) lines.push('', d.task.description);
    if (d.blocked_by.length > 0) lines.push('', `Blocked by: ${d.blocked_by.map((b) => `#${b}`).join(', ')}`);
    if (d.subtasks.length > 0) lines.push('', 'Subtasks:', ...d.subtasks.map(cardLine));
    if (d.dependents.length > 0) lines.push('', `Dependents: ${d.dependents.map((t) => `#${t.id}`).join(', ')}`);
    if (d.comments.length > 0) {
      const cut = d.comments.length < full.comments.length ? '; older ones cut to fit the result budget' : '';
      lines.push('', `Comments (${d.comments.length} of ${d.comments_total}${cut}):`);
      for (const c of d.comments) lines.push(commentLine(c));
    }
    if (d.history && d.history.length > 0) lines.push('', 'History (newest first):', ...d.history.map(changeLine));
    const ref = (t: { id: number; title: string; status: string }) => ({ id: t.id, title: t.title, status: t.status });
    return { structured: { ...d, subtasks: d.subtasks.map(ref) }, text: lines.join('\n') };
  },
});

const commentLine = (c: CommentRecord) => `- ${c.author.principal} at ${c.created_at}: ${c.body}`;

/** The newest comments that fit the call's token budget after the rest of the task (never a cut comment). */
function fitComments(d: TaskDetail, budget: number | undefined): CommentRecord[] {
  if (budget === undefined || d.comments.length === 0) return d.comments;
  // A token is at least one byte: when the bytes fit, so do the tokens (and the tokenizer is never loaded for it).
  const bytes =
    Buffer.byteLength(JSON.stringify(d)) + Buffer.byteLength(d.task.description) + d.comments.reduce((n, c) => n + Buffer.byteLength(commentLine(c)) + 3, 150);
  if (bytes <= budget) return d.comments;
  const [json, description] = budgetTokens([JSON.stringify({ ...d, comments: [] }), d.task.description]) as [number, number];
  const rest = json + description + 150;
  const newestFirst = [...d.comments].reverse();
  const keep = fitTokens(newestFirst, (c) => [JSON.stringify(c), commentLine(c)], 3, budget - rest, 0);
  return d.comments.slice(d.comments.length - keep);
}
