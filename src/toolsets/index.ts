import type { RequestContext } from '../server/context.js';
import type { Toolset } from '../toolkit/define.js';
import { conformanceToolset } from './conformance/index.js';
import { tasksToolset } from './tasks/index.js';

/** Every toolset this build ships. A new toolset is a folder beside this file plus one entry here. */
export const TOOLSETS: ReadonlyArray<Toolset<RequestContext>> = [tasksToolset, conformanceToolset];
