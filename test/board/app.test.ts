import { Client, InMemoryTransport, type JSONRPCMessage, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { AppBridge } from '@modelcontextprotocol/ext-apps/app-bridge';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_APP_URI, MCP_APP_MIME } from '../../src/board/app-view.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { ok, tempDir, testConfig } from '../harness.js';
import { launchBrowser } from './browser.js';
import { type BoardServed, serveBoard } from './served.js';

/**
 * The board as an MCP App (SEP-1865, `io.modelcontextprotocol/ui`): linked from list_tasks,
 * next_task and get_task and listed only for hosts that declare the extension (others see the
 * catalog they saw before), and rendered in a real browser iframe driven by the official host
 * side, ext-apps' `AppBridge`, forwarding the view's tool calls to a real server.
 */
const UI = { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: [MCP_APP_MIME] } } };
const LINKED = ['get_task', 'list_tasks', 'next_task'];

type Listed = { name: string; _meta?: { ui?: { resourceUri?: string } } };

describe('MCP Apps discovery, both eras', () => {
  let app: App;
  let s: BoardServed;
  const tmp = tempDir();
  beforeAll(async () => {
    app = createApp(TOOLSETS, testConfig({}, tmp.dir), silentLogger, undefined, 'tester');
    s = await serveBoard();
  });
  afterAll(async () => {
    await app.close();
    await s.close();
    tmp.cleanup();
  });

  const legacyClient = async (capabilities: Record<string, unknown>) => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await app.factory({ era: 'legacy', workspace: app.config.workspace, principal: 'tester', longLived: true }).connect(serverSide);
    const client = new Client({ name: 'host', version: '1' }, { capabilities });
    await client.connect(clientSide);
    return client;
  };
  const modernClient = async (capabilities: Record<string, unknown>) => {
    const client = new Client({ name: 'host', version: '1' }, { capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(s.http.url)));
    return client;
  };

  for (const [era, connect] of [
    ['2025 (legacy)', legacyClient],
    ['2026-07-28', modernClient],
  ] as const) {
    it(`${era}: a host declaring the extension gets the links and the view; a host without it sees no change`, async () => {
      const plain = await connect({});
      const plainTools = (await plain.listTools()).tools as Listed[];
      expect(plainTools.filter((t) => t._meta !== undefined)).toEqual([]);
      expect((await plain.listResources()).resources.map((r) => r.uri)).not.toContain(BOARD_APP_URI);
      await plain.close();

      const host = await connect(UI);
      const tools = (await host.listTools()).tools as Listed[];
      const linked = tools.filter((t) => t._meta?.ui?.resourceUri === BOARD_APP_URI).map((t) => t.name);
      expect(linked.sort()).toEqual(LINKED);
      const listed = (await host.listResources()).resources.find((r) => r.uri === BOARD_APP_URI);
      expect(listed?.mimeType).toBe(MCP_APP_MIME);
      const read = await host.readResource({ uri: BOARD_APP_URI });
      const content = read.contents[0] as { mimeType: string; text: string; _meta?: unknown };
      expect(content.mimeType).toBe(MCP_APP_MIME);
      expect(content.text).toMatch(/^<!doctype html>/);
      expect(content.text).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // self-contained: nothing to fetch
      expect(content._meta).toEqual({ ui: { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true } });
      await host.close();
    });
  }
});

/** A Transport for the Node-side AppBridge whose other end is the view's `window.parent.postMessage` in the page. */
class PageTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  constructor(private readonly page: Page) {}
  async start(): Promise<void> {
    await this.page.exposeFunction('toHost', (message: JSONRPCMessage) => this.onmessage?.(message));
  }
  async send(message: JSONRPCMessage): Promise<void> {
    await this.page.evaluate((m) => (globalThis as unknown as { toView(m: unknown): void }).toView(m), message as unknown as Record<string, unknown>);
  }
  async close(): Promise<void> {
    this.onclose?.();
  }
}

describe('the MCP App view in a browser, through AppBridge', () => {
  let s: BoardServed;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  beforeAll(async () => {
    s = await serveBoard();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('renders the board from tools the host proxies, opens the task of a get_task result, makes no network request', async () => {
    const agent = await s.agent();
    await ok(agent, 'create_tasks', { tasks: [{ title: 'Shown in the chat', priority: 'high' }, { title: '<img src=x onerror=alert(1)>' }] });

    const host = new Client({ name: 'chat-host', version: '1' }, { capabilities: UI, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await host.connect(new StreamableHTTPClientTransport(new URL(s.http.url)));
    const html = ((await host.readResource({ uri: BOARD_APP_URI })).contents[0] as { text: string }).text;

    const page = await browser.context.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setContent('<!doctype html><html><body><iframe id="view" sandbox="allow-scripts" style="width:1200px;height:700px"></iframe></body></html>');
    const transport = new PageTransport(page);
    const bridge = new AppBridge(host, { name: 'test-host', version: '1' }, { serverTools: {} });
    let initialized = false;
    bridge.oninitialized = () => {
      initialized = true;
    };
    // The host page's side of the view's postMessage channel (browser code, given as text).
    await page.evaluate(`(() => {
      const frame = document.getElementById('view');
      globalThis.toView = (m) => frame.contentWindow.postMessage(m, '*');
      globalThis.setView = (doc) => { frame.srcdoc = doc; };
      window.addEventListener('message', (event) => { if (event.source === frame.contentWindow) globalThis.toHost(event.data); });
    })()`);
    await bridge.connect(transport);
    await page.evaluate((doc) => (globalThis as unknown as { setView(d: string): void }).setView(doc), html);

    const view = page.frameLocator('#view');
    await view.locator('#board[data-ready="true"]').waitFor({ timeout: 10_000 });
    expect(initialized).toBe(true);
    expect(await view.locator('[data-column="todo"] .card .title').allTextContents()).toEqual(['Shown in the chat', '<img src=x onerror=alert(1)>']);
    expect(await view.locator('#board img').count()).toBe(0);

    const result = await host.callTool({ name: 'get_task', arguments: { id: 1 } });
    await bridge.sendToolInput({ arguments: { id: 1 } });
    await bridge.sendToolResult(result as never);
    await view.locator('#panel h2').waitFor();
    expect(await view.locator('#panel h2').textContent()).toBe('Shown in the chat');
    expect(await view.locator('#panel button.save, #panel select').count()).toBe(0); // the view is read-only
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('about:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
    await host.close();
  });
});
