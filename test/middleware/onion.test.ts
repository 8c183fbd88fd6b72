import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compose } from '../../src/middleware/compose.js';
import { errorBoundary, lastResort } from '../../src/middleware/errors.js';
import { outcomeOf } from '../../src/middleware/outcome.js';
import type { Middleware, ToolCall, ToolResult } from '../../src/middleware/types.js';
import { StoreError } from '../../src/store/types.js';
import { defineTool } from '../../src/toolkit/define.js';
import { ToolError } from '../../src/toolkit/errors.js';

/** The onion's own parts, without a server: composition order, the error boundary's masking, the outcome code. */
const tool = defineTool({
  name: 'probe_thing',
  title: 'Probe',
  description: 'A probe tool for middleware tests.',
  input: z.strictObject({}),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scopes: [],
  handler: async () => ({ structured: {}, text: 'ok' }),
});
const call: ToolCall = { tool, args: {}, ctx: {}, requestId: 7 };
const okResult: ToolResult = { content: [{ type: 'text', text: 'fine' }] };

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}
const body = (r: ToolResult) => JSON.parse(String(r.content[0]?.text)).error;

describe('compose', () => {
  it('runs the first middleware outermost, each seeing what the inner ones return', async () => {
    const order: string[] = [];
    const mark =
      (name: string): Middleware =>
      async (c, next) => {
        order.push(`${name}>`);
        const r = await next(c);
        order.push(`<${name}`);
        return r;
      };
    const handler = compose([mark('a'), mark('b'), mark('c')], async () => {
      order.push('handler');
      return okResult;
    });
    expect(await handler(call)).toBe(okResult);
    expect(order).toEqual(['a>', 'b>', 'c>', 'handler', '<c', '<b', '<a']);
  });
});

describe('errorBoundary', () => {
  it('turns a ToolError into an isError result with its structured body and no structuredContent', async () => {
    const { logger } = capture();
    const r = await errorBoundary(logger)(call, async () => {
      throw new ToolError('not_found', 'No task 9.', { hint: 'list_tasks shows the ids.' });
    });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toBeUndefined();
    expect(body(r)).toEqual({ code: 'not_found', message: 'No task 9.', retryable: false, hint: 'list_tasks shows the ids.' });
  });

  it('masks an unknown error as internal for the caller and logs it whole', async () => {
    const { logger, lines } = capture();
    const r = await errorBoundary(logger)(call, async () => {
      throw new Error('SQLITE_CORRUPT: secret table layout at /var/lib/x.db');
    });
    expect(body(r)).toMatchObject({ code: 'internal', retryable: true });
    expect(r.content[0]?.text).not.toMatch(/SQLITE|secret|x\.db/);
    const logged = lines.find((l) => l.msg === 'tool failed with an unexpected error');
    expect(logged).toMatchObject({ tool: 'probe_thing', requestId: 7 });
    expect(JSON.stringify(logged?.err)).toMatch(/SQLITE_CORRUPT/);
  });

  it('turns a store outage into retryable unavailable, and a RangeError into invalid_input', async () => {
    const { logger } = capture();
    const outage = await errorBoundary(logger)(call, async () => {
      throw new StoreError('unavailable', 'database is locked');
    });
    expect(body(outage)).toMatchObject({ code: 'unavailable', retryable: true, retryAfterMs: 1000 });
    const deep = await errorBoundary(logger)(call, async () => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    expect(body(deep)).toMatchObject({ code: 'invalid_input', fields: [expect.objectContaining({ field: '(arguments)' })] });
  });

  it('passes a result through untouched', async () => {
    const { logger } = capture();
    expect(await errorBoundary(logger)(call, async () => okResult)).toBe(okResult);
  });
});

describe('lastResort', () => {
  it('shapes what a middleware outside the boundary throws, by the same rules', async () => {
    const { logger } = capture();
    const pipeline = compose(
      [
        lastResort(logger),
        (async () => {
          throw new TypeError('audit sink broke');
        }) as Middleware,
        errorBoundary(logger),
      ],
      async () => okResult,
    );
    const r = await pipeline(call);
    expect(body(r)).toMatchObject({ code: 'internal' });
    expect(r.content[0]?.text).not.toMatch(/audit sink/);
  });
});

describe('outcomeOf', () => {
  it('is ok, the structured code, or error', () => {
    expect(outcomeOf(okResult)).toBe('ok');
    expect(outcomeOf({ isError: true, content: [{ type: 'text', text: JSON.stringify({ error: { code: 'rate_limited' } }) }] })).toBe('rate_limited');
    expect(outcomeOf({ isError: true, content: [{ type: 'text', text: 'plain failure' }] })).toBe('error');
    expect(outcomeOf({ isError: true, content: [{ type: 'text', text: '{"error": not json' }] })).toBe('error');
  });
});
