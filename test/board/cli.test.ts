import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from '../e2e/cli-process.js';
import { ok, tempDir } from '../harness.js';
import { launchBrowser } from './browser.js';

/**
 * `taskwire board` (built CLI): the board for a stdio install, on a loopback port over the same
 * SQLite file the stdio server uses; it prints its URL on stdout and opens without a credential, and
 * the two processes see each other's writes live (the SQLite change bus).
 */
describe('taskwire board', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'stdio.db');
  beforeAll(() => assertBuilt());
  afterAll(() => tmp.cleanup());

  it('serves the board of the stdio database on a loopback port and prints its URL', async () => {
    const stdio = new Client({ name: 'claude-desktop', version: '1.0.0' });
    await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, '--db', db], stderr: 'ignore' }));
    await ok(stdio, 'create_tasks', { tasks: [{ title: 'Made over stdio' }] });

    // Even when asked for a public address and authentication, `board` stays on loopback without a credential.
    const child = spawn(process.execPath, [CLI, 'board', '--db', db, '--host', '0.0.0.0', '--auth', 'api-key'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        const timer = setTimeout(() => reject(new Error(`no URL in 15 s: ${err}`)), 15_000);
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.stdout.on('data', (d) => {
          out += d;
          const m = /^(http:\/\/\S+\/)\n/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      expect(new URL(url).hostname).toBe('127.0.0.1');
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const viaBoard = new Client({ name: 'board-check', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await viaBoard.connect(new StreamableHTTPClientTransport(new URL('/mcp', url)));
      const listed = await ok<{ tasks: Array<{ title: string }> }>(viaBoard, 'list_tasks', {});
      expect(listed.tasks.map((t) => t.title)).toEqual(['Made over stdio']);
      await viaBoard.close();

      // Another process's write reaches the open board live: the stdio server commits, the board process hears it
      // through the SQLite file's change bus and pushes it down the page's subscriptions/listen stream.
      const browser = await launchBrowser();
      try {
        const page = await browser.context.newPage();
        await page.goto(url);
        await page.waitForSelector('#board[data-ready="true"]');
        await page.waitForSelector('#live.on');
        const start = Date.now();
        await ok(stdio, 'create_tasks', { tasks: [{ title: 'Made over stdio while the board is open' }] });
        await page.waitForSelector('.card >> text=Made over stdio while the board is open', { timeout: 1000 });
        process.stderr.write(`board: a stdio process's write appeared on the board of another process ${Date.now() - start} ms after the call started\n`);
        // And a human's change on the board reaches the stdio process's database.
        await page.locator('.card', { hasText: 'Made over stdio while' }).click();
        await page.locator('#panel select[name="priority"]').selectOption('critical');
        await page.locator('#panel button.save').click();
        await page.waitForSelector('#panel .notice.good');
        const seen = await ok<{ tasks: Array<{ title: string; priority: string; updated_by?: unknown }> }>(stdio, 'list_tasks', { priority: ['critical'] });
        expect(seen.tasks.map((t) => t.title)).toEqual(['Made over stdio while the board is open']);
      } finally {
        await browser.close();
      }
    } finally {
      child.kill('SIGTERM');
      await stdio.close();
    }
  });
});
