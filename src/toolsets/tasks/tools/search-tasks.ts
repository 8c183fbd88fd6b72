import { z } from 'zod';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { Assignee, Cursor, Label, Limit, Status, text } from '../fields.js';
import { cardLine, pageFooter, toCard } from '../format.js';
import { PageOut, TaskCardOut } from '../schemas.js';

export const searchTasks = taskTool({
  name: 'search_tasks',
  title: 'Search tasks',
  description:
    'Full-text search over task titles, descriptions and comments (all words must match; word prefixes count), best matches first, with a snippet (matches in **bold**) and a relevance score (higher is better). Searches every status unless filtered. Follow next_cursor for more.',
  input: z.strictObject({
    query: text(500).describe('Words to look for, e.g. "login timeout"'),
    status: z.array(Status).min(1).optional(),
    label: Label.optional(),
    assignee: Assignee.optional(),
    limit: Limit(10, 50),
    cursor: Cursor.optional(),
  }),
  output: z.object({
    results: z.array(
      z.object({
        task: TaskCardOut,
        score: z.number(),
        snippet: z.string(),
        matched_in: z.enum(['title', 'description', 'comments']),
      }),
    ),
    ...PageOut,
  }),
  annotations: READ_ONLY,
  scopes: READ,
  handler: async (args, ctx) => {
    const page = await ctx.tasks.searchTasks(ctx.caller, args);
    const lines = page.results.map((h) => `${cardLine(h.task)}\n  ${h.matched_in}: ${h.snippet.replace(/\s+/g, ' ')}`);
    return {
      structured: {
        results: page.results.map((h) => ({ ...h, task: toCard(h.task) })),
        total: page.total,
        next_cursor: page.next_cursor,
      },
      text: (lines.length === 0 ? `No task matches "${args.query}".` : lines.join('\n')) + pageFooter(lines.length, page.total, page.next_cursor),
    };
  },
});
