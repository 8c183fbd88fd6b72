import fc from 'fast-check';
import { DEFAULT_DEPTH, hugeNumber, nestedJson, protoObject, RAW_DEPTH, unicodeString } from './hostile.js';

/**
 * Raw JSON-RPC frames a hostile or broken client sends, for the HTTP and
 * stdio fuzzers: invalid JSON, batches, a wrong or missing `jsonrpc`, every id
 * type, unknown methods, params of the wrong type, huge numbers, `__proto__`
 * keys, deep nesting, and (HTTP) bad or missing MCP-Protocol-Version,
 * Content-Type and Accept headers, odd HTTP methods and session ids.
 *
 * `subscriptions/listen` and the legacy GET stream are left out on purpose:
 * they are long-lived by design (their tests are in test/e2e and test/auth).
 */
export interface Frame {
  /** The frame as sent: one line on stdio (no raw newline), one body over HTTP. */
  body: string;
  /** For a request with a string or integer id: the id an answer must carry. */
  id?: string | number;
  /** HTTP only. */
  method: string;
  headers: Record<string, string>;
}

const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

const KNOWN_METHODS = [
  'ping',
  'initialize',
  'server/discover',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/list',
  'tasks/cancel',
  'tasks/result',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
];

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_METHODS) },
  { weight: 2, arbitrary: fc.constantFrom('tools/unknown', 'rpc.discover', '', ' ping', 'PING', 'tools/call/', '__proto__', 'constructor', 'subscriptions/unknown') },
  { weight: 1, arbitrary: unicodeString },
);

const id = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, 1.5, -1, 1e300, 2 ** 64, {}, [], [1], { __proto__: 1 }) },
);

/** Params for a known method, mostly plausible, sometimes with hostile values inside. */
function params(deep: number): fc.Arbitrary<unknown> {
  const hostile = fc.oneof(
    hugeNumber,
    unicodeString,
    protoObject,
    fc.constantFrom<unknown>(null, true, [], {}, ''),
    fc.integer({ min: 1, max: deep }).map((d) => JSON.parse(nestedJson(d)) as unknown),
  );
  const name = fc.oneof(fc.constantFrom('get_task', 'list_tasks', 'create_tasks', 'search_tasks', 'no_such_tool', 'test_simple_text'), unicodeString);
  const plausible = fc.oneof(
    fc.record({ name, arguments: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), hostile, { maxKeys: 4 }), hostile) }, { requiredKeys: [] }),
    fc.record(
      { uri: fc.oneof(fc.constantFrom('tasks://board', 'tasks://1', 'tasks://schema', 'file:///etc/passwd', 'tasks://../../x'), unicodeString) },
      { requiredKeys: [] },
    ),
    fc.record({ cursor: fc.oneof(fc.string(), hostile), level: fc.constantFrom('debug', 'bogus') }, { requiredKeys: [] }),
    fc.record(
      {
        protocolVersion: fc.constantFrom('2025-11-25', '2025-06-18', '2025-03-26', MODERN, 'bogus'),
        capabilities: fc.oneof(fc.constant({}), hostile),
        clientInfo: fc.oneof(fc.constant({ name: 'fuzz', version: '1' }), hostile),
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.string({ maxLength: 12 }), hostile, { maxKeys: 5 }),
  );
  return plausible.chain((p) =>
    fc.oneof(
      fc.constant(p),
      // the 2026 envelope, intact or damaged
      fc.constant(typeof p === 'object' && p !== null ? { ...p, _meta: ENVELOPE } : p),
      hostile.map((v) => (typeof p === 'object' && p !== null ? { ...p, _meta: v } : p)),
    ),
  );
}

/** Params that are not an object: -32602 (stdio left them unanswered before issue 13 item 3). */
const nonObjectParams = fc.constantFrom<unknown>(5, 'x', [], [1, 2], true);

/** One JSON-RPC message as a value (serialized later, so `__proto__` own keys survive). */
function message(deep: number): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record(
      {
        jsonrpc: fc.oneof({ weight: 8, arbitrary: fc.constant('2.0') }, { weight: 2, arbitrary: fc.constantFrom<unknown>('1.0', '2', 2, null, '', '2.0 ') }),
        id,
        method,
        params: fc.oneof({ weight: 6, arbitrary: params(deep) }, { weight: 1, arbitrary: nonObjectParams }),
      },
      { requiredKeys: [] },
    )
    .map((m) => m as Record<string, unknown>);
}

/** JSON text of `value`, with a chance of `__proto__` smuggled in as an own key at the top. */
function serialize(value: unknown, proto: boolean): string {
  const text = JSON.stringify(value) ?? 'null';
  if (!proto || !text.startsWith('{')) return text;
  return `{"__proto__":{"polluted":true,"jsonrpc":"1.0"},${text.slice(1)}`.replace(/,}$/, '}');
}

const invalidJson = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '}',
    '[',
    '[]',
    'null',
    '"str"',
    '123',
    'true',
    '{"jsonrpc":"2.0",}',
    "{'jsonrpc':'2.0'}",
    '\uFEFF{"jsonrpc":"2.0","id":1,"method":"ping"}',
    '{"jsonrpc":"2.0","id":1,"method":"ping"}{"x":1}',
    'NaN',
    '{"id":1e999999}',
    '{"a":-}',
  ),
  unicodeString,
  fc.string({ unit: 'binary', maxLength: 200 }),
  // a valid message cut short
  fc
    .tuple(fc.constantFrom('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_task","arguments":{"id":1}}}'), fc.nat())
    .map(([s, n]) => s.slice(0, n % s.length)),
);

const hugeNumberText = fc.constantFrom(
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '0.0000000000000000000000000000001',
  '9007199254740993',
  '1.7976931348623157e309',
);

/** A frame body: a message, a batch, invalid JSON, or a message with a huge number or deep nesting spliced into its text. */
function body(): fc.Arbitrary<{ text: string; message?: Record<string, unknown>; proto?: boolean }> {
  const msg = message(DEFAULT_DEPTH);
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(msg, fc.integer({ min: 0, max: 4 })).map(([m, r]) => ({ text: serialize(m, r === 0), message: m, proto: r === 0 })) },
    { weight: 2, arbitrary: fc.array(msg, { minLength: 0, maxLength: 5 }).map((ms) => ({ text: JSON.stringify(ms) })) },
    { weight: 2, arbitrary: invalidJson.map((text) => ({ text })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('ping', 'tools/call', 'tools/list'), hugeNumberText).map(([m, n]) => ({
        text: `{"jsonrpc":"2.0","id":${n},"method":"${m}","params":{"name":"get_task","arguments":{"id":${n}}}}`,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: RAW_DEPTH }), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, kind]) => ({
        text: `{"jsonrpc":"2.0","id":"deep","method":"ping","params":{"x":${nestedJson(d, kind)}}}`,
      })),
    },
  );
}

const headerSets = fc.record({
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom<string | undefined>(
        undefined,
        'text/plain',
        'application/json; charset=utf-16',
        'multipart/form-data',
        'application/x-www-form-urlencoded',
        '',
        'application/jsonx',
      ),
    },
  ),
  accept: fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json, text/event-stream') },
    { weight: 2, arbitrary: fc.constantFrom<string | undefined>(undefined, 'application/json', 'text/event-stream', '*/*', 'text/html', '') },
  ),
  protocolVersion: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<string | undefined>(undefined, MODERN, '2025-11-25') },
    { weight: 2, arbitrary: fc.constantFrom<string | undefined>('2025-06-18', '2025-03-26', '2024-11-05', 'bogus', '', '9999-99-99', '2026-07-28, 2025-11-25') },
  ),
  session: fc.oneof(
    { weight: 9, arbitrary: fc.constant<string | undefined>(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('no-such-session', '', '../../x', 'é') },
  ),
  httpMethod: fc.oneof({ weight: 19, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS') }),
});

/**
 * A well-formed 2026-07-28 request (right headers, the `_meta` envelope) whose method and
 * params are fuzzed, so frames get past the transport into the handlers.
 */
function modernRequest(): fc.Arbitrary<{ text: string; message: Record<string, unknown>; headers: Record<string, string> }> {
  return fc
    .record({
      id: fc.integer({ min: 1, max: 1_000_000 }),
      method: fc.constantFrom(...KNOWN_METHODS, 'tools/call', 'tools/call', 'resources/read'),
      params: params(DEFAULT_DEPTH),
    })
    .map(({ id, method, params: p }) => {
      const base = typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
      const message = { jsonrpc: '2.0', id, method, params: { ...base, _meta: ENVELOPE } };
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': method,
      };
      const name = base.name ?? base.uri;
      if (typeof name === 'string' && /^[\x20-\x7e]*$/.test(name)) headers['mcp-name'] = name;
      return { text: JSON.stringify(message), message, headers };
    });
}

/**
 * Frames for HTTP (headers and method vary) or stdio (one line each): 3 in 10 well-formed
 * 2026 requests with fuzzed methods and params, the rest anything. On stdio, the ids of
 * requests that must be answered are made unique (same type), so each answer can be matched.
 */
export function frames(transport: 'http' | 'stdio'): fc.Arbitrary<Frame> {
  let unique = 0;
  const anything = fc.tuple(body(), headerSets).map(([b, h]) => {
    const headers: Record<string, string> = {};
    if (h.contentType !== undefined) headers['content-type'] = h.contentType;
    if (h.accept !== undefined) headers.accept = h.accept;
    if (h.protocolVersion !== undefined) headers['mcp-protocol-version'] = h.protocolVersion;
    if (h.session !== undefined) headers['mcp-session-id'] = h.session;
    return { ...b, headers, httpMethod: h.httpMethod };
  });
  const wellFormed = modernRequest().map((r) => ({ ...r, proto: false, httpMethod: 'POST' }));
  return fc.oneof({ weight: 7, arbitrary: anything }, { weight: 3, arbitrary: wellFormed }).map((b) => {
    const m = b.message;
    let replyId =
      m && m.jsonrpc === '2.0' && typeof m.method === 'string' && (typeof m.id === 'string' || Number.isInteger(m.id)) ? (m.id as string | number) : undefined;
    let text = b.text;
    if (transport === 'stdio') {
      if (m && replyId !== undefined) {
        unique++;
        replyId = typeof replyId === 'number' ? 10_000_000 + unique : `fuzz-${unique}`;
        text = serialize({ ...m, id: replyId }, b.proto === true);
      }
      text = text.replace(/[\r\n]/g, ' ');
    }
    return { body: text, id: replyId, method: transport === 'http' ? b.httpMethod : 'POST', headers: b.headers };
  });
}
