import { describe, expect, it } from 'vitest';
import { isApiKey, parseLifetime } from '../../src/auth/api-keys.js';
import { discoveryUrls } from '../../src/auth/jwt.js';
import { challenge, metadataPaths, metadataUrl } from '../../src/auth/metadata.js';
import { knownScopes, missingScopes } from '../../src/auth/principal.js';
import { requiredScopes, streamScopes } from '../../src/auth/scopes.js';
import { serveWithAuth } from './served.js';

describe('auth building blocks', () => {
  it('parses key lifetimes and refuses anything else', () => {
    expect(parseLifetime('90d')).toBe(90 * 86_400_000);
    expect(parseLifetime('12h')).toBe(12 * 3_600_000);
    expect(parseLifetime('2w')).toBe(14 * 86_400_000);
    expect(parseLifetime('never')).toBeUndefined();
    for (const bad of ['0d', '90', 'd', '1y', '-1d', '9999999d']) expect(() => parseLifetime(bad), bad).toThrow(/--expires/);
    expect(isApiKey('tw_abc')).toBe(true);
    expect(isApiKey('eyJhbGciOi')).toBe(false);
  });

  it('discovers RFC 8414 first (suffix before the issuer path), then OpenID Connect', () => {
    expect(discoveryUrls('https://id.example.com/realms/acme')).toEqual([
      'https://id.example.com/.well-known/oauth-authorization-server/realms/acme',
      'https://id.example.com/.well-known/openid-configuration/realms/acme',
      'https://id.example.com/realms/acme/.well-known/openid-configuration',
    ]);
    expect(discoveryUrls('https://id.example.com')).toEqual([
      'https://id.example.com/.well-known/oauth-authorization-server',
      'https://id.example.com/.well-known/openid-configuration',
    ]);
  });

  it('builds RFC 9728 URLs and RFC 6750 challenges (quotes stripped from values)', () => {
    expect(metadataUrl('https://tasks.example.com/mcp')).toBe('https://tasks.example.com/.well-known/oauth-protected-resource/mcp');
    expect(metadataPaths('https://tasks.example.com/mcp')).toEqual(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']);
    expect(challenge('insufficient_scope', 'needs "admin"', 'https://x/.well-known/oauth-protected-resource/mcp', ['tasks:admin'])).toBe(
      'Bearer error="insufficient_scope", error_description="needs admin", scope="tasks:admin", resource_metadata="https://x/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('keeps known scopes from scope (string) or scp (array); derives what a message needs', () => {
    expect([...knownScopes('tasks:read openid tasks:admin')]).toEqual(['tasks:read', 'tasks:admin']);
    expect([...knownScopes(['tasks:write', 42, 'email'])]).toEqual(['tasks:write']);
    expect([...knownScopes(undefined)]).toEqual([]);
    expect(missingScopes(undefined, ['tasks:admin'])).toEqual([]); // unauthenticated local serving
    expect(missingScopes(new Set(['tasks:read']), ['tasks:read', 'tasks:write'])).toEqual(['tasks:write']);
    const tools = new Map([['delete_task', ['tasks:admin']]]);
    // What the toolsets declare: prompts by name, resources by scheme; a listen needs the scopes every resource shares.
    const table = {
      tools,
      prompts: new Map([
        ['emergency_summary', ['weather:read']],
        ['daily_standup', ['tasks:read']],
      ]),
      schemes: new Map([
        ['alerts', ['weather:read']],
        ['tasks', ['tasks:read']],
      ]),
      base: [],
    };
    expect(requiredScopes({ method: 'tools/call', params: { name: 'delete_task' } }, table)).toEqual(['tasks:admin']);
    expect(requiredScopes({ method: 'tools/call', params: { name: 'nope' } }, table)).toEqual([]);
    expect(requiredScopes({ method: 'resources/read', params: { uri: 'tasks://1' } }, table)).toEqual(['tasks:read']);
    expect(requiredScopes({ method: 'tools/list' }, table)).toEqual([]);
    expect(requiredScopes({ method: 'resources/read', params: { uri: 'alerts://CA/active' } }, table)).toEqual(['weather:read']);
    expect(requiredScopes({ method: 'resources/read', params: { uri: 'tasks://board' } }, table)).toEqual(['tasks:read']);
    expect(requiredScopes({ method: 'prompts/get', params: { name: 'emergency_summary' } }, table)).toEqual(['weather:read']);
    expect(requiredScopes({ method: 'completion/complete', params: { ref: { type: 'ref/resource', uri: 'alerts://{state}/active' } } }, table)).toEqual(['weather:read']);
    expect(requiredScopes({ method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: 'daily_standup' } } }, table)).toEqual(['tasks:read']);
    // The core has no read scope of its own: what no toolset declares needs nothing here (the server answers "not found").
    expect(requiredScopes({ method: 'resources/read', params: { uri: 'notes://1' } }, table)).toEqual([]);
    expect(requiredScopes({ method: 'prompts/get', params: { name: 'nope' } }, table)).toEqual([]);
    expect(
      requiredScopes(
        [
          { method: 'prompts/get', params: { name: 'daily_standup' } },
          { method: 'tools/call', params: { name: 'delete_task' } },
        ],
        table,
      ).sort(),
    ).toEqual(['tasks:admin', 'tasks:read']);
    // A listen stream: the scopes every resource shares, plus those of what it subscribes to.
    const listen = (uris: string[]) => ({ method: 'subscriptions/listen', params: { notifications: { resourceSubscriptions: uris } } });
    expect(requiredScopes(listen(['alerts://CA/active']), table)).toEqual(['weather:read']);
    expect(requiredScopes(listen([]), table)).toEqual([]);
    expect(requiredScopes(listen([]), { ...table, base: ['tasks:read'] })).toEqual(['tasks:read']);
    expect(requiredScopes(listen(['alerts://CA/active', 'tasks://board']), table).sort()).toEqual(['tasks:read', 'weather:read']);
    // What an open stream keeps needing: a listen's, or (a 2025 GET stream) the resource scopes its credential held.
    expect(streamScopes(listen(['tasks://board']), table, new Set(['tasks:read', 'tasks:write']))).toEqual(['tasks:read']);
    expect(streamScopes(undefined, table, new Set(['tasks:read', 'tasks:write']))).toEqual(['tasks:read']);
    expect(streamScopes(undefined, table, new Set(['tasks:write']))).toEqual([]);
    expect(streamScopes(undefined, table, undefined)).toEqual([]);
  });
});

describe('authorization server unreachable', () => {
  it('answers 503 with Retry-After (not 401) while the issuer cannot be discovered', async () => {
    const s = await serveWithAuth(['acme']);
    const token = await s.as.sign({ iss: s.as.issuer, aud: 'https://tasks.test/mcp', sub: 'acme', scope: 'tasks:read', exp: Math.floor(Date.now() / 1000) + 60 });
    await s.as.close(); // before Taskwire ever fetched its metadata or keys
    const res = await fetch(s.http.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    await s.close();
  });
});
