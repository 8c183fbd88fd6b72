import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { UriTemplate } from '@modelcontextprotocol/server';

/**
 * The listings a server instance answers, computed once per grant and shared by
 * every instance of that grant (server/register.ts). A table holds definitions
 * and the JSON the lists return, never anything about a caller: the request
 * context of a call still comes from the request (CVE-2026-25536).
 */

/** Some definition with the scopes it requires. */
export interface Scoped {
  scopes: readonly string[];
}

/** JSON Schema of an advertised schema (toolkit/advertise.ts), as `tools/list` and `prompts/list` carry it. */
export function listedJson(schema: StandardSchemaWithJSON, io: 'input' | 'output'): Record<string, unknown> {
  const json = schema['~standard'].jsonSchema[io]({ target: 'draft-2020-12' }) as Record<string, unknown>;
  // MCP requires tool and prompt argument roots to be objects; spell `type` first, as the SDK's listing does
  // (test/shared-catalog.test.ts compares every list with the SDK registry's for the same definitions).
  if (io === 'input' || json.type === undefined) {
    if (json.type !== undefined && json.type !== 'object') throw new Error(`tool and prompt schemas must describe objects (got type ${JSON.stringify(json.type)})`);
    return { type: 'object', ...json };
  }
  return json;
}

/** One tool, precomputed: its `tools/list` entry without and with the MCP Apps `_meta.ui`. */
export interface ToolEntry<T> {
  def: T;
  listed: Record<string, unknown>;
  listedForApps: Record<string, unknown>;
  /** The input JSON Schema (SEP-2243 `x-mcp-header` checks before dispatch). */
  inputJson: Record<string, unknown>;
  /** The advertised output JSON Schema, when the tool declares one (the wire codec's structured-result projection). */
  outputJson?: Record<string, unknown>;
}

/** One resource or resource template, precomputed. */
export interface ResourceEntry<R> {
  def: R;
  /** Its `resources/list` or `resources/templates/list` entry. */
  listed: Record<string, unknown>;
  /** Listed and readable only for MCP Apps clients. */
  appsOnly: boolean;
  /** Templates only: the parsed RFC 6570 template. */
  template?: UriTemplate;
}

/** One prompt, precomputed. */
export interface PromptEntry<P> {
  def: P;
  listed: Record<string, unknown>;
}

/** What one grant may see and call, and the lists it is answered with. Read-only once built. */
export interface GrantTable<T, R, P, C> {
  tools: ReadonlyMap<string, ToolEntry<T>>;
  /** Static resources by their URI. */
  resources: ReadonlyMap<string, ResourceEntry<R>>;
  /** Templates in registration order (the first whose template matches a URI reads it). */
  templates: ReadonlyArray<ResourceEntry<R>>;
  prompts: ReadonlyMap<string, PromptEntry<P>>;
  /** Completers of granted prompts by name and of granted templates by URI template. */
  promptCompleters: ReadonlyMap<string, C>;
  templateCompleters: ReadonlyMap<string, C>;
  /** Answer `completion/complete` at all (some resource, template or prompt is granted). */
  completions: boolean;
  /** The `tools/list` result (`apps`: for clients that declare MCP Apps). */
  toolList(apps: boolean): { tools: Record<string, unknown>[] };
  resourceList(apps: boolean): { resources: Record<string, unknown>[] };
  templateList: { resourceTemplates: Record<string, unknown>[] };
  promptList: { prompts: Record<string, unknown>[] };
}

/** Everything selected, precomputed once: entries in registration order. */
export interface Catalog<T, R, P, C> {
  tools: ReadonlyArray<ToolEntry<T> & { name: string; scopes: readonly string[] }>;
  resources: ReadonlyArray<ResourceEntry<R> & { key: string; scopes: readonly string[] }>;
  prompts: ReadonlyArray<PromptEntry<P> & { name: string; scopes: readonly string[]; completer: C }>;
  templateCompleters: ReadonlyArray<{ uri: string; scopes: readonly string[]; completer: C }>;
}

/** May the grant's holder see and use this definition (does it hold every scope the definition declares)? */
export type GrantCheck = (scoped: Scoped) => boolean;

/**
 * The table of one grant. Lists are computed on first use and kept; `apps`
 * variants differ only in `_meta.ui` on tools and in `appsOnly` resources.
 */
export function grantTable<T, R, P, C>(catalog: Catalog<T, R, P, C>, may: GrantCheck): GrantTable<T, R, P, C> {
  const tools = new Map(catalog.tools.filter((t) => may({ scopes: t.scopes })).map((t) => [t.name, t] as const));
  const granted = catalog.resources.filter((r) => may(r));
  const resources = new Map(granted.filter((r) => !r.template).map((r) => [r.key, r] as const));
  const templates = granted.filter((r) => r.template);
  const prompts = new Map(catalog.prompts.filter((p) => may(p)).map((p) => [p.name, p] as const));
  const promptCompleters = new Map([...prompts.values()].map((p) => [p.name, p.completer] as const));
  const templateCompleters = new Map(catalog.templateCompleters.filter((t) => may(t)).map((t) => [t.uri, t.completer] as const));
  const toolLists: Array<{ tools: Record<string, unknown>[] } | undefined> = [undefined, undefined];
  const resourceLists: Array<{ resources: Record<string, unknown>[] } | undefined> = [undefined, undefined];
  let promptList: { prompts: Record<string, unknown>[] } | undefined;
  return {
    tools,
    resources,
    templates,
    prompts,
    promptCompleters,
    templateCompleters,
    completions: granted.length > 0 || prompts.size > 0,
    toolList(apps) {
      const i = apps ? 1 : 0;
      toolLists[i] ??= { tools: [...tools.values()].map((t) => (apps ? t.listedForApps : t.listed)) };
      return toolLists[i];
    },
    resourceList(apps) {
      const i = apps ? 1 : 0;
      resourceLists[i] ??= { resources: [...resources.values()].filter((r) => apps || !r.appsOnly).map((r) => r.listed) };
      return resourceLists[i];
    },
    templateList: { resourceTemplates: templates.map((t) => t.listed) },
    get promptList() {
      promptList ??= { prompts: [...prompts.values()].map((p) => p.listed) };
      return promptList;
    },
  };
}

/**
 * Grant tables by key (the canonical scope set, server/pool.ts `scopeKey`),
 * built on first use; at most `max` kept, the least recently built dropped.
 */
export class GrantTables<Table> {
  private readonly tables = new Map<string, Table>();

  constructor(private readonly max = 256) {}

  /** The table for `key`; `make` builds it when absent (`key` must determine everything `make` depends on). */
  get(key: string, make: () => Table): Table {
    let table = this.tables.get(key);
    if (!table) {
      table = make();
      this.tables.set(key, table);
      if (this.tables.size > this.max) this.tables.delete(this.tables.keys().next().value as string);
    }
    return table;
  }
}

/** A resource template's URI template, parsed once. */
export const parseTemplate = (uri: string) => new UriTemplate(uri);
