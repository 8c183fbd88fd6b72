import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { COMPLETION, resourceOperation, toolOperation } from '../../src/middleware/operation.js';
import { createPipeline, type GuardrailSteps } from '../../src/middleware/pipeline.js';
import type { Call, ToolCall, ToolResult } from '../../src/middleware/types.js';
import type { RequestContext } from '../../src/server/context.js';
import type { AuditRecord } from '../../src/store/types.js';
import { AuditWriter } from '../../src/telemetry/audit-writer.js';
import { ToolError } from '../../src/toolkit/errors.js';

/** The onion as declared: which steps wrap each kind of operation, in which order, and what the caller gets when an inner step refuses. */
const order: string[] = [];
const mark =
  (name: string) =>
  async <C, R>(call: C, next: (call: C) => Promise<R>): Promise<R> => {
    order.push(name);
    return next(call);
  };
const steps: GuardrailSteps = { rateLimit: mark('rateLimit'), timeout: mark('timeout'), loopDetect: mark('loopDetect'), resultBudget: mark('resultBudget') };

function setup(guardrails: GuardrailSteps | undefined = steps) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  );
  const rows: AuditRecord[] = [];
  const audit = new AuditWriter({ append: async (batch) => void rows.push(...batch), query: async () => rows, prune: async () => 0 }, logger, { flushMs: 1 });
  return { lines, rows, audit, pipeline: createPipeline({ logger, traceContent: false, audit, guardrails }) };
}
const ctx = { caller: { workspace: 'w', actor: { principal: 'p', client: null } } } as unknown as RequestContext;
const tool = { name: 'get_thing', input: {}, annotations: { readOnlyHint: true } } as never;
const resource = { name: 'thing', title: 'T', description: 'd', mimeType: 'text/plain', uri: 'things://{id}', scopes: [], read: async () => [] };

describe('createPipeline', () => {
  it('wraps tools/call in every guardrail, in the documented order, inside observation and the error boundary', async () => {
    order.length = 0;
    const { pipeline, lines } = setup();
    const run = pipeline.tool(async () => {
      order.push('handler');
      return { content: [] };
    });
    await run({ op: toolOperation(tool), tool, args: {}, ctx, requestId: 1 });
    expect(order).toEqual(['rateLimit', 'loopDetect', 'resultBudget', 'timeout', 'handler']);
    expect(lines).toEqual([expect.objectContaining({ msg: 'tools/call', tool: 'get_thing', outcome: 'ok' })]);
  });

  it('wraps reads, prompts and completions in the rate limit and the timeout only', async () => {
    order.length = 0;
    const { pipeline } = setup();
    const run = pipeline.request(async () => {
      order.push('handler');
      return 'contents';
    });
    expect(await run({ op: COMPLETION, args: {}, ctx, requestId: 2 })).toBe('contents');
    expect(order).toEqual(['rateLimit', 'timeout', 'handler']);
  });

  it('a refused read rejects with the typed error and is logged and audited with its code; an unknown failure is internal', async () => {
    const refuse: GuardrailSteps = {
      ...steps,
      rateLimit: async () => {
        throw new ToolError('rate_limited', 'Rate limit', { retryAfterMs: 900 });
      },
    };
    const { pipeline, lines, rows, audit } = setup(refuse);
    const read = pipeline.request(async (call: Call<RequestContext>) => call.args);
    const op = resourceOperation(resource);
    await expect(read({ op, args: { uri: 'things://1', vars: { id: '1' } }, ctx, requestId: 3 })).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 900 });
    const broken = setup(undefined);
    const fails = broken.pipeline.request(async () => {
      throw new Error('socket hang up at 10.0.0.7');
    });
    const thrown = await fails({ op, args: {}, ctx, requestId: 4 }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ToolError);
    expect(thrown).toMatchObject({ code: 'internal' });
    expect(JSON.stringify(thrown)).not.toMatch(/10\.0\.0\.7/);
    expect(lines).toEqual([expect.objectContaining({ msg: 'resources/read', tool: 'resources/read things://{id}', outcome: 'rate_limited' })]);
    await audit.flush();
    expect(rows).toEqual([expect.objectContaining({ tool: 'resources/read things://{id}', outcome: 'rate_limited', args: null })]);
  });

  it('a read whose observation throws (an audit writer failing) rejects with the masked internal error, logged once', async () => {
    const { pipeline, lines, audit } = setup(undefined);
    audit.push = () => {
      throw new Error('audit queue corrupted at 0xdeadbeef');
    };
    const read = pipeline.request(async () => 'contents');
    const thrown = await read({ op: resourceOperation(resource), args: { uri: 'things://1', vars: { id: '1' } }, ctx, requestId: 6 }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ToolError);
    expect(thrown).toMatchObject({ code: 'internal' });
    expect(JSON.stringify((thrown as ToolError).toBody())).not.toMatch(/deadbeef|corrupted/);
    expect(lines.filter((l) => l.level === 50)).toEqual([expect.objectContaining({ tool: 'resources/read things://{id}', requestId: 6 })]);
  });

  it('with guardrails off, a tool call still gets observation and the error boundary', async () => {
    const { pipeline, lines } = setup(undefined);
    const run = pipeline.tool(async () => {
      throw new Error('boom');
    });
    const r: ToolResult = await run({ op: toolOperation(tool), tool, args: {}, ctx, requestId: 5 } as ToolCall<RequestContext>);
    expect(r.isError).toBe(true);
    expect(JSON.parse(String(r.content[0]?.text)).error.code).toBe('internal');
    expect(lines.find((l) => l.msg === 'tools/call')).toMatchObject({ outcome: 'internal' });
  });
});
