#!/usr/bin/env node
// `npm run bench:board [-- --tasks 10000 --rounds 10]`: the board at scale, in Debian's Chromium (playwright-core),
// against the built server (npm run build first) on a fresh SQLite file with N open tasks (6:2.5:1.5 todo,
// in_progress, blocked; labels and assignees spread) plus 5% done. Measures
// - first render: navigation start to the four columns, stats and feed requested and the columns drawn (data-ready);
// - MCP write → board: an agent's create_tasks over HTTP until the page shows it (the column's count and the feed entry), without reload;
// - board write → MCP: a status change clicked on the board until an MCP subscriptions/listen client hears tasks://ID.
// Write rate limit off for the seeding; the board runs under the default read and HTTP limits. Prints median and p95 of `--rounds` runs. Loopback only; on a shared machine the figures are noisy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { chromium } from 'playwright-core';
import { loadConfig } from '../dist/config/load.js';
import { createApp } from '../dist/server/app.js';
import { silentLogger } from '../dist/telemetry/logger.js';
import { TOOLSETS } from '../dist/toolsets/index.js';
import { serveHttp } from '../dist/transport/http.js';

const flag = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const TASKS = flag('--tasks', 10_000);
const ROUNDS = flag('--rounds', 10);
const STATUSES = ['todo', 'todo', 'todo', 'todo', 'todo', 'todo', 'in_progress', 'in_progress', 'blocked', 'blocked'];
const LABELS = ['api', 'docs', 'infra', 'security', 'ci', 'ux'];
const PEOPLE = ['ana', 'bo', 'cy', 'claude-code', 'cursor', 'codex', null];

const dir = mkdtempSync(join(tmpdir(), 'taskwire-bench-board-'));
const app = createApp(TOOLSETS, loadConfig({ db: join(dir, 'board.db'), port: '0', 'rate-limit-writes': '0' }, {}), silentLogger, undefined, 'bench');
const http = await serveHttp(app);
const origin = new URL(http.url).origin;
const agent = new Client({ name: 'bench-agent', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
await agent.connect(new StreamableHTTPClientTransport(new URL(http.url)));
const call = async (name, args) => {
  const r = await agent.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${r.content?.[0]?.text}`);
  return r.structuredContent;
};

const seedStart = performance.now();
const total = Math.round(TASKS * 1.05);
for (let i = 0; i < total; i += 50) {
  const tasks = [];
  for (let j = i; j < Math.min(total, i + 50); j++) {
    const assignee = PEOPLE[j % PEOPLE.length];
    tasks.push({
      title: `Task ${j}: ${LABELS[j % LABELS.length]} work item`,
      status: j >= TASKS ? 'done' : STATUSES[j % STATUSES.length],
      priority: ['low', 'medium', 'high', 'critical'][j % 4],
      labels: [LABELS[j % LABELS.length]],
      ...(assignee ? { assignee } : {}),
      ...(j % 9 === 0 ? { due_date: j % 2 ? '2026-01-15' : '2027-06-30' } : {}),
    });
  }
  await call('create_tasks', { tasks });
}
process.stderr.write(`seeded ${total} tasks in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n`);

const profile = mkdtempSync(join(tmpdir(), 'taskwire-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.TASKWIRE_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 860 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
});

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `median ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, min ${s[0].toFixed(0)}, max ${s[s.length - 1].toFixed(0)} (n=${s.length})`;
};

const firstRender = [];
for (let r = -1; r < ROUNDS; r++) {
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForSelector('#board[data-ready="true"]');
  const ms = await page.evaluate(() => performance.getEntriesByName('taskwire-board-ready')[0].startTime);
  if (r < 0) process.stdout.write(`  first render, cold (the server's and the browser's first page load): ${ms.toFixed(0)} ms\n`);
  else firstRender.push(ms);
  await page.close();
}

const page = await context.newPage();
await page.goto(`${origin}/`);
await page.waitForSelector('#board[data-ready="true"]');
await page.waitForSelector('#live.on');
const writeToBoard = [];
for (let r = 0; r < ROUNDS; r++) {
  const title = `Bench write ${r} ${Date.now()}`;
  const todoBefore = Number(await page.locator('[data-column="todo"] .count').textContent());
  const start = performance.now();
  await call('create_tasks', { tasks: [{ title, priority: 'critical' }] });
  // At 10k tasks a new task rarely sorts into a column's first page: wait for its column count and its feed entry.
  await page.waitForFunction(
    ([t, n]) => document.querySelector('#feed')?.textContent?.includes(t) && document.querySelector('[data-column="todo"] .count')?.textContent === String(n),
    [title, todoBefore + 1],
    { polling: 'raf' },
  );
  writeToBoard.push(performance.now() - start);
  await page.waitForTimeout(700); // past the board's refresh spacing, as separate writes
}

const heard = new Map();
agent.setNotificationHandler('notifications/resources/updated', async (n) => {
  if (!heard.has(n.params.uri)) heard.set(n.params.uri, performance.now());
});
const boardToMcp = [];
for (let r = 0; r < ROUNDS; r++) {
  const { tasks } = await call('list_tasks', { status: ['todo'], limit: 1, sort: 'priority' });
  const id = tasks[0].id;
  const listening = await agent.listen({ resourceSubscriptions: [`tasks://${id}`] });
  heard.delete(`tasks://${id}`);
  await page.locator(`[data-task="${id}"]`).first().click();
  await page.waitForSelector(`#panel select[name="status"]`);
  await page.locator('#panel select[name="status"]').selectOption('blocked');
  const start = performance.now();
  await page.locator('#panel button.save').click();
  while (!heard.has(`tasks://${id}`)) await new Promise((res) => setTimeout(res, 2));
  boardToMcp.push(heard.get(`tasks://${id}`) - start);
  await listening.close();
  await page.locator('#panel button.close').click();
  await page.waitForTimeout(700);
}

process.stdout.write(
  `board bench: ${TASKS} open tasks (+${total - TASKS} done), SQLite, loopback, Chromium headless\n` +
    `  first render, warm (navigation start → columns drawn): ${stats(firstRender)}\n` +
    `  MCP create_tasks → shown on the open board:            ${stats(writeToBoard)}\n` +
    `  board status change → MCP listener notified:           ${stats(boardToMcp)}\n`,
);
await context.close();
await agent.close();
await http.close();
await app.close();
rmSync(profile, { recursive: true, force: true });
rmSync(dir, { recursive: true, force: true });
