import type { PromptDef, ResourceDef, ToolDef } from '../toolkit/define.js';
import type { Operation } from './types.js';

/**
 * The {@link Operation} of each served definition, built once at start-up
 * (registration) from what the definition declares: the middleware then read
 * plain fields instead of looking policies up on every call.
 */

// biome-ignore lint/suspicious/noExplicitAny: tools of every input/output type
export function toolOperation(tool: ToolDef<any, any, any>): Operation {
  const shape = (tool.input as { shape?: Record<string, unknown> }).shape;
  const readOnly = tool.annotations.readOnlyHint === true;
  return {
    kind: 'tool',
    method: 'tools/call',
    name: tool.name,
    label: tool.name,
    readOnly,
    ...(tool.timeoutMs !== undefined ? { timeoutMs: tool.timeoutMs } : {}),
    audited: true,
    auditArgs: !readOnly,
    maxTokensArg: shape !== undefined && 'max_tokens' in shape,
    ...(tool.resultBudgetTokens !== undefined ? { resultBudgetTokens: tool.resultBudgetTokens } : {}),
  };
}

/** A resource or template read: a read, audited (arguments hashed), named by its URI (template). */
export function resourceOperation(res: ResourceDef<unknown>): Operation {
  return readOperation('resource', 'resources/read', res.uri, res.timeoutMs);
}

/** A prompt get: a read, audited (arguments hashed), named by the prompt's name. */
// biome-ignore lint/suspicious/noExplicitAny: prompts of every argument type
export function promptOperation(prompt: PromptDef<any, any>): Operation {
  return readOperation('prompt', 'prompts/get', prompt.name, prompt.timeoutMs);
}

/** `completion/complete`: a read, rate limited and timed but not audited (clients send one per keystroke). */
export const COMPLETION: Operation = Object.freeze({
  ...readOperation('completion', 'completion/complete', 'completion/complete', undefined),
  label: 'completion/complete',
  audited: false,
});

function readOperation(kind: Operation['kind'], method: string, name: string, timeoutMs: number | undefined): Operation {
  return {
    kind,
    method,
    name,
    label: `${method} ${name}`,
    readOnly: true,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    audited: true,
    auditArgs: false,
    maxTokensArg: false,
  };
}
