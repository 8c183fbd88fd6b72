import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_APP_URI, MCP_APP_MIME } from '../src/board/app-view.js';
import { type App, createApp } from '../src/server/app.js';
import { iconsFor } from '../src/server/icons.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { advertise, advertiseJson } from '../src/toolkit/advertise.js';
import { TOOLSETS } from '../src/toolsets/index.js';
import { tempDir, testConfig } from './harness.js';

/**
 * Server instances no longer register every tool, resource and prompt with
 * the SDK's `McpServer`: they answer the list and call methods from one table
 * per grant, shared by every instance of that grant (server/catalog.ts,
 * server/register.ts; issue 17, RSS per idle 2025 session). These tests pin
 * what that must not change: the lists are the ones the SDK's own registry
 * gives for the same definitions, and callers sharing a table never see each
 * other's listing (CVE-2026-25536: no state crosses callers).
 */
const UI = { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: [MCP_APP_MIME] } } };

describe('lists answered from the shared per-grant table', () => {
  let app: App;
  const tmp = tempDir();
  beforeAll(() => {
    app = createApp(TOOLSETS, testConfig({ toolsets: 'all', 'weather-user-agent': 'taskwire-test/1 (ops@example.com)' }, tmp.dir), silentLogger, undefined, 'tester');
  });
  afterAll(async () => {
    await app.close();
    tmp.cleanup();
  });

  const open = async (server: McpServer, capabilities: Record<string, unknown> = {}) => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'host', version: '1' }, { capabilities });
    await client.connect(clientSide);
    return client;
  };
  const connect = (capabilities: Record<string, unknown> = {}, scopes?: string[]) =>
    open(
      app.factory({ era: 'legacy', workspace: app.config.workspace, principal: 'tester', longLived: true, ...(scopes ? { scopes: new Set(scopes) } : {}) }),
      capabilities,
    );

  /** The same definitions registered with the SDK's own registry, as Taskwire did before the shared table. */
  const reference = (apps: boolean) => {
    const server = new McpServer({ name: 'reference', version: '1' });
    const noop = (() => ({ content: [] })) as never;
    for (const set of app.toolsets) {
      const icons = set.icon ? { icons: iconsFor(set.icon) } : {};
      for (const tool of set.tools) {
        server.registerTool(
          tool.name,
          {
            title: tool.title,
            description: tool.description,
            inputSchema: tool.inputJsonSchema ? advertiseJson(tool.inputJsonSchema) : advertise(tool.input),
            ...(tool.output ? { outputSchema: advertise(tool.output, 'output') } : {}),
            annotations: tool.annotations,
            ...(apps && tool.ui ? { _meta: { ui: { resourceUri: tool.ui } } } : {}),
          },
          noop,
        );
      }
      for (const res of set.resources) {
        if (res.appsOnly && !apps) continue;
        const meta = { title: res.title, description: res.description, mimeType: res.mimeType, ...icons };
        if (res.uri.includes('{')) server.registerResource(res.name, new ResourceTemplate(res.uri, { list: undefined }), meta, noop);
        else server.registerResource(res.name, res.uri, meta, noop);
      }
      for (const prompt of set.prompts) {
        server.registerPrompt(
          prompt.name,
          { title: prompt.title, description: prompt.description, ...icons, ...(prompt.args ? { argsSchema: advertise(prompt.args) } : {}) },
          noop,
        );
      }
    }
    return server;
  };

  for (const apps of [false, true]) {
    it(`lists tools, resources, templates and prompts exactly as the SDK's registry does (${apps ? 'an MCP Apps host' : 'a plain host'})`, async () => {
      const ours = await connect(apps ? UI : {});
      const theirs = await open(reference(apps), apps ? UI : {});
      const lists = [
        (c: Client) => c.listTools().then((r) => r.tools),
        (c: Client) => c.listPrompts().then((r) => r.prompts),
        (c: Client) => c.listResources().then((r) => r.resources),
        (c: Client) => c.listResourceTemplates().then((r) => r.resourceTemplates),
      ];
      for (const list of lists) {
        const [mine, sdk] = await Promise.all([list(ours), list(theirs)]);
        expect(sdk.length).toBeGreaterThan(1);
        expect(JSON.stringify(mine)).toBe(JSON.stringify(sdk));
      }
      await ours.close();
      await theirs.close();
    });
  }

  it('serves an MCP Apps host and a plain host of one grant interleaved: each gets its own listing, twice the same', async () => {
    const host = await connect(UI, ['tasks:read']);
    const plain = await connect({}, ['tasks:read']);
    for (let round = 0; round < 2; round++) {
      const [hostTools, plainTools, hostResources, plainResources] = await Promise.all([
        host.listTools(),
        plain.listTools(),
        host.listResources(),
        plain.listResources(),
      ]);
      expect(
        hostTools.tools
          .filter((t) => t._meta?.ui)
          .map((t) => t.name)
          .sort(),
      ).toEqual(['get_task', 'list_tasks', 'next_task']);
      expect(plainTools.tools.filter((t) => t._meta !== undefined)).toEqual([]);
      expect(hostResources.resources.map((r) => r.uri)).toContain(BOARD_APP_URI);
      expect(plainResources.resources.map((r) => r.uri)).not.toContain(BOARD_APP_URI);
      await expect(plain.readResource({ uri: BOARD_APP_URI })).rejects.toThrow(/disabled|not found/);
      expect((await host.readResource({ uri: BOARD_APP_URI })).contents[0]?.mimeType).toBe(MCP_APP_MIME);
    }
    await host.close();
    await plain.close();
  });

  it('keeps grants apart when their instances interleave: what one grant lacks is neither listed nor callable there', async () => {
    const reader = await connect({}, ['tasks:read']);
    const writer = await connect({}, ['tasks:read', 'tasks:write']);
    const weather = await connect({}, ['weather:read']);
    const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name);
    const [r, w, x] = await Promise.all([names(reader), names(writer), names(weather)]);
    expect(r).toContain('get_task');
    expect(r).not.toContain('create_tasks');
    expect(w).toContain('create_tasks');
    expect(x).not.toContain('get_task');
    expect(x).toContain('get_alerts');
    await expect(reader.callTool({ name: 'create_tasks', arguments: { tasks: [{ title: 'x' }] } })).rejects.toThrow(/Tool create_tasks not found/);
    const created = await writer.callTool({ name: 'create_tasks', arguments: { tasks: [{ title: 'x' }] } });
    expect(created.isError).toBeFalsy();
    await expect(weather.callTool({ name: 'get_task', arguments: { id: 1 } })).rejects.toThrow(/Tool get_task not found/);
    // Resources and prompts follow the same grant.
    expect((await weather.listResources()).resources.map((res) => res.uri)).not.toContain('tasks://board');
    expect((await reader.listResources()).resources.map((res) => res.uri)).toContain('tasks://board');
    await expect(weather.readResource({ uri: 'tasks://board' })).rejects.toThrow(/not found/i);
    // And the first grant's listing did not change by serving the others.
    expect(await names(reader)).toEqual(r);
    for (const c of [reader, writer, weather]) await c.close();
  });
});
