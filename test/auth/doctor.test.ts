import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctor, formatChecks } from '../../src/cli/doctor.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { testConfig } from '../harness.js';
import { type AuthServed, PUBLIC_URL, serveWithAuth } from './served.js';

/** `taskwire doctor` against a real authorization server and a running Taskwire. */
describe('taskwire doctor', () => {
  let s: AuthServed;
  beforeAll(async () => {
    s = await serveWithAuth(['acme']);
  });
  afterAll(async () => {
    await s?.close();
  });

  const run = (over: Record<string, string>, sampleToken?: string) => {
    const config = testConfig({ auth: 'oauth', 'public-url': PUBLIC_URL, issuer: s.as.issuer, 'workspace-claim': 'org_id', ...over });
    // The public URL is not resolvable here: route it to the running server, as a TLS proxy would.
    const routed: typeof fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input).replace('https://tasks.test', s.http.url.replace(/\/mcp$/, ''));
      return fetch(url, init);
    };
    return doctor(config, { store: async () => openSqliteStore({ path: config.db }), fetch: routed, ...(sampleToken ? { sampleToken } : {}) });
  };

  it('passes a good setup: database, discovery, JWKS, a sample token, metadata served, client snippets', async () => {
    const checks = await run({}, await s.as.token('acme', 'tasks:read'));
    const text = formatChecks(checks);
    expect(
      checks.filter((c) => c.status === 'fail'),
      text,
    ).toEqual([]);
    expect(text).toContain('issuer discovery: ');
    expect(text).toMatch(/JWKS fetched: 1 key\(s\) \(ES256\)/);
    expect(text).toContain('sample token accepted: principal acme, workspace acme, scopes tasks:read');
    expect(text).toContain('[ok]   metadata reachable at the public URL (HTTP 200)');
    expect(text).toContain(`claude mcp add --transport http taskwire ${PUBLIC_URL}`);
    expect(text).toContain('"servers":{"taskwire":{"type":"http"');
  });

  it('names what is wrong: a token for another audience, an unreachable issuer', async () => {
    const wrongAud = formatChecks(await run({}, await s.as.token('acme', 'tasks:read', 'https://elsewhere.example/mcp')));
    expect(wrongAud).toContain('[FAIL] sample token audience: https://elsewhere.example/mcp');
    const noIssuer = formatChecks(await run({ issuer: 'http://127.0.0.1:9/' }));
    expect(noIssuer).toContain('[FAIL] issuer discovery failed');
    const open = formatChecks(await run({ auth: 'none', host: '0.0.0.0' }));
    expect(open).toContain('[FAIL] auth none on 0.0.0.0');
  });
});
