import type { Client } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/toolkit/errors.js';
import { DEFAULT_DEPTH, mutate } from './hostile.js';
import { fromSchema, type JsonSchema } from './schema-arbitrary.js';
import { HANG_MS, HangError, short, type Tally, within } from './tally.js';

/**
 * Tool-call fuzzing over a real `@modelcontextprotocol/client`: argument sets
 * drawn from each tool's published input schema, half of them mutated into
 * hostile ones, and how each call may end:
 * - a result (`ok`), or an `isError` result whose text is our structured body
 *   `{"error": {"code", "message", ...}}` with a code other than `internal`;
 * - for arguments that are not an object, a JSON-RPC -32602;
 * - anything else is a failure, by kind: `hang` (no answer in HANG_MS),
 *   `unstructured` (an error text that is not our body), `internal` (our 500),
 *   `jsonrpc_<code>`, `http_5xx`, `client_<code>` (the SDK client refused the answer).
 */
export interface ToolCall {
  name: string;
  args: unknown;
}

interface ListedTool {
  name: string;
  inputSchema: JsonSchema;
}

export function toolCalls(tools: ListedTool[], deep = DEFAULT_DEPTH): fc.Arbitrary<ToolCall> {
  return fc.constantFrom(...tools).chain((tool) => {
    const valid = fromSchema(tool.inputSchema) as fc.Arbitrary<Record<string, unknown>>;
    const keys = Object.keys(tool.inputSchema.properties ?? {});
    const args = fc.oneof(
      { weight: 5, arbitrary: valid },
      { weight: 5, arbitrary: valid.chain((v) => mutate(v, keys, deep)) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, [], [1, 2], 'args', 42, true) },
    );
    return args.map((a) => ({ name: tool.name, args: a }));
  });
}

const CODES = new Set(Object.keys(ERROR_CODES));

/**
 * Make one call and record how it ended. A call unanswered after HANG_MS is
 * let finish (bounded) and made once more: only a second miss is a `hang`, so
 * a stall of this loaded shared machine is not blamed on the input (counted as
 * `slow_once`; the report lists the slowest calls).
 */
export async function fuzzCall(client: Client, call: ToolCall, tally: Tally): Promise<void> {
  const first = await callOnce(client, call, tally, false);
  if (first === 'late') {
    tally.ok('slow_once');
    tally.tried--; // the retry is the same input
    await callOnce(client, call, tally, true);
  }
}

async function callOnce(client: Client, call: ToolCall, tally: Tally, retry: boolean): Promise<'late' | undefined> {
  const isObject = call.args !== null && typeof call.args === 'object' && !Array.isArray(call.args);
  let result: { isError?: boolean; content?: Array<{ type: string; text?: string }> };
  const started = performance.now();
  const pending = client.callTool({ name: call.name, arguments: call.args as Record<string, unknown> });
  try {
    result = (await within(pending, HANG_MS)) as typeof result;
    const ms = performance.now() - started;
    tally.timed(ms, call);
    // answered, but late: an event loop blocked past the limit (the timer could not fire in time)
    if (ms > HANG_MS) {
      if (retry) return void tally.fail('hang', call, `answered after ${Math.round(ms)} ms`);
      return 'late';
    }
  } catch (e) {
    const err = e as Error & { code?: unknown; status?: number };
    if (err instanceof HangError) {
      if (retry) return void tally.fail('hang', call, err.message);
      await within(pending, 5 * HANG_MS).catch(() => undefined);
      tally.timed(performance.now() - started, call);
      return 'late';
    }
    // the documented body cap (--max-body-bytes, 1 MiB): a 413, covered by test/e2e/http.test.ts
    if (/Request body larger than/.test(err.message)) return void tally.ok('http_413 (body cap)');
    if (typeof err.code === 'number') {
      if (!isObject && err.code === -32602) return void tally.ok('jsonrpc_-32602 (non-object arguments)');
      return void tally.fail(`jsonrpc_${err.code}`, call, err.message);
    }
    if (/\b5\d\d\b/.test(err.message)) return void tally.fail('http_5xx', call, err.message);
    return void tally.fail(`client_${String(err.code ?? err.name)}`, call, err.message);
  }
  if (!result.isError) return void tally.ok('ok');
  const text = result.content?.find((c) => c.type === 'text')?.text ?? '';
  let code: unknown;
  try {
    code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
  } catch {
    code = undefined;
  }
  if (typeof code !== 'string' || !CODES.has(code)) return void tally.fail('unstructured', call, short(text));
  if (code === 'internal') return void tally.fail('internal', call, short(text));
  tally.ok(code);
}
