import type { RequestContext } from '../server/context.js';
import type { Toolset } from '../toolkit/define.js';
import { TOOLSET_MANIFESTS } from './manifests.js';

export { declaredScopes } from './manifests.js';

/**
 * Every toolset this build ships, loaded (for the docs generator and tests).
 * Serving loads only the selected ones (`loadToolsets` in ./manifests.ts);
 * the list itself is {@link TOOLSET_MANIFESTS}.
 */
export const TOOLSETS: ReadonlyArray<Toolset<RequestContext>> = await Promise.all(TOOLSET_MANIFESTS.map((manifest) => manifest.load()));
