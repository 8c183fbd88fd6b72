/**
 * A `tools/call` result's error body: Taskwire's `{"error": {code, message, ...}}` from the text block, else
 * `{code: 'error', message: text}` for any other error text. Shared by the web board's client (mcp.js) and the
 * MCP App view (app-main.js, inlined by src/board/app-view.ts).
 */
export function toolErrorDetail(result) {
  const text = (result.content ?? []).find((c) => c.type === 'text')?.text ?? '';
  try {
    return JSON.parse(text).error ?? { code: 'error', message: text };
  } catch {
    return { code: 'error', message: text };
  }
}
