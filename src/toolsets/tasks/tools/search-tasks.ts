import { z } from 'zod';
import type { SearchHit } from '../../../store/types.js';
import { tokenFit } from '../budget.js';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { tasksOf } from '../deps.js';
import { Assignee, Cursor, Label, Limit, MaxTokens, Status, text } from '../fields.js';
import { cardLine, pageFooter, toCard } from '../format.js';
import { CardOut, outObject, PageOut } from '../schemas.js';

export const searchTasks = taskTool({
  name: 'search_tasks',
  title: 'Search tasks',
  description: 'Full-text search of titles, descriptions and comments (all words, prefixes count), best first, with a **bold** snippet. All statuses unless filtered.',
  input: z.strictObject({
    query: text(500),
    status: z.array(Status).min(1).optional(),
    label: Label.optional(),
    assignee: Assignee.optional(),
    limit: Limit(10, 50),
    cursor: Cursor.optional(),
    max_tokens: MaxTokens.optional(),
  }),
  output: outObject({
    results: z.array(outObject({ task: CardOut, score: z.number(), snippet: z.string(), matched_in: z.string() })),
    ...PageOut,
  }),
  annotations: READ_ONLY,
  scopes: READ,
  handler: async (args, ctx) => {
    const { max_tokens, ...query } = args;
    const keep = max_tokens === undefined ? undefined : tokenFit(max_tokens, hitOut, hitLine);
    const page = await tasksOf(ctx).searchTasks(ctx.caller, query, keep);
    const lines = page.results.map(hitLine);
    return {
      structured: { results: page.results.map(hitOut), total: page.total, next_cursor: page.next_cursor, truncated: page.truncated },
      text: (lines.length === 0 ? `No task matches "${args.query}".` : lines.join('\n')) + pageFooter(lines.length, page.total, page.next_cursor, page.truncated),
    };
  },
});

const hitOut = (h: SearchHit) => ({ ...h, task: toCard(h.task) });
const hitLine = (h: SearchHit) => `${cardLine(h.task)}\n  ${h.matched_in}: ${h.snippet.replace(/\s+/g, ' ')}`;
