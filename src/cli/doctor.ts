import { decodeJwt, decodeProtectedHeader } from 'jose';
import { discover, jwtVerifier } from '../auth/jwt.js';
import { metadataUrl, protectedResourceMetadata } from '../auth/metadata.js';
import { isLoopback } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { selectToolsets } from '../server/select.js';
import type { TaskStore } from '../store/types.js';
import { declaredScopes, TOOLSET_MANIFESTS } from '../toolsets/manifests.js';

/**
 * `taskwire doctor`: check a serving configuration and print what a user
 * would otherwise debug for hours — database, bind vs auth, issuer discovery
 * and JWKS, audience vs public URL (with a sample token when given), the
 * protected resource metadata document (as configured, and as served at the
 * public URL when reachable), and client config snippets for remote use.
 */
export interface Check {
  status: 'ok' | 'warn' | 'fail' | 'info';
  title: string;
  detail?: string;
}

export interface DoctorOptions {
  store: () => Promise<TaskStore>;
  fetch?: typeof fetch;
  /** A sample access token to validate (never printed). */
  sampleToken?: string;
}

export async function doctor(config: Config, options: DoctorOptions): Promise<Check[]> {
  const checks: Check[] = [];
  const fetchFn = options.fetch ?? fetch;
  const add = (status: Check['status'], title: string, detail?: string) => checks.push({ status, title, ...(detail ? { detail } : {}) });

  // database
  try {
    const store = await options.store();
    try {
      await store.ping();
      const keys = await store.apiKeys.list();
      const active = keys.filter((k) => !k.revoked_at && (!k.expires_at || Date.parse(k.expires_at) > Date.now()));
      add(
        'ok',
        `database reachable (${store.engine}, ${config.db})`,
        `${active.length} active API key(s) in ${new Set(active.map((k) => k.workspace)).size} workspace(s)`,
      );
      if (config.auth.includes('api-key') && active.length === 0)
        add('warn', 'no active API key', 'create one: taskwire token create --workspace NAME --scopes tasks:read,tasks:write --name LABEL');
    } finally {
      await store.close();
    }
  } catch (error) {
    add('fail', 'database not reachable', (error as Error).message);
  }

  // bind and auth mode
  if (config.auth === 'none') {
    if (isLoopback(config.host)) add('ok', `auth none on loopback ${config.host}: only this machine can connect`);
    else add('fail', `auth none on ${config.host}: serve will refuse to start`, 'use --auth api-key or --auth oauth --issuer URL --public-url URL');
  } else {
    add('ok', `auth ${config.auth}, bind ${config.host}:${config.port}`);
  }

  // public URL
  const publicUrl = config.publicUrl;
  if (publicUrl) {
    const u = new URL(publicUrl);
    if (u.protocol !== 'https:' && !isLoopback(u.hostname))
      add('warn', `public URL ${publicUrl} is not https`, 'terminate TLS in front of Taskwire and give the https URL');
    else add('ok', `public URL (canonical resource URI, the audience tokens must carry): ${publicUrl}`);
    if (u.pathname !== '/mcp') add('warn', `public URL path is ${u.pathname}`, 'Taskwire serves /mcp; make your proxy map this path to /mcp');
  } else if (config.auth.includes('oauth')) {
    add('fail', 'oauth needs --public-url', 'the URL clients use for /mcp, e.g. https://tasks.example.com/mcp');
  }

  // issuer discovery and JWKS
  if (config.auth.includes('oauth')) {
    if (!config.issuer) add('fail', 'oauth needs --issuer');
    else {
      let jwksUri = config.jwksUri;
      try {
        const meta = await discover(config.issuer, fetchFn);
        add('ok', `issuer discovery: ${meta.source}`, `jwks_uri ${meta.jwks_uri}`);
        jwksUri ??= meta.jwks_uri;
        const grants = meta.grant_types_supported as string[] | undefined;
        if (grants) add('info', `grant types offered by the issuer: ${grants.join(', ')}`);
      } catch (error) {
        add(config.jwksUri ? 'warn' : 'fail', 'issuer discovery failed', (error as Error).message);
      }
      if (jwksUri) {
        try {
          const res = await fetchFn(jwksUri, { signal: AbortSignal.timeout(5000) });
          const jwks = (await res.json()) as { keys?: Array<{ kid?: string; alg?: string; kty?: string }> };
          const keys = jwks.keys ?? [];
          const algs = keys.map((k) => k.alg ?? `${k.kty}?`);
          const usable = keys.some((k) => !k.alg || (config.jwtAlgorithms as readonly string[]).includes(k.alg));
          add(
            keys.length > 0 && usable ? 'ok' : 'fail',
            `JWKS fetched: ${keys.length} key(s) (${algs.join(', ') || 'none'})`,
            usable ? undefined : `none matches --jwt-algorithms ${config.jwtAlgorithms.join(',')}`,
          );
        } catch (error) {
          add('fail', `JWKS fetch failed: ${jwksUri}`, (error as Error).message);
        }
      }
      if (options.sampleToken && publicUrl) {
        try {
          const claims = decodeJwt(options.sampleToken);
          const header = decodeProtectedHeader(options.sampleToken);
          const aud = [claims.aud].flat().filter(Boolean).join(', ');
          add(
            aud.split(', ').includes(publicUrl) ? 'ok' : 'fail',
            `sample token audience: ${aud || '(none)'}`,
            `must contain ${publicUrl} (RFC 8707 resource indicator; ask your IdP to issue tokens for it)`,
          );
          add(
            header.typ === config.tokenType || config.tokenType === 'any' ? 'ok' : 'fail',
            `sample token typ: ${header.typ ?? '(none)'}`,
            `expected ${config.tokenType} (--token-type)`,
          );
          const principal = await jwtVerifier({
            issuer: config.issuer,
            ...(jwksUri ? { jwksUri } : {}),
            audience: publicUrl,
            algorithms: config.jwtAlgorithms,
            typ: config.tokenType === 'any' ? '' : config.tokenType,
            ...(config.workspaceClaim ? { workspaceClaim: config.workspaceClaim } : {}),
            fetch: fetchFn,
          })(options.sampleToken);
          add(
            principal.scopes.size > 0 ? 'ok' : 'fail',
            `sample token accepted: principal ${principal.id}, workspace ${principal.workspace}, scopes ${[...principal.scopes].join(' ') || '(none: it may do nothing)'}`,
          );
        } catch (error) {
          add('fail', 'sample token refused', (error as Error).message);
        }
      }
    }
  }

  // protected resource metadata
  if (publicUrl) {
    const doc = protectedResourceMetadata(publicUrl, config.issuer, Object.keys(declaredScopes(selectToolsets(TOOLSET_MANIFESTS, config.toolsets))));
    const at = metadataUrl(publicUrl);
    add('info', `protected resource metadata (RFC 9728) served at ${at}`, JSON.stringify(doc));
    try {
      const res = await fetchFn(at, { signal: AbortSignal.timeout(3000) });
      const served = await res.json();
      add(
        JSON.stringify(served) === JSON.stringify(doc) ? 'ok' : 'warn',
        `metadata reachable at the public URL (HTTP ${res.status})`,
        JSON.stringify(served) === JSON.stringify(doc) ? undefined : `served: ${JSON.stringify(served)}`,
      );
    } catch (error) {
      add('info', 'metadata not reachable at the public URL yet (server not running, or proxy/TLS not set up)', (error as Error).message);
    }
  }

  // client snippets
  const url = publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}/mcp`;
  const keyed = config.auth === 'api-key';
  // VS Code prompts for the key once and stores it (an `inputs` entry); Cursor interpolates `${env:NAME}`.
  const vscode = keyed
    ? {
        inputs: [{ type: 'promptString', id: 'taskwire-api-key', description: 'Taskwire API key', password: true }],
        servers: { taskwire: { type: 'http', url, headers: { Authorization: `Bearer \${input:taskwire-api-key}` } } },
      }
    : { servers: { taskwire: { type: 'http', url } } };
  const cursor = { mcpServers: { taskwire: { url, ...(keyed ? { headers: { Authorization: `Bearer \${env:TASKWIRE_API_KEY}` } } : {}) } } };
  add(
    'info',
    'Claude Code',
    keyed
      ? `claude mcp add --transport http taskwire ${url} --header "Authorization: Bearer $TASKWIRE_API_KEY"`
      : `claude mcp add --transport http taskwire ${url}${config.auth.includes('oauth') ? '   (then /mcp in Claude Code to sign in)' : ''}`,
  );
  add('info', 'VS Code (.vscode/mcp.json)', JSON.stringify(vscode));
  add('info', 'Cursor (~/.cursor/mcp.json)', JSON.stringify(cursor));
  return checks;
}

const MARK: Record<Check['status'], string> = { ok: '[ok]  ', warn: '[warn]', fail: '[FAIL]', info: '[info]' };

export function formatChecks(checks: readonly Check[]): string {
  return `${checks.map((c) => `${MARK[c.status]} ${c.title}${c.detail ? `\n       ${c.detail}` : ''}`).join('\n')}\n`;
}
