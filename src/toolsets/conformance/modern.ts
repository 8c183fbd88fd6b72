import { randomUUID } from 'node:crypto';
import { acceptedContent, inputRequired } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { RequestContext } from '../../server/context.js';
import { requestState } from '../../server/request-state.js';
import type { PromptDef, RawToolResult, ToolDef } from '../../toolkit/define.js';

/**
 * Fixtures for the 2026-07-28 scenarios of the conformance suite: multi
 * round-trip `input_required` results (SEP-2322), the stateless diagnostics
 * (SEP-2575), JSON Schema 2020-12 and `x-mcp-header` tools. Names and
 * behaviour are dictated by the suite.
 */

const FIXTURE = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const done = (text: string): RawToolResult => ({ raw: { content: [{ type: 'text', text }] } });
const ask = (spec: Parameters<typeof inputRequired>[0]): RawToolResult => ({ raw: inputRequired(spec) as never });
const responses = (ctx: RequestContext) => ctx.sdk?.mcpReq.inputResponses;
const state = (ctx: RequestContext) => ctx.sdk?.mcpReq.requestState<Record<string, unknown>>();
const form = (message: string, field: string, type: 'string' | 'boolean' = 'string') =>
  inputRequired.elicit({ message, requestedSchema: { type: 'object', properties: { [field]: { type } as never }, required: [field] } });
const sample = (text: string, maxTokens: number) => inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text } }], maxTokens });

function fixture(
  name: string,
  description: string,
  handler: (ctx: RequestContext, args: Record<string, unknown>) => Promise<RawToolResult>,
  inputJsonSchema?: Record<string, unknown>,
): ToolDef<RequestContext> {
  return {
    name,
    title: name,
    description,
    input: z.record(z.string(), z.unknown()),
    ...(inputJsonSchema ? { inputJsonSchema } : {}),
    annotations: FIXTURE,
    scopes: [],
    handler: (args, ctx) => handler(ctx, args as Record<string, unknown>),
  };
}

export const modernFixtures: ToolDef<RequestContext>[] = [
  fixture('test_missing_capability', 'Needs the sampling client capability (drives the -32021 rejection)', async (ctx) =>
    responses(ctx)?.llm_answer === undefined
      ? ask({ inputRequests: { llm_answer: sample('Reply with the single word: pong', 16) } })
      : done('sampling round-trip complete'),
  ),
  fixture('test_streaming_elicitation', 'A plain result; the stream carries no top-level requests', async () =>
    done('stream observed: result frames only, no top-level requests'),
  ),
  fixture('test_logging_tool', 'Logs through the request-scoped channel, gated on _meta logLevel', async (ctx) => {
    await ctx.sdk?.mcpReq.log('info', 'test_logging_tool ran');
    return done('logged through the request-scoped, logLevel-gated channel');
  }),
  fixture('test_trigger_tool_change', 'Announces a tools/list_changed event', async (ctx) => {
    ctx.announceListChanged('tools');
    return done('tools_list_changed published');
  }),
  fixture('test_trigger_prompt_change', 'Announces a prompts/list_changed event', async (ctx) => {
    ctx.announceListChanged('prompts');
    return done('prompts_list_changed published');
  }),
  fixture('test_input_required_result_elicitation', 'Asks for the caller name by elicitation', async (ctx) => {
    const name = acceptedContent<{ name: string }>(responses(ctx), 'user_name')?.name;
    return typeof name === 'string' ? done(`Hello, ${name}!`) : ask({ inputRequests: { user_name: form('What is your name?', 'name') } });
  }),
  fixture('test_input_required_result_sampling', 'Asks for an LLM completion by sampling', async (ctx) => {
    const r = responses(ctx)?.capital_question as { content?: { text?: string } } | undefined;
    if (r === undefined) return ask({ inputRequests: { capital_question: sample('What is the capital of France?', 100) } });
    return done(`Sampling response: ${typeof r.content?.text === 'string' ? r.content.text : JSON.stringify(r)}`);
  }),
  fixture('test_input_required_result_list_roots', 'Asks for the client roots', async (ctx) => {
    const r = responses(ctx)?.client_roots as { roots?: Array<{ uri?: string }> } | undefined;
    if (!Array.isArray(r?.roots)) return ask({ inputRequests: { client_roots: inputRequired.listRoots() } });
    return done(`Client exposed ${r.roots.length} root(s): ${r.roots.map((x) => x.uri).join(', ')}`);
  }),
  fixture('test_input_required_result_request_state', 'Round-trips integrity-protected requestState', async (ctx) => {
    if (acceptedContent(responses(ctx), 'confirm') === undefined) {
      return ask({
        inputRequests: { confirm: form('Please confirm', 'ok', 'boolean') },
        requestState: await requestState.mint({ tool: 'request_state', nonce: randomUUID() }),
      });
    }
    if (state(ctx) === undefined) throw new Error('Invalid requestState: missing or failed integrity verification');
    return done('state-ok: requestState verified and confirmation received');
  }),
  fixture('test_input_required_result_multiple_inputs', 'Asks for elicitation, sampling and roots in one round', async (ctx) => {
    const r = responses(ctx);
    const name = acceptedContent<{ name: string }>(r, 'user_name')?.name;
    const greeting = (r?.greeting as { content?: { text?: string } } | undefined)?.content?.text;
    const roots = (r?.client_roots as { roots?: unknown[] } | undefined)?.roots;
    if (typeof name === 'string' && typeof greeting === 'string' && Array.isArray(roots)) {
      return done(`${greeting} ${name} — ${roots.length} root(s) visible`);
    }
    return ask({
      inputRequests: {
        user_name: form('What is your name?', 'name'),
        greeting: sample('Generate a greeting', 50),
        client_roots: inputRequired.listRoots(),
      },
      requestState: await requestState.mint({ tool: 'multiple_inputs', nonce: randomUUID() }),
    });
  }),
  fixture('test_input_required_result_multi_round', 'Two elicitation rounds with evolving requestState', async (ctx) => {
    const s = state(ctx);
    const round = s?.tool === 'multi_round' && typeof s.round === 'number' ? s.round : 0;
    if (round === 0) {
      return ask({
        inputRequests: { step1: form('Step 1: What is your name?', 'name') },
        requestState: await requestState.mint({ tool: 'multi_round', round: 1, nonce: randomUUID() }),
      });
    }
    if (round === 1) {
      const name = acceptedContent<{ name: string }>(responses(ctx), 'step1')?.name ?? 'unknown';
      return ask({
        inputRequests: { step2: form('Step 2: What is your favorite color?', 'color') },
        requestState: await requestState.mint({ tool: 'multi_round', round: 2, name, nonce: randomUUID() }),
      });
    }
    const color = acceptedContent<{ color: string }>(responses(ctx), 'step2')?.color ?? 'unknown';
    return done(`Multi-round complete: ${String(s?.name ?? 'unknown')} likes ${color}`);
  }),
  fixture('test_input_required_result_tampered_state', 'Rejects retries whose requestState fails verification', async (ctx) => {
    if (state(ctx) !== undefined && acceptedContent(responses(ctx), 'confirm') !== undefined) return done('integrity-ok: requestState verified');
    return ask({
      inputRequests: { confirm: form('Please confirm', 'ok', 'boolean') },
      requestState: await requestState.mint({ tool: 'tampered_state', nonce: randomUUID() }),
    });
  }),
  fixture('test_input_required_result_capabilities', 'Asks only for input kinds the client declared', async (ctx) => {
    if (responses(ctx) !== undefined) return done('Capability-aware input requests fulfilled');
    const declared = ((ctx.sdk?.mcpReq.envelope as Record<string, unknown> | undefined)?.['io.modelcontextprotocol/clientCapabilities'] ?? {}) as Record<string, unknown>;
    const requests: Record<string, unknown> = {};
    if (declared.elicitation !== undefined) requests.user_name = form('What is your name?', 'name');
    if (declared.sampling !== undefined) requests.greeting = sample('Generate a short greeting', 50);
    if (declared.roots !== undefined) requests.client_roots = inputRequired.listRoots();
    if (Object.keys(requests).length === 0) return done('No declared client capability supports an in-band input request');
    return ask({ inputRequests: requests as never });
  }),
  fixture(
    'json_schema_2020_12_tool',
    'Tool whose input schema uses JSON Schema 2020-12 keywords ($defs, $ref, if/then/else)',
    async (_ctx, args) => done(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
    {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
      properties: {
        name: { type: 'string' },
        address: { $ref: '#/$defs/address' },
        contactMethod: { type: 'string', enum: ['phone', 'email'] },
        phone: { type: 'string' },
        email: { type: 'string' },
      },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword
      then: { required: ['phone'] },
      else: { required: ['email'] },
      additionalProperties: false,
    },
  ),
  fixture(
    'test_x_mcp_header',
    'An argument mirrored into the Mcp-Param-Region header (SEP-2243)',
    async (_ctx, args) => done(`region=${String(args.region ?? '<none>')}`),
    {
      type: 'object',
      properties: {
        region: { type: 'string', description: 'mirrored into Mcp-Param-Region', 'x-mcp-header': 'Region' },
        level: { type: 'integer', description: 'non-mirrored argument' },
      },
    },
  ),
];

export const modernPromptFixtures: PromptDef<RequestContext>[] = [
  {
    name: 'test_input_required_result_prompt',
    scopes: [],
    title: 'MRTR Prompt',
    description: 'A prompt that needs elicited input before it renders',
    get: async (_args, ctx) => {
      const context = acceptedContent<{ context: string }>(responses(ctx), 'user_context')?.context;
      if (typeof context !== 'string') {
        return inputRequired({ inputRequests: { user_context: form('What context should the prompt use?', 'context') } }) as never;
      }
      return { messages: [{ role: 'user', content: { type: 'text', text: `Use the following context: ${context}` } }] };
    },
  },
];
