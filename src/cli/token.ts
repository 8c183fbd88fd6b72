import { createApiKey, parseLifetime } from '../auth/api-keys.js';
import type { Scope } from '../auth/principal.js';
import type { Config } from '../config/schema.js';
import { openConfiguredStore } from '../store/open.js';
import type { TaskStore } from '../store/types.js';
import { declaredScopes } from '../toolsets/manifests.js';

/**
 * `taskwire token create|list|revoke`: API keys for `serve --auth api-key`.
 * The secret is printed once, on stdout (so `KEY=$(taskwire token create ...)`
 * works); only its hash is stored. Everything else goes to stderr.
 */

export const TOKEN_USAGE = `  taskwire token create --workspace NAME --scopes tasks:read,tasks:write --name LABEL [--expires 90d]
                                          create an API key; prints the secret once
  taskwire token list [--workspace NAME]  list keys (never their secrets)
  taskwire token revoke ID                revoke a key at once`;

export const TOKEN_OPTIONS = {
  scopes: { type: 'string' },
  name: { type: 'string' },
  expires: { type: 'string' },
} as const;

type Fail = (message: string, code?: number) => never;

export async function runToken(args: string[], values: Record<string, unknown>, config: Config, fail: Fail, open?: () => TaskStore): Promise<void> {
  const [action, id] = args;
  const store = open ? open() : await openConfiguredStore(config);
  try {
    switch (action) {
      case 'create':
        return await create(store, values, fail);
      case 'list':
        return await list(store, typeof values.workspace === 'string' ? values.workspace : process.env.TASKWIRE_WORKSPACE || undefined);
      case 'revoke': {
        if (!id) fail('token revoke needs the key id (see taskwire token list)');
        const done = await store.apiKeys.revoke(id, new Date().toISOString());
        if (!done) fail(`no active key with id ${JSON.stringify(id)} (see taskwire token list)`, 1);
        process.stderr.write(`Revoked key ${id}: requests with it are refused from now on.\n`);
        return;
      }
      default:
        fail(`token needs an action: create, list or revoke\n${TOKEN_USAGE}`);
    }
  } finally {
    await store.close();
  }
}

async function create(store: TaskStore, values: Record<string, unknown>, fail: Fail): Promise<void> {
  const workspace = (values.workspace as string | undefined) ?? process.env.TASKWIRE_WORKSPACE;
  if (!workspace || !/^[A-Za-z0-9._-]{1,64}$/.test(workspace)) fail('token create needs --workspace NAME (1-64 letters, digits, dot, dash or underscore)');
  const name = values.name as string | undefined;
  if (!name || name.length > 100) fail('token create needs --name LABEL (at most 100 characters), e.g. --name ci-bot');
  const scopes = String(values.scopes ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = Object.keys(declaredScopes());
  const unknown = scopes.filter((s) => !known.includes(s));
  if (scopes.length === 0 || unknown.length > 0) {
    fail(`token create needs --scopes from ${known.join(', ')} (comma-separated)${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  }
  let ttlMs: number | undefined;
  try {
    ttlMs = values.expires === undefined ? undefined : parseLifetime(String(values.expires));
  } catch (error) {
    fail((error as Error).message);
  }
  const { record, token } = await createApiKey(store.apiKeys, { workspace, name, scopes: [...new Set(scopes)] as Scope[], ...(ttlMs ? { ttlMs } : {}) });
  process.stdout.write(`${token}\n`);
  process.stderr.write(
    `Created key ${record.id} "${record.name}" for workspace ${record.workspace} with scopes ${record.scopes.join(' ')}, ` +
      `${record.expires_at ? `expiring ${record.expires_at}` : 'never expiring'}.\n` +
      'The secret above is shown only this once; store it now. Send it as: Authorization: Bearer <secret>\n',
  );
}

async function list(store: TaskStore, workspace: string | undefined): Promise<void> {
  const keys = await store.apiKeys.list(workspace);
  const now = Date.now();
  const rows = keys.map((k) => [
    k.id,
    k.workspace,
    k.name,
    k.scopes.join(' '),
    k.created_at.slice(0, 19),
    k.expires_at ? k.expires_at.slice(0, 19) : 'never',
    k.revoked_at ? 'revoked' : k.expires_at && Date.parse(k.expires_at) <= now ? 'expired' : 'active',
  ]);
  const header = ['id', 'workspace', 'name', 'scopes', 'created', 'expires', 'status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i] as number)).join('  ')}\n`);
}
