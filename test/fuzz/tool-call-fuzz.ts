import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Era, type Harness, harness, ok } from '../harness.js';
import { fromSchema } from './schema-arbitrary.js';
import { FUZZ, Tally } from './tally.js';
import { fuzzCall, toolCalls } from './tool-calls.js';

/**
 * The tool-call fuzz of one era (tool-calls-legacy.test.ts, tool-calls-modern.test.ts: two
 * files, so vitest runs the eras side by side). Issue 13 item 9: tool-call arguments from each tool's own input schema plus
 * hostile mutations, through the real SDK client in both eras (test/harness.ts:
 * a long-lived 2025-11-25 session, and 2026-07-28 stateless requests through
 * `createMcpHandler`). 0 hangs, 0 unstructured or internal errors, 0 JSON-RPC
 * errors for object arguments; the server still answers afterwards. The HTTP
 * and stdio layers get raw frames (http-frames.test.ts, stdio-frames.test.ts).
 */
/** Per era (5,000 argument sets in all by default). */
const RUNS = FUZZ.runs(0.25, 2_500);

export const describeToolCallFuzz = (era: Era) =>
  describe(`tool-call fuzz over the real client (${era} era)`, () => {
    let h: Harness;
    beforeAll(async () => {
      // flood limits off so every input reaches validation and the handlers (rate_limited would end most calls)
      h = await harness(era, { 'rate-limit-reads': '0', 'rate-limit-writes': '0', 'loop-threshold': '0' });
      await ok(h.client, 'create_tasks', {
        tasks: Array.from({ length: 30 }, (_, i) => ({
          ref: `t${i}`,
          title: `Seed task ${i}`,
          labels: ['seed', `l${i % 3}`],
          ...(i > 0 ? { depends_on: [`t${i - 1}`] } : {}),
        })),
      });
    });
    afterAll(async () => {
      await h?.close();
    });

    it(
      `answers ${RUNS} argument sets with a result or a structured error, each within 2 s`,
      async () => {
        const tools = (await h.client.listTools()).tools as unknown as Parameters<typeof toolCalls>[0];
        // warm up (statements prepared, code compiled) so the hang limit measures inputs, not a cold start
        // (the first count of a result budget reads the o200k rank table: seconds here, once per process)
        const warm = new Tally('warm-up');
        await fuzzCall(h.client, { name: 'get_task', args: { id: 1 } }, warm);
        for (const t of tools)
          for (const args of fc.sample(fromSchema(t.inputSchema), { numRuns: 3, seed: FUZZ.seed })) await fuzzCall(h.client, { name: t.name, args }, warm);
        const tally = new Tally(`tool calls (${era})`);
        await fc.assert(
          fc.asyncProperty(toolCalls(tools), async (call) => {
            await fuzzCall(h.client, call, tally);
            return true;
          }),
          { numRuns: RUNS, seed: FUZZ.seed + (era === 'legacy' ? 0 : 1) },
        );
        await ok(h.client, 'get_task_stats'); // still serving
        tally.report();
        console.log(tally.summary());
        expect(tally.tried).toBe(RUNS);
        expect(tally.failed, tally.summary()).toBe(0);
      },
      60_000 + RUNS * 60,
    );
  });
