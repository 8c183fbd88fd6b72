import type { z } from 'zod';
import type { RequestContext } from '../../../server/context.js';
import { type Annotations, defineTool, type ToolDef } from '../../../toolkit/define.js';

/** Reads of an outside service: read-only, idempotent, and open-world (the NWS API is outside this server). */
export const OUTBOUND_READ: Annotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };

export const WEATHER_READ = ['weather:read'] as const;

/** A call's limit (ms): room for the NWS client's own bound (response timeout + 10 s) at the default 15 s timeout. */
export const WEATHER_TIMEOUT_MS = 30_000;

/** `defineTool` bound to the request context, so argument and result types follow the schemas. */
export function weatherTool<I extends z.ZodType, O extends z.ZodType>(def: ToolDef<RequestContext, I, O>) {
  return defineTool(def);
}
