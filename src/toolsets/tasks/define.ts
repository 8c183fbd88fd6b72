import type { z } from 'zod';
import type { RequestContext } from '../../server/context.js';
import { defineTool, type ToolDef } from '../../toolkit/define.js';

/** `defineTool` bound to Taskwire's request context. */
export function taskTool<I extends z.ZodType, O extends z.ZodType>(def: ToolDef<RequestContext, I, O>) {
  return defineTool(def);
}

export const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
export const READ = ['tasks:read'] as const;
export const WRITE = ['tasks:write'] as const;
/** Deletion, destructive bulk operations and lease overrides (`force`). */
export const ADMIN = 'tasks:admin';
