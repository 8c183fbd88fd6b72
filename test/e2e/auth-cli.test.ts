import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../harness.js';
import { run, runCli, type Served, startHttp } from './cli-process.js';

/**
 * `taskwire token` and `serve --auth api-key` as a user runs them (built CLI,
 * loopback): the secret is printed once and works; list never shows it;
 * revoke takes effect on the running server; the server log never holds it.
 * Then the official Inspector CLI connects with `--header "Authorization: Bearer ..."`.
 */
const INSPECTOR = process.env.INSPECTOR_VERSION ?? '2.12.0';

describe('API keys end to end (built CLI)', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'keys.db');
  let server: Served | undefined;
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it.each([
    [['serve', '--auth', 'oauth', '--issuer', 'https://id.example.com'], /--auth oauth needs --public-url/],
    [['serve', '--auth', 'oauth', '--public-url', 'https://tasks.example.com/mcp'], /--auth oauth needs --issuer/],
    [['serve', '--auth', 'password'], /--auth \(TASKWIRE_AUTH\): must be none, api-key, oauth or api-key,oauth/],
    [['serve', '--host', '0.0.0.0'], /refusing to bind 0\.0\.0\.0 without authentication/],
    [['serve', '--jwt-algorithms', 'HS256'], /--jwt-algorithms/],
    [['token', 'create', '--workspace', 'acme', '--name', 'x', '--scopes', 'tasks:everything'], /unknown: tasks:everything/],
    [['token', 'create', '--workspace', 'acme', '--name', 'x', '--scopes', 'tasks:read', '--expires', 'soon'], /--expires: expected a lifetime/],
    [['token', 'create', '--name', 'x', '--scopes', 'tasks:read'], /needs --workspace/],
  ])('refuses %j with one clear line', async (args, message) => {
    const r = await runCli([...args, '--db', join(tmp.dir, 'bad.db')], { TASKWIRE_WORKSPACE: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('creates, lists and revokes keys; the running server honours them at once; no secret in its log', { timeout: 60_000 }, async () => {
    const created = await runCli(['token', 'create', '--db', db, '--workspace', 'acme', '--scopes', 'tasks:read,tasks:write', '--name', 'ci-bot', '--expires', '90d']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^tw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('shown only this once');
    const id = key.slice(3, 15);

    const listed = await runCli(['token', 'list', '--db', db]);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('ci-bot');
    expect(listed.stdout).toContain('active');
    expect(listed.stdout + listed.stderr).not.toContain(key.slice(16));

    server = await startHttp(tmp.dir, ['--auth', 'api-key', '--db', db, '--log-level', 'debug']);
    expect(server.stderr()).toContain('--header "Authorization: Bearer $TASKWIRE_API_KEY"');
    const client = new Client({ name: 'e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    const made = await client.callTool({ name: 'create_tasks', arguments: { tasks: [{ title: 'from ci' }] } });
    expect(made.isError).toBeFalsy();
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('delete_task'); // tasks:admin not granted

    const revoked = await runCli(['token', 'revoke', id, '--db', db]);
    expect(revoked.code).toBe(0);
    await expect(client.callTool({ name: 'list_tasks', arguments: {} })).rejects.toThrow(/401|invalid_token|Unauthorized/i);
    expect((await runCli(['token', 'list', '--db', db])).stdout).toContain('revoked');
    await client.close().catch(() => undefined);
    expect(server.stderr()).not.toContain(key.slice(16));
  });

  it('the MCP Inspector CLI connects over HTTP with --header "Authorization: Bearer ..."', { timeout: 300_000 }, async () => {
    const created = await runCli(['token', 'create', '--db', db, '--workspace', 'acme', '--scopes', 'tasks:read', '--name', 'inspector']);
    const key = created.stdout.trim();
    const url = server?.url as string;
    const inspect = (header: string[]) =>
      run(
        'npx',
        [
          '-y',
          '-p',
          'node@22',
          '-p',
          `@modelcontextprotocol/inspector@${INSPECTOR}`,
          '-c',
          `mcp-inspector --cli ${url} --transport http --method tools/list ${header.map((h) => `'${h}'`).join(' ')}`,
        ],
        { HOME: tmp.dir },
        180_000,
      );
    const ok = await inspect(['--header', `Authorization: Bearer ${key}`]);
    expect(ok.code, ok.stderr).toBe(0);
    const tools = (JSON.parse(ok.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
    expect(tools).toContain('list_tasks');
    expect(tools).not.toContain('create_tasks'); // read-only key
    const refused = await inspect([]);
    expect(refused.code).not.toBe(0);
  });
});
