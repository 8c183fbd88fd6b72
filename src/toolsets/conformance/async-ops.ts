import { acceptedContent, inputRequired } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { RequestContext } from '../../server/context.js';
import type { RawToolResult, ToolDef } from '../../toolkit/define.js';
import { ToolError } from '../../toolkit/errors.js';

/**
 * Fixtures for the conformance scenarios of the MCP Tasks extension
 * (`io.modelcontextprotocol/tasks`, async operations; `tasks-*` scenarios of
 * conformance 0.2.x). Names, arguments and behaviour are dictated by the suite.
 */

const FIXTURE = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const done = (text: string, isError = false): RawToolResult => ({ raw: { content: [{ type: 'text', text }], ...(isError ? { isError } : {}) } });
const responses = (ctx: RequestContext) => ctx.sdk?.mcpReq.inputResponses;
const form = (message: string, field: string, type: 'string' | 'boolean') =>
  inputRequired.elicit({ message, requestedSchema: { type: 'object', properties: { [field]: { type } as never }, required: [field] } });

/** Sleep `ms`, ending early with `cancelled` when the call's signal aborts (tasks/cancel). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ToolError('cancelled', 'Cancelled.'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(new ToolError('cancelled', 'Cancelled.'));
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** The client's answers: by `tasks/update` inside an async operation, else none yet (the in-call path asks by MRTR). */
async function gather(ctx: RequestContext, requests: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  if (ctx.requestInput) return ctx.requestInput(requests);
  const answered = responses(ctx);
  return answered !== undefined && Object.keys(requests).every((k) => k in answered) ? answered : undefined;
}

function fixture<I extends z.ZodType>(
  name: string,
  description: string,
  input: I,
  handler: (args: z.output<I>, ctx: RequestContext) => Promise<RawToolResult>,
  extra: Pick<ToolDef<RequestContext>, 'taskSupport' | 'runAsync'> = {},
): ToolDef<RequestContext, I> {
  return { name, title: name, description, input, annotations: FIXTURE, scopes: [], handler, ...extra };
}

export const asyncOperationFixtures = [
  fixture('greet', 'Sync-only: returns Hello, {name}!', z.object({ name: z.string() }), async (args) => done(`Hello, ${args.name}!`)),
  fixture(
    'slow_compute',
    'Async-capable: sleeps `seconds` then answers; cancellable',
    z.object({ seconds: z.number().min(0).max(600), label: z.string().optional() }),
    async (args, ctx) => {
      await sleep(args.seconds * 1000, ctx.signal);
      return done(`computed ${args.label ?? 'result'} after ${args.seconds}s`);
    },
    { taskSupport: 'optional' },
  ),
  fixture(
    'failing_job',
    'Async only: reports a tool execution error after about 1 s',
    z.object({}),
    async (_args, ctx) => {
      await sleep(1000, ctx.signal);
      return done('failing_job: the job failed (tool execution error)', true);
    },
    { taskSupport: 'required' },
  ),
  fixture(
    'protocol_error_job',
    'Async-capable: fails with an internal (protocol-level) error',
    z.object({}),
    async () => {
      throw new Error('protocol_error_job: simulated internal failure');
    },
    { taskSupport: 'optional' },
  ),
  fixture(
    'confirm_delete',
    'Async-capable: asks for confirmation by elicitation, then answers',
    z.object({ filename: z.string() }),
    async (args, ctx) => {
      const requests = { confirm: form(`Delete ${args.filename}?`, 'confirm', 'boolean') };
      const answers = await gather(ctx, requests);
      if (answers === undefined) return { raw: inputRequired({ inputRequests: requests }) as never };
      const confirmed = acceptedContent<{ confirm: boolean }>(answers as never, 'confirm')?.confirm === true;
      return done(confirmed ? `Deleted ${args.filename}` : `Kept ${args.filename}`);
    },
    { taskSupport: 'optional' },
  ),
  fixture(
    'multi_input',
    'Async-capable: asks two questions at once, then answers',
    z.object({}),
    async (_args, ctx) => {
      const requests = { name: form('What is your name?', 'name', 'string'), confirm: form('Proceed?', 'confirm', 'boolean') };
      const answers = await gather(ctx, requests);
      if (answers === undefined) return { raw: inputRequired({ inputRequests: requests }) as never };
      const name = acceptedContent<{ name: string }>(answers as never, 'name')?.name ?? 'unknown';
      return done(`multi_input complete: name=${name}`);
    },
    { taskSupport: 'optional' },
  ),
  fixture(
    'test_tool_with_task',
    'Async only: gathers user_name by MRTR in-call, then runs as an async operation',
    z.object({}),
    async (_args, ctx) => {
      const name = acceptedContent<{ name: string }>(responses(ctx), 'user_name')?.name;
      if (typeof name !== 'string') return { raw: inputRequired({ inputRequests: { user_name: form('What is your name?', 'name', 'string') } }) as never };
      return done(`Hello, ${name}! (answered by an async operation)`);
    },
    { taskSupport: 'required', runAsync: (ctx) => acceptedContent(responses(ctx), 'user_name') !== undefined },
  ),
];
