import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuardrailEvent } from '../../src/guard/events.js';
import { countTokens } from '../../src/guard/tokens.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { call, connect, tempDir, testConfig } from '../harness.js';

/**
 * Result budgets through a real SDK client (which validates every page
 * against the tool's output schema): pages fit their token budget, never cut
 * a record, and walking next_cursor yields every record exactly once.
 */
type Page = { tasks: Array<{ id: number; title: string }>; total: number; next_cursor: string | null; truncated: boolean };
type SearchPage = { results: Array<{ task: { id: number } }>; total: number; next_cursor: string | null; truncated: boolean };

const TASKS = 130;
const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
const title = (i: number) => `Task ${i} budget ${Array.from({ length: 8 + (i % 20) }, (_, k) => words[(i + k) % words.length]).join(' ')}`.slice(0, 200);

/** Tokens the client's model would see from a result: its text blocks and its structured content. */
function resultTokens(result: { content: Array<{ type: string; text?: string }>; structuredContent?: unknown }): number {
  const text = result.content.map((c) => c.text ?? '').join('\n');
  return countTokens(text) + countTokens(JSON.stringify(result.structuredContent ?? {}));
}

describe('result budgets', () => {
  let app: App;
  let cleanup: () => void;
  let client: Awaited<ReturnType<typeof connect>>;
  const events: GuardrailEvent[] = [];
  beforeAll(async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    app = createApp(TOOLSETS, testConfig({ 'max-result-tokens': '1500', 'loop-threshold': '0' }, tmp.dir), silentLogger, undefined, 'tester', {
      onGuardrail: (e) => events.push(e),
    });
    client = await connect(app, 'legacy');
    for (let start = 0; start < TASKS; start += 50) {
      const tasks = Array.from({ length: Math.min(50, TASKS - start) }, (_, k) => ({ title: title(start + k), labels: ['budget'], priority: 'medium' }));
      const r = await call(client.client, 'create_tasks', { tasks });
      expect(r.isError).toBe(false);
    }
  });
  afterAll(async () => {
    await client.close();
    await app.close();
    cleanup();
  });

  const raw = async (name: string, args: Record<string, unknown>) =>
    (await client.client.callTool({ name, arguments: args })) as {
      content: Array<{ type: string; text?: string }>;
      structuredContent?: Record<string, unknown>;
      isError?: boolean;
    };

  it('cuts a page to whole records within max_tokens, with truncated, next_cursor and total', async () => {
    const r = await raw('list_tasks', { limit: 100, max_tokens: 1000 });
    expect(r.isError).toBeFalsy();
    const page = r.structuredContent as unknown as Page;
    expect(page.truncated).toBe(true);
    expect(page.total).toBe(TASKS);
    expect(page.next_cursor).toEqual(expect.any(String));
    expect(page.tasks.length).toBeGreaterThan(3);
    expect(page.tasks.length).toBeLessThan(100);
    for (const t of page.tasks) expect(t.title).toMatch(/^Task \d+ budget /); // whole records
    expect(resultTokens(r)).toBeLessThanOrEqual(1000);
    expect(r.content[0]?.text).toMatch(/page cut to fit max_tokens/);
    expect(events.some((e) => e.type === 'truncated' && e.tool === 'list_tasks' && e.maxTokens === 1000)).toBe(true);
  });

  it('applies the server default (--max-result-tokens) when max_tokens is omitted', async () => {
    const r = await raw('list_tasks', { limit: 100 });
    const page = r.structuredContent as unknown as Page;
    expect(page.truncated).toBe(true);
    expect(resultTokens(r)).toBeLessThanOrEqual(1500);
    const small = (await raw('list_tasks', { limit: 5 })).structuredContent as unknown as Page;
    expect(small.truncated).toBe(false);
    expect(small.tasks).toHaveLength(5);
  });

  it('walking next_cursor under any budget yields every task exactly once, every page within budget', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 200, max: 4000 }), fc.integer({ min: 1, max: 100 }), async (maxTokens, limit) => {
        const seen: number[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < TASKS + 1; pages++) {
          const r = await raw('list_tasks', { limit, max_tokens: maxTokens, sort: 'id', ...(cursor ? { cursor } : {}) });
          const page = r.structuredContent as unknown as Page;
          expect(page.tasks.length).toBeGreaterThan(0);
          if (page.tasks.length > 1) expect(resultTokens(r)).toBeLessThanOrEqual(maxTokens);
          seen.push(...page.tasks.map((t) => t.id));
          if (page.next_cursor === null) break;
          cursor = page.next_cursor;
        }
        expect(seen).toHaveLength(TASKS);
        expect(new Set(seen).size).toBe(TASKS);
        expect(seen).toEqual([...seen].sort((a, b) => a - b));
      }),
      { numRuns: 6, seed: 4242 },
    );
  });

  it('budgets search_tasks the same way', async () => {
    const seen = new Set<number>();
    let cursor: string | undefined;
    let truncatedOnce = false;
    for (let pages = 0; pages < TASKS + 1; pages++) {
      const r = await raw('search_tasks', { query: 'budget', limit: 50, max_tokens: 800, ...(cursor ? { cursor } : {}) });
      const page = r.structuredContent as unknown as SearchPage;
      truncatedOnce ||= page.truncated;
      if (page.results.length > 1) expect(resultTokens(r)).toBeLessThanOrEqual(800);
      for (const h of page.results) {
        expect(seen.has(h.task.id)).toBe(false);
        seen.add(h.task.id);
      }
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    expect(truncatedOnce).toBe(true);
    expect(seen.size).toBe(TASKS);
  });

  it('accepts a different max_tokens while paging (the cursor is bound to the filters, not the budget)', async () => {
    const first = (await raw('list_tasks', { limit: 50, max_tokens: 300, sort: 'id' })).structuredContent as unknown as Page;
    const second = (await raw('list_tasks', { limit: 50, max_tokens: 3000, sort: 'id', cursor: first.next_cursor })).structuredContent as unknown as Page;
    expect(second.tasks[0]?.id).toBe((first.tasks.at(-1)?.id ?? 0) + 1);
  });

  it('keeps only the newest whole comments that fit in get_task', async () => {
    for (let i = 0; i < 30; i++) {
      const body = `Comment ${i}: ${words.join(' ').repeat(12)}`; // ~ 400 tokens each
      expect((await call(client.client, 'add_comment', { task_id: 1, body })).isError).toBe(false);
    }
    const r = await raw('get_task', { id: 1, comments_limit: 100 });
    const detail = r.structuredContent as { comments: Array<{ body: string }>; comments_total: number };
    expect(detail.comments_total).toBe(30);
    expect(detail.comments.length).toBeGreaterThan(0);
    expect(detail.comments.length).toBeLessThan(30);
    expect(detail.comments.at(-1)?.body).toMatch(/^Comment 29: /); // the newest kept, whole
    for (const c of detail.comments) expect(c.body.endsWith(words.join(' ').repeat(12).trim()), 'whole comment').toBe(true);
    expect(resultTokens(r)).toBeLessThanOrEqual(1500);
    expect(r.content[0]?.text).toMatch(/older ones cut to fit the result budget/);
  });

  it('rejects a max_tokens below 200 naming the field', async () => {
    const r = await call(client.client, 'list_tasks', { max_tokens: 10 });
    expect(r.error.code).toBe('invalid_input');
    expect(r.error.fields).toEqual([{ field: 'max_tokens', message: 'must be at least 200' }]);
  });
});
