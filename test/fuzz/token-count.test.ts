import { getEncoding } from 'js-tiktoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../../src/guard/tokens.js';
import { call, type Harness, harness, ok } from '../harness.js';

/**
 * Found by the tool-call fuzz: counting the tokens of a long run without
 * white space (CJK text, emoji, a repeated letter) took seconds to minutes in
 * js-tiktoken (quadratic merge), blocking the event loop for every caller of
 * the process. Counts stay exact for ordinary text, long runs are estimated at
 * or above the exact count, in linear time (fences generous for a loaded machine).
 */
const exact = getEncoding('o200k_base');
const CJK = '任务描述这是一个测试用的文本内容我们需要检查';

describe('token counting of hostile text', () => {
  it('is exact for prose, JSON, URLs and base64', () => {
    const card = JSON.stringify({ id: 12, title: 'Write the migration for labels', labels: ['db', 'backend'], due_date: '2026-12-31' });
    const samples = [
      'lorem ipsum dolor sit amet, '.repeat(50),
      card.repeat(10),
      'see https://github.com/org/repo/issues/12345#issuecomment-99 and '.repeat(10),
      Buffer.from(Array.from({ length: 300 }, (_, i) => String.fromCharCode(i % 256)).join('')).toString('base64'),
      'Fix `parseRows()` — see 🚀 ünïcödé 数据库 done. '.repeat(10),
    ];
    for (const s of samples) expect(countTokens(s), s.slice(0, 40)).toBe(exact.encode(s).length);
  });

  it('estimates long runs at or above the exact count', () => {
    for (const s of [CJK.repeat(5), '😀'.repeat(60), 'é'.repeat(100), 'x'.repeat(500)]) {
      expect(countTokens(s), s.slice(0, 10)).toBeGreaterThanOrEqual(exact.encode(s).length);
    }
  });

  it('counts 20,000 characters of CJK, emoji or one letter in well under a second each', () => {
    countTokens('warm up');
    for (const s of [CJK.repeat(900), '😀'.repeat(20_000), 'x'.repeat(200_000), '😀😀😀😀 '.repeat(4_000)]) {
      const started = performance.now();
      countTokens(s);
      expect(performance.now() - started, s.slice(0, 10)).toBeLessThan(1_500);
    }
  });
});

describe('a task with a long CJK description', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('modern');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is read by get_task within 2 s (about 10 s before, the event loop blocked)', async () => {
    await ok(h.client, 'create_tasks', { tasks: [{ title: 'Long CJK', description: CJK.repeat(200) }] });
    await ok(h.client, 'add_comment', { task_id: 1, body: '😀'.repeat(2_000) });
    const started = performance.now();
    const r = await call(h.client, 'get_task', { id: 1 });
    expect(r.isError).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
