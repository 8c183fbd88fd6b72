import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, ApiKeyStore } from '../store/types.js';
import { digest } from '../toolkit/digest.js';
import { AuthError } from './errors.js';
import { knownScopes, type Principal, type Scope } from './principal.js';

/**
 * API keys for scripts and internal servers, sent as `Authorization: Bearer tw_<id>_<secret>`.
 * The id (12 hex) is public and indexes the stored record; the secret (32
 * random bytes, base64url) is printed once at creation, and only its SHA-256
 * is stored. A plain hash is enough for a 256-bit random secret (nothing to
 * brute-force); the comparison is constant-time.
 */

const PREFIX = 'tw_';
const KEY_PATTERN = /^tw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** Does this bearer value look like one of our API keys (rather than a JWT)? */
export function isApiKey(token: string): boolean {
  return token.startsWith(PREFIX);
}

function hashSecret(secret: string): string {
  return digest('sha256', secret, 'hex');
}

/** A random hash to compare against when the id is unknown, so a miss costs what a hit costs. */
const DECOY = hashSecret(randomBytes(32).toString('base64url'));

export interface NewKey {
  workspace: string;
  name: string;
  scopes: Scope[];
  /** Lifetime in ms; undefined = never expires. */
  ttlMs?: number;
}

/**
 * Create and store a key. Returns the record and the bearer value, which is
 * never stored or logged: show it to the user once.
 */
export async function createApiKey(store: ApiKeyStore, key: NewKey, now = new Date()): Promise<{ record: ApiKeyRecord; token: string }> {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const record: ApiKeyRecord = {
    id,
    workspace: key.workspace,
    name: key.name,
    scopes: [...key.scopes],
    secret_hash: hashSecret(secret),
    created_at: now.toISOString(),
    expires_at: key.ttlMs === undefined ? null : new Date(now.getTime() + key.ttlMs).toISOString(),
    revoked_at: null,
  };
  await store.insert(record);
  return { record, token: `${PREFIX}${id}_${secret}` };
}

/**
 * Verify an API key bearer value.
 * @throws AuthError `invalid_token` for a malformed, unknown, revoked or expired key (one message for all, on purpose).
 */
export async function verifyApiKey(store: ApiKeyStore, token: string, now = Date.now()): Promise<Principal> {
  const invalid = () => new AuthError('invalid_token', 'The API key is invalid, revoked or expired.');
  const match = KEY_PATTERN.exec(token);
  if (!match) throw invalid();
  const [, id, secret] = match as unknown as [string, string, string];
  const record = await store.get(id);
  const expected = Buffer.from(record?.secret_hash ?? DECOY, 'hex');
  const given = Buffer.from(hashSecret(secret), 'hex');
  const equal = expected.length === given.length && timingSafeEqual(expected, given);
  if (!record || !equal) throw invalid();
  if (record.revoked_at !== null) throw invalid();
  if (record.expires_at !== null && Date.parse(record.expires_at) <= now) throw invalid();
  return {
    id: `key:${record.id}`,
    workspace: record.workspace,
    scopes: knownScopes(record.scopes),
    via: 'api-key',
    ...(record.expires_at ? { expiresAt: Math.floor(Date.parse(record.expires_at) / 1000) } : {}),
  };
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * `90d`, `12h`, `30m`, `45s`, `2w` → milliseconds; `never` → undefined.
 * @throws Error naming the accepted forms.
 */
export function parseLifetime(text: string): number | undefined {
  if (text === 'never') return undefined;
  const m = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new Error(`--expires: expected a lifetime like 90d, 12h, 30m or 2w (or never), got ${JSON.stringify(text)}`);
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}
