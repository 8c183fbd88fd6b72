import type { ToolDef } from '../toolkit/define.js';

/**
 * A tool call flowing through the middleware onion. Middleware are small named
 * functions `(call, next) => result`; `compose([a, b, c], handler)` runs `a`
 * outermost. Each one is in its own file with its own test.
 */
export interface ToolCall<Ctx = unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: the onion carries tools of every type
  tool: ToolDef<Ctx, any, any>;
  /** Arguments as received: not yet validated. */
  args: unknown;
  ctx: Ctx;
  /** JSON-RPC request id, for logs. */
  requestId: string | number;
}

/** The MCP `CallToolResult` shape (spec: server/tools). */
export interface ToolResult {
  content: Array<Record<string, unknown>>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

export type ToolHandler<Ctx = unknown> = (call: ToolCall<Ctx>) => Promise<ToolResult>;
export type Middleware<Ctx = unknown> = (call: ToolCall<Ctx>, next: ToolHandler<Ctx>) => Promise<ToolResult>;
