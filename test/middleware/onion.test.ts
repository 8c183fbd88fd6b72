import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compose } from '../../src/middleware/compose.js';
import { errorBoundary, lastResort, protocolErrorBoundary, requestLastResort } from '../../src/middleware/errors.js';
import { resourceOperation, toolOperation } from '../../src/middleware/operation.js';
import { outcomeOf } from '../../src/middleware/outcome.js';
import type { Call, Middleware, ToolCall, ToolResult } from '../../src/middleware/types.js';
import { StoreError } from '../../src/store/types.js';
import { defineTool } from '../../src/toolkit/define.js';
import { ResourceMiss, ToolError } from '../../src/toolkit/errors.js';

/** The onion's own parts, without a server: composition order, the error boundaries' masking and recording, the outcome code. */
const tool = defineTool({
  name: 'probe_thing',
  title: 'Probe',
  description: 'A probe tool for middleware tests.',
  input: z.strictObject({}),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scopes: [],
  handler: async () => ({ structured: {}, text: 'ok' }),
});
const fresh = (): ToolCall => ({ op: toolOperation(tool), tool, args: {}, ctx: {}, requestId: 7 });
const call = fresh();
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
  it('turns a ToolError into an isError result with its structured body and no structuredContent, and records it on the call', async () => {
    const { logger } = capture();
    const c = fresh();
    const r = await errorBoundary(logger)(c, async () => {
      throw new ToolError('not_found', 'No task 9.', { hint: 'list_tasks shows the ids.' });
    });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toBeUndefined();
    expect(body(r)).toEqual({ code: 'not_found', message: 'No task 9.', retryable: false, hint: 'list_tasks shows the ids.' });
    expect(c.error?.code).toBe('not_found');
  });

  it('masks an unknown error as internal for the caller, records internal on the call and logs the error whole', async () => {
    const { logger, lines } = capture();
    const c = fresh();
    const r = await errorBoundary(logger)(c, async () => {
      throw new Error('SQLITE_CORRUPT: secret table layout at /var/lib/x.db');
    });
    expect(body(r)).toMatchObject({ code: 'internal', retryable: true });
    expect(r.content[0]?.text).not.toMatch(/SQLITE|secret|x\.db/);
    expect(c.error?.code).toBe('internal');
    expect(c.error?.message).not.toMatch(/SQLITE/);
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

  it('passes a result through untouched and records nothing', async () => {
    const { logger } = capture();
    const c = fresh();
    expect(await errorBoundary(logger)(c, async () => okResult)).toBe(okResult);
    expect(c.error).toBeUndefined();
  });
});

describe('protocolErrorBoundary', () => {
  const res = { name: 'probe', title: 'Probe', description: 'p', mimeType: 'text/plain', uri: 'probe://{id}', scopes: [], read: async () => [] };
  const read = (): Call => ({ op: resourceOperation(res), args: { uri: 'probe://1', vars: { id: '1' } }, ctx: {}, requestId: 8 });

  it('rethrows an unknown error as a typed internal error, recorded on the call, logged whole under the operation label', async () => {
    const { logger, lines } = capture();
    const c = read();
    const thrown = await protocolErrorBoundary(logger)(c, async () => {
      throw new TypeError('cannot read properties of undefined (reading "secret_column")');
    }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ToolError);
    expect(thrown).toMatchObject({ code: 'internal' });
    expect((thrown as ToolError).message).not.toMatch(/secret_column/);
    expect(c.error).toBe(thrown);
    expect(lines.find((l) => l.msg === 'tool failed with an unexpected error')).toMatchObject({ tool: 'resources/read probe://{id}', requestId: 8 });
  });

  it('keeps a ToolError as is and makes a ResourceMiss not_found', async () => {
    const { logger } = capture();
    const limited = new ToolError('rate_limited', 'slow down', { retryAfterMs: 500 });
    await expect(protocolErrorBoundary(logger)(read(), () => Promise.reject(limited))).rejects.toBe(limited);
    const c = read();
    await expect(protocolErrorBoundary(logger)(c, () => Promise.reject(new ResourceMiss('probe://1')))).rejects.toMatchObject({ code: 'not_found' });
    expect(c.error?.code).toBe('not_found');
  });

  it('passes a result through', async () => {
    const { logger } = capture();
    const value = { contents: [] };
    expect(await protocolErrorBoundary(logger)(read(), async () => value)).toBe(value);
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
    const r = await pipeline(fresh());
    expect(body(r)).toMatchObject({ code: 'internal' });
    expect(r.content[0]?.text).not.toMatch(/audit sink/);
  });
});

describe('requestLastResort', () => {
  const res = { name: 'probe', title: 'Probe', description: 'p', mimeType: 'text/plain', uri: 'probe://{id}', scopes: [], read: async () => [] };
  const read = (): Call => ({ op: resourceOperation(res), args: { uri: 'probe://1', vars: { id: '1' } }, ctx: {}, requestId: 9 });

  it('rethrows what a step outside the boundary throws as a typed internal error, logged once, without the raw message', async () => {
    const { logger, lines } = capture();
    const thrown = await requestLastResort(logger)(read(), async () => {
      throw new TypeError('audit sink broke at /var/lib/taskwire');
    }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ToolError);
    expect(thrown).toMatchObject({ code: 'internal' });
    expect(JSON.stringify((thrown as ToolError).toBody())).not.toMatch(/audit sink|var\/lib/);
    expect(lines.filter((l) => l.level === 50)).toEqual([expect.objectContaining({ tool: 'resources/read probe://{id}', requestId: 9 })]);
  });

  it('passes a typed error from the inner boundary through as is, unlogged, and a result untouched', async () => {
    const { logger, lines } = capture();
    const typed = new ToolError('rate_limited', 'slow down', { retryAfterMs: 50 });
    await expect(requestLastResort(logger)(read(), async () => Promise.reject(typed))).rejects.toBe(typed);
    expect(lines).toEqual([]);
    const value = { contents: [] };
    expect(await requestLastResort(logger)(read(), async () => value)).toBe(value);
  });

  it('still masks the error as internal when the logger itself throws', async () => {
    const throwing = {
      error: () => {
        throw new Error('log sink gone');
      },
      warn: () => undefined,
    } as unknown as Parameters<typeof requestLastResort>[0];
    const thrown = await requestLastResort(throwing)(read(), async () => {
      throw new Error('raw detail');
    }).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code: 'internal' });
    const r = await lastResort(throwing)(fresh(), async () => {
      throw new Error('raw detail');
    });
    expect(body(r)).toMatchObject({ code: 'internal' });
  });
});

describe('outcomeOf', () => {
  it('is the recorded error code, else error for an unshaped isError result, internal without a result, else ok', () => {
    expect(outcomeOf(fresh(), okResult)).toBe('ok');
    expect(outcomeOf({ ...fresh(), error: new ToolError('rate_limited', 'x') }, { isError: true, content: [] })).toBe('rate_limited');
    // never parsed back out of the text
    expect(outcomeOf(fresh(), { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: { code: 'not_found' } }) }] })).toBe('error');
    expect(outcomeOf(fresh(), undefined)).toBe('internal');
    expect(outcomeOf(fresh(), { contents: [] })).toBe('ok');
  });
});
