import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { observe } from '../../src/middleware/observe.js';
import { COMPLETION, promptOperation, toolOperation } from '../../src/middleware/operation.js';
import type { Call, ToolCall, ToolResult } from '../../src/middleware/types.js';
import type { RequestContext } from '../../src/server/context.js';
import type { AuditLog, AuditRecord } from '../../src/store/types.js';
import { AuditWriter } from '../../src/telemetry/audit-writer.js';
import { enableTracing } from '../../src/telemetry/tracing.js';
import { defineTool } from '../../src/toolkit/define.js';
import { ToolError } from '../../src/toolkit/errors.js';

/**
 * The observation step on its own: one outcome and one duration per call,
 * read from what the error boundary recorded, reaching the call log, the
 * client's log, the span and the audit trail alike.
 */
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => {
  provider.register();
  enableTracing(true);
});
afterAll(async () => {
  enableTracing(false);
  await provider.shutdown();
});

const write = defineTool({
  name: 'save_thing',
  title: 'Save',
  description: 'A write tool for middleware tests.',
  input: z.strictObject({ title: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scopes: [],
  handler: async () => ({ structured: {}, text: 'ok' }),
});
const prompt = { name: 'plan_day', title: 'Plan', description: 'p', scopes: [], get: async () => ({ messages: [] }) };

/** The store side of the audit trail, in memory: what the writer hands to `append`. */
function memoryAudit(): AuditLog & { rows: AuditRecord[] } {
  const rows: AuditRecord[] = [];
  return { rows, append: async (batch) => void rows.push(...batch), query: async () => rows, prune: async () => 0 };
}

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const log = memoryAudit();
  const audit = new AuditWriter(log, logger, { flushMs: 1 });
  const sent: Array<[string, Record<string, unknown>]> = [];
  const ctx = {
    caller: { workspace: 'acme', actor: { principal: 'ana', client: 'claude', client_version: '2.0' }, admin: false },
    clientVersion: '2.0',
    clientLog: async (level: string, data: Record<string, unknown>) => void sent.push([level, data]),
  } as unknown as RequestContext;
  return { lines, logger, log, audit, sent, ctx, step: observe({ logger, traceContent: true, audit }) };
}

describe('observe', () => {
  it('reports a tool call once to the log, the client log, the span and the audit row, with the arguments of a write', async () => {
    const { lines, log, audit, sent, ctx, step } = setup();
    const call: ToolCall<RequestContext> = { op: toolOperation(write), tool: write, args: { title: 'x' }, ctx, requestId: 3 };
    const result: ToolResult = { content: [{ type: 'text', text: 'saved' }], structuredContent: { id: 1 } };
    exporter.reset();
    const got = await trace.getTracer('test').startActiveSpan('tools/call save_thing', async (active) => {
      const r = await step(call, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return result;
      });
      active.end();
      return r;
    });
    expect(got).toBe(result);
    expect(lines).toEqual([expect.objectContaining({ msg: 'tools/call', tool: 'save_thing', requestId: 3, principal: 'ana', workspace: 'acme', outcome: 'ok' })]);
    expect(lines[0]?.ms).toBeGreaterThanOrEqual(4);
    expect(sent).toEqual([['info', expect.objectContaining({ message: expect.stringMatching(/^save_thing: ok in [\d.]+ ms$/), outcome: 'ok' })]]);
    const traced = exporter.getFinishedSpans().find((s) => s.attributes['taskwire.outcome'] !== undefined);
    expect(traced?.attributes).toMatchObject({
      'taskwire.principal': 'ana',
      'taskwire.workspace': 'acme',
      'taskwire.outcome': 'ok',
      'gen_ai.tool.call.arguments': '{"title":"x"}',
      'gen_ai.tool.call.result': 'saved',
    });
    await audit.flush();
    expect(log.rows).toEqual([
      expect.objectContaining({
        tool: 'save_thing',
        principal: 'ana',
        workspace: 'acme',
        client_name: 'claude',
        client_version: '2.0',
        args: '{"title":"x"}',
        outcome: 'ok',
        request_id: '3',
      }),
    ]);
    expect(log.rows[0]?.duration_ms).toBeCloseTo(Number(lines[0]?.ms), 1);
    expect(log.rows[0]?.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('takes the outcome from the error the boundary recorded, never from the result text', async () => {
    const { lines, log, audit, sent, ctx, step } = setup();
    const call: ToolCall<RequestContext> = { op: toolOperation(write), tool: write, args: { title: 'x' }, ctx, requestId: 4 };
    await step(call, async (c) => {
      c.error = new ToolError('rate_limited', 'slow down', { retryAfterMs: 100 });
      return { content: [{ type: 'text', text: 'not our error body' }], isError: true };
    });
    expect(lines[0]).toMatchObject({ outcome: 'rate_limited' });
    expect(sent[0]?.[0]).toBe('warning');
    await audit.flush();
    expect(log.rows[0]).toMatchObject({ outcome: 'rate_limited' });
  });

  it('observes a prompt get that rejects: the recorded code, its arguments hashed only, under its label; the rejection passes through', async () => {
    const { lines, log, audit, ctx, step } = setup();
    const call: Call<RequestContext> = { op: promptOperation(prompt), args: { day: 'today' }, ctx, requestId: 5 };
    const typed = new ToolError('timeout', 'too slow');
    await expect(
      step(call, async (c) => {
        c.error = typed;
        throw typed;
      }),
    ).rejects.toBe(typed);
    expect(lines[0]).toMatchObject({ msg: 'prompts/get', tool: 'prompts/get plan_day', outcome: 'timeout' });
    await audit.flush();
    expect(log.rows[0]).toMatchObject({ tool: 'prompts/get plan_day', outcome: 'timeout', args: null });
    expect(log.rows[0]?.args_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('logs completions without an audit row', async () => {
    const { lines, log, audit, ctx, step } = setup();
    expect(await step({ op: COMPLETION, args: { value: '1' }, ctx, requestId: 6 }, async () => ['10', '11'])).toEqual(['10', '11']);
    expect(lines[0]).toMatchObject({ msg: 'completion/complete', outcome: 'ok' });
    await audit.flush();
    expect(log.rows).toEqual([]);
  });
});
