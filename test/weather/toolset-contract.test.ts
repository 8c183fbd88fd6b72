import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/config/load.js';
import { checkScopes } from '../../src/server/app.js';
import type { RequestContext } from '../../src/server/context.js';
import { defineTool, type Toolset } from '../../src/toolkit/define.js';
import { TOOLSETS } from '../../src/toolsets/index.js';

/** What a toolset must declare for the core to serve it, checked at start-up. */
const probe = (scopes: readonly string[]) =>
  defineTool<RequestContext, z.ZodObject, z.ZodObject>({
    name: 'probe_thing',
    title: 'Probe',
    description: 'A probe tool.',
    input: z.strictObject({}),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    scopes,
    handler: async () => ({ structured: {}, text: 'ok' }),
  });
const toolset = (declared: Record<string, string>, required: readonly string[]): Toolset<RequestContext> => ({
  id: 'probe',
  description: 'probe',
  default: false,
  scopes: declared,
  tools: [probe(required)],
  resources: [],
  prompts: [],
});

describe('toolset scopes at start-up', () => {
  it('accepts the shipped toolsets and returns every scope they declare', () => {
    expect(checkScopes(TOOLSETS).sort()).toEqual(['tasks:admin', 'tasks:read', 'tasks:write', 'weather:read']);
  });

  it('refuses a tool scope no toolset declares: no credential could ever be granted it', () => {
    expect(() => checkScopes([toolset({ 'probe:read': 'read probes' }, ['probe:write'])])).toThrow(ConfigError);
    expect(() => checkScopes([toolset({ 'probe:read': 'read probes' }, ['probe:write'])])).toThrow(/probe_thing requires probe:write/);
  });

  it('refuses a resource or prompt scope no toolset declares, like a tool scope', () => {
    const read = async () => [];
    const resource = (name: string, uri: string, scopes: readonly string[]) => ({ name, title: name, description: name, mimeType: 'text/plain', uri, scopes, read });
    const withParts = (parts: Partial<Toolset<RequestContext>>) => [{ ...toolset({ 'probe:read': 'read probes' }, ['probe:read']), ...parts }];
    expect(() => checkScopes(withParts({ resources: [resource('probe_feed', 'probe://feed', ['probe:write'])] }))).toThrow(/probe_feed requires probe:write/);
    const prompt = { name: 'probe_prompt', title: 'p', description: 'p', scopes: ['probe:admin'], get: async () => ({ messages: [] }) };
    expect(() => checkScopes(withParts({ prompts: [prompt] }))).toThrow(/probe_prompt requires probe:admin/);
    expect(checkScopes(withParts({ resources: [resource('probe_feed', 'probe://feed', ['probe:read'])], prompts: [{ ...prompt, scopes: [] }] }))).toEqual(['probe:read']);
    // The HTTP scope challenge finds a resource's scopes by its URI scheme: one scheme, one set of scopes.
    const mixed = [resource('probe_feed', 'probe://feed', ['probe:read']), resource('probe_open', 'probe://open', [])];
    expect(() => checkScopes(withParts({ resources: mixed }))).toThrow(/probe_open requires \[\] but probe_feed, of the same URI scheme, requires \[probe:read\]/);
  });

  it('refuses a declared scope that is not <toolset>:<permission> (credentials would drop it)', () => {
    expect(() => checkScopes([toolset({ openid: 'x' }, ['openid'])])).toThrow(/openid/);
  });
});
