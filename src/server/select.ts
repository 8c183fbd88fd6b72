import type { Toolset } from '../toolkit/define.js';

/** Raised for a `--toolsets` value that names no toolset; the message lists the valid ones. */
export class SelectionError extends Error {}

/**
 * Choose toolsets by id (`all` = every one; none given = the defaults). The
 * same selection feeds listing and calling, so they can never disagree.
 */
export function selectToolsets<Ctx>(available: ReadonlyArray<Toolset<Ctx>>, requested?: readonly string[]): Toolset<Ctx>[] {
  if (!requested || requested.length === 0) return available.filter((t) => t.default);
  if (requested.includes('all')) return [...available];
  const byId = new Map(available.map((t) => [t.id, t]));
  const unknown = requested.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    throw new SelectionError(`unknown toolset ${unknown.map((u) => `"${u}"`).join(', ')}; available: ${available.map((t) => t.id).join(', ')}, all`);
  }
  return [...new Set(requested)].map((id) => byId.get(id) as Toolset<Ctx>);
}
