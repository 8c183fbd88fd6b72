// The idempotency rule: one stored result per key, a replay for the same arguments, a conflict for others.
import type { TaskWriter } from '../../../store/types.js';
import { canonicalJson } from '../../../toolkit/cursor.js';
import { digest } from '../../../toolkit/digest.js';
import { ToolError } from '../../../toolkit/errors.js';

/**
 * Run `fn` once per idempotency key (inside the caller's transaction): a retry
 * with the same key and the same arguments returns the stored result with
 * `replayed: true`; the same key with other arguments is `idempotency_conflict`.
 * `clock` stamps the stored record's `created_at`.
 */
export async function idempotent<T extends { replayed: boolean }>(
  clock: () => Date,
  w: TaskWriter,
  workspace: string,
  tool: string,
  key: string | undefined,
  args: unknown,
  fn: () => Promise<T>,
): Promise<T> {
  if (key === undefined) return fn();
  const hash = digest('sha256', canonicalJson(args), 'hex');
  const prior = await w.getIdempotency(workspace, key);
  if (prior) {
    if (prior.tool !== tool || prior.args_hash !== hash) {
      throw new ToolError('idempotency_conflict', `idempotency_key "${key}" was already used for a different ${prior.tool} request.`, {
        fields: [{ field: 'idempotency_key', message: 'use a new key for a new request' }],
      });
    }
    return { ...(JSON.parse(prior.result) as T), replayed: true };
  }
  const result = await fn();
  await w.putIdempotency(workspace, key, {
    tool,
    args_hash: hash,
    result: JSON.stringify(result),
    created_at: clock().toISOString(),
  });
  return result;
}
