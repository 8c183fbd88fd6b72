import { z } from 'zod';
import type { RequestContext } from '../../server/context.js';
import type { RawToolResult, Toolset } from '../../toolkit/define.js';
import { ResourceMiss } from '../../toolkit/errors.js';
import { asyncOperationFixtures } from './async-ops.js';
import { conformanceHeader } from './manifest.js';
import { modernFixtures, modernPromptFixtures } from './modern.js';

/**
 * Fixtures the official conformance suite (`@modelcontextprotocol/conformance`)
 * expects by name. Off by default; enable with `--toolsets tasks,conformance`.
 * They exercise protocol features (content types, logging, progress, sampling,
 * elicitation, subscriptions, completion), not the task domain.
 */

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV_TINY = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';
const NONE = z.object({});
const FIXTURE = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
/** The fixtures' scopes: none, so every caller sees them (the suite runs without authentication). */
const FIXTURE_SCOPES: readonly string[] = [];
const raw = (content: RawToolResult['raw']['content'], isError = false): RawToolResult => ({ raw: { content, isError } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (t: string) => ({ type: 'text', text: t });

function fixture(name: string, description: string, handler: (args: Record<string, unknown>, ctx: RequestContext) => Promise<RawToolResult>, input: z.ZodType = NONE) {
  return { name, title: name, description, input, annotations: FIXTURE, scopes: FIXTURE_SCOPES, handler };
}

/** Ask the client for something (sampling, elicitation) over the connection; report failures as text, as the suite expects. */
async function ask(ctx: RequestContext, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (!ctx.sdk) throw new Error('no protocol context');
  return (await ctx.sdk.mcpReq.send({ method, params } as never)) as Record<string, unknown>;
}

const elicit = (name: string, description: string, message: string, properties: Record<string, unknown>) =>
  fixture(name, description, async (_args, ctx) => {
    try {
      const r = await ask(ctx, 'elicitation/create', { message, requestedSchema: { type: 'object', properties, required: [] } });
      return raw([text(`Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`)]);
    } catch (error) {
      return raw([text(`Elicitation not supported or error: ${(error as Error).message}`)]);
    }
  });

export const conformanceToolset: Toolset<RequestContext> = {
  ...conformanceHeader,
  tools: [
    fixture('test_simple_text', 'Returns simple text content', async () => raw([text('This is a simple text response for testing.')])),
    fixture('test_image_content', 'Returns image content', async () => raw([{ type: 'image', data: PNG_1PX, mimeType: 'image/png' }])),
    fixture('test_audio_content', 'Returns audio content', async () => raw([{ type: 'audio', data: WAV_TINY, mimeType: 'audio/wav' }])),
    fixture('test_embedded_resource', 'Returns an embedded resource', async () =>
      raw([
        {
          type: 'resource',
          resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
        },
      ]),
    ),
    fixture('test_multiple_content_types', 'Returns text, image and resource content', async () =>
      raw([
        text('Multiple content types test:'),
        { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' },
        },
      ]),
    ),
    fixture('test_tool_with_logging', 'Emits three log notifications while running', async (_args, ctx) => {
      for (const data of ['Tool execution started', 'Tool processing data', 'Tool execution completed']) {
        await ctx.sdk?.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data } });
        await sleep(20);
      }
      return raw([text('Tool with logging executed successfully')]);
    }),
    fixture('test_tool_with_progress', 'Reports progress 0, 50, 100 when given a progress token', async (_args, ctx) => {
      for (const p of [0, 50, 100]) {
        await ctx.progress(p, 100, `Completed step ${p} of 100`);
        if (p < 100) await sleep(20);
      }
      return raw([text(String(ctx.sdk?.mcpReq._meta?.progressToken ?? 'no-progress-token'))]);
    }),
    fixture('test_error_handling', 'Always fails with an error result', async () => raw([text('This tool intentionally returns an error for testing')], true)),
    fixture(
      'test_sampling',
      'Asks the client to sample an LLM completion',
      async (args, ctx) => {
        try {
          const r = await ask(ctx, 'sampling/createMessage', {
            messages: [{ role: 'user', content: { type: 'text', text: String(args.prompt) } }],
            maxTokens: 100,
          });
          const content = r.content as { text?: string } | undefined;
          return raw([text(`LLM response: ${content?.text ?? 'No response'}`)]);
        } catch (error) {
          return raw([text(`Sampling not supported or error: ${(error as Error).message}`)]);
        }
      },
      z.object({ prompt: z.string() }),
    ),
    fixture(
      'test_elicitation',
      'Asks the user for input',
      async (args, ctx) => {
        try {
          const r = await ask(ctx, 'elicitation/create', {
            message: String(args.message),
            requestedSchema: {
              type: 'object',
              properties: { response: { type: 'string', description: "User's response" } },
              required: ['response'],
            },
          });
          return raw([text(`User response: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`)]);
        } catch (error) {
          return raw([text(`Elicitation not supported or error: ${(error as Error).message}`)]);
        }
      },
      z.object({ message: z.string() }),
    ),
    elicit('test_elicitation_sep1034_defaults', 'Elicitation with defaults (SEP-1034)', 'Please review and update the form fields with defaults', {
      name: { type: 'string', description: 'User name', default: 'John Doe' },
      age: { type: 'integer', description: 'User age', default: 30 },
      score: { type: 'number', description: 'User score', default: 95.5 },
      status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
      verified: { type: 'boolean', description: 'Verification status', default: true },
    }),
    elicit('test_elicitation_sep1330_enums', 'Elicitation with enum forms (SEP-1330)', 'Please select options from the enum fields', {
      untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
      titledSingle: {
        type: 'string',
        description: 'Select one option with titles',
        oneOf: [
          { const: 'value1', title: 'First Option' },
          { const: 'value2', title: 'Second Option' },
          { const: 'value3', title: 'Third Option' },
        ],
      },
      legacyEnum: {
        type: 'string',
        description: 'Select one option (legacy)',
        enum: ['opt1', 'opt2', 'opt3'],
        enumNames: ['Option One', 'Option Two', 'Option Three'],
      },
      untitledMulti: {
        type: 'array',
        description: 'Select multiple options',
        minItems: 1,
        maxItems: 3,
        items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
      },
      titledMulti: {
        type: 'array',
        description: 'Select multiple options with titles',
        minItems: 1,
        maxItems: 3,
        items: {
          anyOf: [
            { const: 'value1', title: 'First Choice' },
            { const: 'value2', title: 'Second Choice' },
            { const: 'value3', title: 'Third Choice' },
          ],
        },
      },
    }),
    ...modernFixtures,
    ...asyncOperationFixtures,
  ],
  resources: [
    {
      name: 'static-text',
      title: 'Static Text Resource',
      description: 'A static text resource',
      mimeType: 'text/plain',
      uri: 'test://static-text',
      scopes: FIXTURE_SCOPES,
      read: async (uri) => [{ uri, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
    },
    {
      name: 'static-binary',
      title: 'Static Binary Resource',
      description: 'A static binary resource (PNG)',
      mimeType: 'image/png',
      uri: 'test://static-binary',
      scopes: FIXTURE_SCOPES,
      read: async (uri) => [{ uri, mimeType: 'image/png', blob: PNG_1PX }],
    },
    {
      name: 'template',
      title: 'Resource Template',
      description: 'A resource template with parameter substitution',
      mimeType: 'application/json',
      uri: 'test://template/{id}/data',
      scopes: FIXTURE_SCOPES,
      read: async (uri, vars) => {
        if (!vars.id) throw new ResourceMiss(uri);
        return [
          {
            uri,
            mimeType: 'application/json',
            text: JSON.stringify({ id: vars.id, templateTest: true, data: `Data for ID: ${vars.id}` }),
          },
        ];
      },
    },
    {
      name: 'watched-resource',
      title: 'Watched Resource',
      description: 'A resource for subscribe/unsubscribe tests',
      mimeType: 'text/plain',
      uri: 'test://watched-resource',
      scopes: FIXTURE_SCOPES,
      read: async (uri) => [{ uri, mimeType: 'text/plain', text: 'Watched resource content' }],
    },
  ],
  prompts: [
    {
      name: 'test_simple_prompt',
      scopes: FIXTURE_SCOPES,
      title: 'Simple Test Prompt',
      description: 'A prompt without arguments',
      get: async () => ({ messages: [{ role: 'user', content: text('This is a simple prompt for testing.') }] }),
    },
    {
      name: 'test_prompt_with_arguments',
      scopes: FIXTURE_SCOPES,
      title: 'Prompt With Arguments',
      description: 'A prompt with two required arguments',
      args: z.object({ arg1: z.string().describe('First test argument'), arg2: z.string().describe('Second test argument') }),
      complete: { arg1: async (value) => ['paris', 'park', 'party'].filter((v) => v.startsWith(value)) },
      get: async (args: { arg1: string; arg2: string }) => ({
        messages: [{ role: 'user', content: text(`Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'`) }],
      }),
    },
    {
      name: 'test_prompt_with_embedded_resource',
      scopes: FIXTURE_SCOPES,
      title: 'Prompt With Embedded Resource',
      description: 'A prompt that embeds a resource',
      args: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
      get: async (args: { resourceUri: string }) => ({
        messages: [
          {
            role: 'user',
            content: {
              type: 'resource',
              resource: { uri: args.resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
            },
          },
          { role: 'user', content: text('Please process the embedded resource above.') },
        ],
      }),
    },
    {
      name: 'test_prompt_with_image',
      scopes: FIXTURE_SCOPES,
      title: 'Prompt With Image',
      description: 'A prompt with image content',
      get: async () => ({
        messages: [
          { role: 'user', content: { type: 'image', data: PNG_1PX, mimeType: 'image/png' } },
          { role: 'user', content: text('Please analyze the image above.') },
        ],
      }),
    },
    ...modernPromptFixtures,
  ],
};
