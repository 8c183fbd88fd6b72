import type { ToolDef } from '../toolkit/define.js';
import type { ToolError } from '../toolkit/errors.js';

/** The MCP requests the onion wraps (see `pipeline.ts` for each one's steps). */
export type OperationKind = 'tool' | 'resource' | 'prompt' | 'completion';

/**
 * What the middleware need to know about one served definition (a tool, a
 * resource or template, a prompt, the completion handler): its policy,
 * computed once at start-up (`operation.ts`) so no call looks anything up.
 */
export interface Operation {
  kind: OperationKind;
  /** The MCP method: `tools/call`, `resources/read`, `prompts/get`, `completion/complete` (the log line's message). */
  method: string;
  /** Tool name, resource URI (or template), prompt name; `completion/complete` for completions. */
  name: string;
  /**
   * How logs' `tool` field, guardrail events, `--tool-timeouts` and the audit
   * trail's `tool` column name it: the tool name for tools, else
   * `{method} {name}` (`resources/read alerts://{state}/active`, `prompts/get emergency_summary`).
   */
  label: string;
  /** Spends the principal's read budget (else its write budget): `readOnlyHint` for tools, always for the others. */
  readOnly: boolean;
  /** Its own time limit (ms) when `--tool-timeouts` does not name it; else `--tool-timeout-ms`. */
  timeoutMs?: number;
  /** Writes an audit row (all but completions). */
  audited: boolean;
  /** The audit row keeps the arguments verbatim (write tools only); reads keep their hash. */
  auditArgs: boolean;
  /** A tool whose input has a `max_tokens` argument: the result budget fills in the default. */
  maxTokensArg: boolean;
  /** The tool's declared result budget (o200k_base tokens, `ToolDef.resultBudgetTokens`) for calls that give no `max_tokens`; else `--max-result-tokens`. */
  resultBudgetTokens?: number;
}

/**
 * One request flowing through the onion. Middleware are small named functions
 * `(call, next) => result`; `compose([a, b, c], handler)` runs `a` outermost.
 * Each one is in its own file with its own test.
 */
export interface Call<Ctx = unknown> {
  op: Operation;
  /** Arguments as received, not yet validated: tool or prompt arguments; `{uri, vars}` for a read; the completion params. */
  args: unknown;
  ctx: Ctx;
  /** JSON-RPC request id, for logs. */
  requestId: string | number;
  /**
   * The typed error the call failed with, set by the error boundary (`errors.ts`);
   * the observation step (`observe.ts`) reads its `code` as the outcome, so no
   * one parses it back out of the result.
   */
  error?: ToolError;
}

/** A `tools/call` in the onion: a {@link Call} that also carries the tool. */
export interface ToolCall<Ctx = unknown> extends Call<Ctx> {
  // biome-ignore lint/suspicious/noExplicitAny: the onion carries tools of every type
  tool: ToolDef<Ctx, any, any>;
}

/** The MCP `CallToolResult` shape (spec: server/tools). */
export interface ToolResult {
  content: Array<Record<string, unknown>>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

export type ToolHandler<Ctx = unknown> = (call: ToolCall<Ctx>) => Promise<ToolResult>;
/** A tool-call middleware: it may read `call.tool` and the {@link ToolResult}. */
export type Middleware<Ctx = unknown> = (call: ToolCall<Ctx>, next: ToolHandler<Ctx>) => Promise<ToolResult>;

/**
 * A middleware for every kind of operation: it reads only {@link Call} and
 * passes the result through unseen, so one step serves tools, reads, prompts
 * and completions alike.
 */
export type Step<Ctx = unknown> = <C extends Call<Ctx>, R>(call: C, next: (call: C) => Promise<R>) => Promise<R>;
