import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthServed, bearerClient, serveWithAuth } from '../auth/served.js';
import { eventually, ok } from '../harness.js';
import { launchBrowser } from './browser.js';
import { type BoardServed, serveBoard } from './served.js';

/**
 * The board in a real browser (Debian's Chromium through playwright-core) against a real server:
 * what agents write over MCP shows on the board, live; what a human does on the board reaches
 * agents as MCP changes and notifications; conflicts are shown, never overwritten; agent text is
 * rendered as text; read-only credentials get no write actions; the page stays on its origin.
 */
const ARTIFACTS = join(process.cwd(), 'test-results');
const XSS = '<img src=x onerror=alert(1)>';

let browser: Awaited<ReturnType<typeof launchBrowser>>;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A page that records every request it makes, every dialog, and console errors (CSP violations among them). */
async function openPage(url: string) {
  const page = await browser.context.newPage();
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, requests, dialogs, errors };
}

/** GET with a chosen Host header (fetch may not set one). */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

const cardTitles = (page: Page, column: string) => page.locator(`[data-column="${column}"] .card .title`).allTextContents();

describe('the board (auth none, loopback)', () => {
  let s: BoardServed;
  let agent: Client;
  beforeAll(async () => {
    s = await serveBoard();
    agent = await s.agent();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('serves the page with a strict CSP and no inline script', async () => {
    const res = await fetch(`${s.origin}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // every script is a file
    expect((await fetch(`${s.origin}/board/../package.json`)).status).toBe(404);
    expect((await fetch(`${s.origin}/`, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect(await statusWithHost(`${s.origin}/`, 'evil.example')).toBe(403); // DNS rebinding
    expect(await statusWithHost(`${s.origin}/`, new URL(s.origin).host)).toBe(200);
  });

  it('lists tasks created over MCP, with their card details; a new one appears within 1 s without reload', async () => {
    await ok(agent, 'create_tasks', {
      tasks: [
        { title: 'Write the release notes', priority: 'high', labels: ['docs'], assignee: 'bo', due_date: '2020-01-02' },
        { title: 'Fix the flaky test', priority: 'critical' },
      ],
    });
    await ok(agent, 'claim_task', { id: 2 });
    const { page, requests, errors } = await openPage(`${s.origin}/`);
    await page.waitForSelector('#board[data-ready="true"]');
    expect(await cardTitles(page, 'todo')).toEqual(['Write the release notes']);
    expect(await cardTitles(page, 'in_progress')).toEqual(['Fix the flaky test']);
    const first = page.locator('[data-task="1"]');
    await expect.poll(() => first.textContent()).toContain('@bo');
    const text = (await first.textContent()) ?? '';
    expect(text).toContain('high');
    expect(text).toContain('docs');
    expect(text).toContain('overdue 2020-01-02');
    expect(await page.locator('[data-task="2"] .lease').textContent()).toContain('claimed by ana');
    await page.waitForSelector('#live.on');

    const start = Date.now();
    await ok(agent, 'create_tasks', { tasks: [{ title: 'Made by an agent just now' }] });
    await page.waitForSelector('[data-column="todo"] .card >> text=Made by an agent just now', { timeout: 1000 });
    const ms = Date.now() - start;
    process.stderr.write(`board: an MCP-created task appeared on the open board ${ms} ms after the call started\n`);
    expect(ms).toBeLessThan(1000);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('[data-task="1"]').click();
    await page.waitForSelector('#panel h2');
    await page.screenshot({ path: join(ARTIFACTS, 'board.png') });
    expect(errors).toEqual([]);
    for (const url of requests) expect(new URL(url).origin).toBe(s.origin);
    await page.close();
  });

  it('a status change on the board reaches an MCP client, whose subscriber is notified, recorded as the human', async () => {
    const { task } = await ok<{ task: { id: number } }>(agent, 'get_task', { id: 1 });
    const heard: string[] = [];
    agent.setNotificationHandler('notifications/resources/updated', async (n) => {
      heard.push(n.params.uri);
    });
    const listening = await agent.listen({ resourceSubscriptions: [`tasks://${task.id}`] });
    const { page } = await openPage(`${s.origin}/`);
    await page.waitForSelector('#board[data-ready="true"]');
    await page.locator('[data-task="1"]').click();
    await page.locator('#panel select[name="status"]').selectOption('blocked');
    await page.locator('#panel button.save').click();
    await page.waitForSelector('#panel .notice.good');
    await eventually(() => heard.includes('tasks://1'), 2000, 'the subscriber hears tasks://1');
    const after = await ok<{ task: { status: string; updated_by: { principal: string; client: string } } }>(agent, 'get_task', { id: 1 });
    expect(after.task.status).toBe('blocked');
    expect(after.task.updated_by).toMatchObject({ principal: 'ana', client: 'taskwire-board' });
    await page.waitForSelector('[data-column="blocked"] [data-task="1"]');
    await listening.close();
    await page.close();
  });

  it('shows a version conflict and writes nothing', async () => {
    const { page } = await openPage(`${s.origin}/`);
    await page.waitForSelector('#board[data-ready="true"]');
    await page.locator('[data-task="3"]').click();
    await page.waitForSelector('#panel select[name="priority"]');
    await page.locator('#panel select[name="priority"]').selectOption('low');
    await ok(agent, 'update_task', { id: 3, title: 'Renamed by an agent meanwhile' });
    // The open panel says the task changed, and keeps the choice being made.
    await page.waitForSelector('#panel .notice.stale');
    expect(await page.locator('#panel select[name="priority"]').inputValue()).toBe('low');
    await page.locator('#panel button.save').click();
    await page.waitForSelector('#panel .notice.conflict');
    expect(await page.locator('#panel .notice.conflict').textContent()).toContain('Nothing was written');
    expect(await page.locator('#panel h2').textContent()).toBe('Renamed by an agent meanwhile');
    const now = await ok<{ task: { priority: string; version: number } }>(agent, 'get_task', { id: 3 });
    expect(now.task.priority).toBe('medium');
    expect(now.task.version).toBe(2);
    await page.close();
  });

  it('comments, completes and reverts from the panel, each a change by the human through the board', async () => {
    await ok(agent, 'create_tasks', { tasks: [{ title: 'Review the agent plan' }] });
    const { id } = (await ok<{ tasks: Array<{ id: number; title: string }> }>(agent, 'list_tasks', {})).tasks.find((t) => t.title === 'Review the agent plan') as {
      id: number;
    };
    const { page } = await openPage(`${s.origin}/`);
    await page.waitForSelector('#board[data-ready="true"]');
    await page.locator(`[data-task="${id}"]`).click();
    await page.fill('#panel textarea[name="comment"]', 'Looks right; <b>ship</b> it.', { timeout: 3000 });
    await page.locator('#panel button.add-comment').click({ timeout: 3000 });
    await page.waitForSelector('#panel .notice.good', { timeout: 3000 });
    expect(await page.locator('#panel li .desc').last().textContent()).toBe('Looks right; <b>ship</b> it.');
    await page.locator('#panel button.complete').click({ timeout: 3000 });
    await page.waitForSelector('#panel .notice.good >> text=Completed.', { timeout: 3000 });
    await page.waitForSelector(`[data-column="done"] [data-task="${id}"]`, { timeout: 3000 });
    const completed = await ok<{ history: Array<{ seq: number; kind: string; principal: string; client: string }> }>(agent, 'get_task', { id, history: 5 });
    expect(completed.history.slice(0, 2).map((c) => [c.kind, c.principal, c.client])).toEqual([
      ['complete', 'ana', 'taskwire-board'],
      ['comment', 'ana', 'taskwire-board'],
    ]);
    const seq = completed.history[0]?.seq as number;
    await page.locator(`#panel li[data-seq="${seq}"] button.revert`).click({ timeout: 3000 });
    await page.waitForSelector(`#panel .notice.good >> text=Change ${seq} reverted.`, { timeout: 3000 });
    const reverted = await ok<{ task: { status: string } }>(agent, 'get_task', { id });
    expect(reverted.task.status).toBe('todo');
    await page.close();
  });

  it('renders an agent-written title as text: no element injected, no script run', async () => {
    await ok(agent, 'create_tasks', { tasks: [{ title: XSS, description: `${XSS}<script>alert(2)</script>` }] });
    const { page, dialogs } = await openPage(`${s.origin}/`);
    await page.waitForSelector('#board[data-ready="true"]');
    const card = page.locator('.card', { hasText: XSS });
    expect(await card.locator('.title').textContent()).toBe(XSS);
    await card.click();
    await page.waitForSelector('#panel h2');
    expect(await page.locator('#panel h2').textContent()).toBe(XSS);
    expect(await page.locator('img, script:not([src])').count()).toBe(0);
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('pages columns: the first 50 cards, then more on demand', async () => {
    await ok(agent, 'create_tasks', { tasks: Array.from({ length: 25 }, (_, i) => ({ title: `bulk a${i}`, labels: ['bulk'] })) });
    await ok(agent, 'create_tasks', { tasks: Array.from({ length: 25 }, (_, i) => ({ title: `bulk b${i}`, labels: ['bulk'] })) });
    await ok(agent, 'create_tasks', { tasks: Array.from({ length: 10 }, (_, i) => ({ title: `bulk c${i}`, labels: ['bulk'], assignee: 'cy' })) });
    const { page } = await openPage(`${s.origin}/`);
    await page.waitForSelector('#board[data-ready="true"]');
    expect(await page.locator('[data-column="todo"] .card').count()).toBe(50);
    await page.locator('[data-column="todo"] button.more').click();
    await expect.poll(() => page.locator('[data-column="todo"] .card').count()).toBeGreaterThan(50);
    await page.fill('#f-assignee', 'cy');
    await expect.poll(() => page.locator('[data-column="todo"] .card').count()).toBe(10);
    await page.fill('#f-assignee', '');
    await page.fill('#f-text', 'release notes');
    await expect.poll(() => page.locator('.card .title').allTextContents()).toEqual(['Write the release notes']);
    await page.close();
  });
});

describe('the board with API keys', () => {
  let s: BoardServed;
  beforeAll(async () => {
    s = await serveBoard({ auth: 'api-key' });
    const writer = await s.agent(await s.apiKey(['tasks:read', 'tasks:write']));
    await ok(writer, 'create_tasks', { tasks: [{ title: 'Visible to readers' }] });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('asks for the key once, keeps it in sessionStorage, sends it as a bearer header, never a cookie; a read-only key sees no write action and the server refuses one anyway', async () => {
    const readKey = await s.apiKey(['tasks:read']);
    const { page, requests } = await openPage(`${s.origin}/`);
    const sentAuth: string[] = [];
    page.on('request', (r) => {
      const auth = r.headers().authorization;
      if (auth) sentAuth.push(auth);
      expect(r.headers().cookie).toBeUndefined();
    });
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login-token', readKey);
    await page.click('#login button[type="submit"]');
    await page.waitForSelector('#board[data-ready="true"]');
    expect(await cardTitles(page, 'todo')).toEqual(['Visible to readers']);
    expect(
      await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('taskwire.credential')),
    ).toBe(readKey);
    expect(await page.context().cookies()).toEqual([]);
    expect(sentAuth.every((a) => a === `Bearer ${readKey}`) && sentAuth.length > 0).toBe(true);
    await page.locator('.card').first().click();
    await page.waitForSelector('#panel h2');
    expect(await page.locator('#panel button.save, #panel button.complete, #panel .add-comment, #panel button.revert, #panel select').count()).toBe(0);
    // The server refuses a write with this key whatever the page shows.
    const status = await page.evaluate(async (key) => {
      const res = await fetch('/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          authorization: `Bearer ${key}`,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'update_task', arguments: { id: 1, status: 'done' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
        }),
      });
      return res.status;
    }, readKey);
    expect(status).toBe(403);
    // Reloading keeps the key for this tab: no second prompt.
    await page.reload();
    await page.waitForSelector('#board[data-ready="true"]');
    expect(await page.locator('#login').isHidden()).toBe(true);
    for (const url of requests) expect(new URL(url).origin).toBe(s.origin);
    await page.close();
  });
});

describe('the board with OAuth (a pasted access token)', () => {
  let s: AuthServed;
  beforeAll(async () => {
    s = await serveWithAuth(['acme']);
  });
  afterAll(async () => {
    await s?.close();
  });

  it("takes a real authorization server's access token, shows the token's workspace and writes as its subject", async () => {
    const token = await s.as.token('acme', 'tasks:read tasks:write');
    const agent = await bearerClient(s.http.url, token);
    await ok(agent.client, 'create_tasks', { tasks: [{ title: 'In the acme workspace' }] });
    const { page } = await openPage(new URL('/', s.http.url).toString());
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login-token', token);
    await page.click('#login button[type="submit"]');
    await page.waitForSelector('#board[data-ready="true"]');
    expect(await cardTitles(page, 'todo')).toEqual(['In the acme workspace']);
    await page.locator('.card').first().click();
    await page.locator('#panel select[name="status"]').selectOption('in_progress');
    await page.locator('#panel button.save').click();
    await page.waitForSelector('#panel .notice.good');
    const after = await ok<{ task: { status: string; updated_by: { principal: string; client: string } } }>(agent.client, 'get_task', { id: 1 });
    expect(after.task.status).toBe('in_progress');
    expect(after.task.updated_by.client).toBe('taskwire-board');
    expect(after.task.updated_by.principal).not.toBe('nobody'); // the token's subject, not the server's local principal
    await page.close();
    await agent.client.close();
  });
});

describe('the README screenshot', () => {
  it('shows a realistic board (test-results/board-readme.png; docs/board.png with UPDATE_BOARD_PNG=1)', async () => {
    const s = await serveBoard({}, 'maria');
    try {
      const agent = await s.agent();
      await ok(agent, 'create_tasks', {
        tasks: [
          { ref: 'api', title: 'Design the public REST API', priority: 'high', labels: ['api'], assignee: 'claude-code' },
          { title: 'Write the endpoint handlers', priority: 'high', labels: ['api'], parent_id: 'api' },
          { title: 'Rate-limit the login endpoint', priority: 'critical', labels: ['security'], assignee: 'cursor', due_date: '2026-11-20' },
          { title: 'Migrate sessions to PostgreSQL', priority: 'medium', labels: ['infra'], assignee: 'maria', due_date: '2027-01-15' },
          { title: 'Update the onboarding guide', priority: 'low', labels: ['docs'] },
          { title: 'Add pagination to GET /projects', priority: 'medium', labels: ['api'], parent_id: 'api' },
          { title: 'Fix flaky upload test on CI', priority: 'high', labels: ['ci'], status: 'blocked', assignee: 'codex' },
          { title: 'Release notes for 2.3', priority: 'medium', labels: ['docs'], status: 'done' },
          { title: 'Rotate the signing keys', priority: 'high', labels: ['security'], status: 'done', assignee: 'maria' },
        ],
      });
      await ok(agent, 'claim_task', { id: 1 });
      await ok(agent, 'add_comment', { task_id: 1, body: 'Drafted the resource list; reviewing pagination next.' });
      const { page } = await openPage(`${s.origin}/`);
      await page.waitForSelector('#board[data-ready="true"]');
      await page.waitForSelector('#feed li');
      await page.waitForSelector('[data-task="1"] .progress');
      expect(await page.locator('[data-task="1"] .progress').textContent()).toBe('0/2 subtasks done');
      await page.waitForTimeout(300);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'board-readme.png') });
      if (process.env.UPDATE_BOARD_PNG) await page.screenshot({ path: join(process.cwd(), 'docs', 'board.png') });
      await page.close();
    } finally {
      await s.close();
    }
  });
});
