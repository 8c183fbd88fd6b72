import type Database from 'better-sqlite3';
import type { SearchHit, SearchQuery } from '../types.js';
import { type Facets, hasNonFacetFilters } from './facets.js';
import { filterSql, type SqlRunner } from './list.js';

type Row = Record<string, unknown>;

/**
 * Matches ranked by relevance in one search: the newest this many (by creation); older matches follow them,
 * newest first. `total` always counts every match.
 */
export const RANKED_MATCHES = 2000;

/**
 * The FTS5 table of a workspace (migration 9): `tasks_fts_<n>`, `n` = the workspace's id in `facet_ids` (kind `w`).
 * Columns: title, description, comments (newline-joined bodies) and `facets` (status, assignee and label tokens, see
 * {@link Facets}); rowid = `tasks.rid`.
 *
 * One table per workspace, not one for the file, because FTS5's bm25() takes its statistics (documents, documents
 * per term, average length) from the whole table: in a shared table another workspace's writes changed a
 * workspace's scores and order (issue 13), and a small workspace's search walked the doclists of a big one's words.
 */
export const ftsTableName = (workspaceId: number): string => `tasks_fts_${workspaceId}`;

/** The DDL of a workspace's table (the tokenizer of migration 1: porter stemming over unicode61, no diacritics). */
export const ftsTableSql = (name: string): string =>
  `CREATE VIRTUAL TABLE ${name} USING fts5(title, description, comments, facets, tokenize = 'porter unicode61 remove_diacritics 2')`;

/**
 * The workspaces' FTS5 tables as one connection sees them. A table is made by the first write that indexes a task of
 * its workspace, inside that write's transaction (DDL commits and rolls back with it); names are cached once
 * committed, like facet ids. A workspace without a table has never had a task: nothing matches there.
 */
export class SearchTables {
  private readonly known = new Map<string, string>();
  /** Tables this connection made in the open write transaction: cached only once it commits. */
  private readonly created = new Map<string, string>();

  constructor(
    private readonly db: Database.Database,
    private readonly facets: Facets,
  ) {}

  /** The workspace's table, or `undefined` when it has none yet. */
  find(workspace: string): string | undefined {
    const cached = this.known.get(workspace) ?? this.created.get(workspace);
    if (cached !== undefined) return cached;
    const id = this.facets.workspaceId(workspace, false);
    if (id === undefined) return undefined;
    const name = ftsTableName(id);
    if (!this.db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name)) return undefined;
    if (this.facets.isCommitted(workspace)) this.known.set(workspace, name);
    else this.created.set(workspace, name);
    return name;
  }

  /** The workspace's table, created when missing (call inside a write transaction). */
  ensure(workspace: string): string {
    const found = this.find(workspace);
    if (found !== undefined) return found;
    const name = ftsTableName(this.facets.workspaceId(workspace, true));
    this.db.exec(ftsTableSql(name));
    this.created.set(workspace, name);
    return name;
  }

  /** After COMMIT: the tables made in the transaction exist for good. */
  committed(): void {
    for (const [workspace, name] of this.created) this.known.set(workspace, name);
    this.created.clear();
  }

  /** After ROLLBACK: the tables made in the transaction never existed. */
  rolledBack(): void {
    this.created.clear();
  }
}

/**
 * Migration 9: the single `tasks_fts` of migration 8 split into one table per workspace. Each workspace's rows are
 * copied from the stored columns (no re-read of comments), without the workspace token migration 8 put first in
 * `facets`; then `tasks_fts` is dropped. Runs inside the migration's transaction (about as long as migration 8's
 * rebuild: seconds per 100k tasks).
 */
export function splitSearchIndex(db: Database.Database): void {
  db.exec("INSERT OR IGNORE INTO facet_ids (kind, value) SELECT DISTINCT 'w', workspace FROM tasks");
  const workspaces = db.prepare("SELECT id, value FROM facet_ids WHERE kind = 'w' AND EXISTS (SELECT 1 FROM tasks WHERE workspace = value) ORDER BY id").all() as Array<{
    id: number;
    value: string;
  }>;
  for (const { id, value } of workspaces) {
    const name = ftsTableName(id);
    db.exec(ftsTableSql(name));
    db.prepare(
      `INSERT INTO ${name} (rowid, title, description, comments, facets)
       SELECT f.rowid, f.title, f.description, f.comments,
              CASE WHEN f.facets = @token THEN '' WHEN substr(f.facets, 1, length(@token) + 1) = @token || ' ' THEN substr(f.facets, length(@token) + 2) ELSE f.facets END
         FROM tasks t CROSS JOIN tasks_fts f ON f.rowid = t.rid
        WHERE t.workspace = @workspace
        ORDER BY t.rid`,
    ).run({ token: `f${id}`, workspace: value });
  }
  db.exec('DROP TABLE tasks_fts');
}

/** One hit of {@link searchPage}: the task's row (to hydrate), its score (higher is better), snippet and column. */
export interface SearchPageHit {
  row: Row;
  score: number;
  snippet: string;
  matched_in: SearchHit['matched_in'];
}

/**
 * A page of a workspace's search in its table `table`: `text` is the FTS5 query of the words (toFtsQuery), `facets`
 * the FTS5 condition of the status, assignee and label filters (`''` without them). Other filters (not offered by
 * search_tasks) join each match to its task. `total` counts every match.
 */
export function searchPage(db: SqlRunner, table: string, workspace: string, text: string, facets: string, query: SearchQuery): { hits: SearchPageHit[]; total: number } {
  const match = `{title description comments} : (${text})${facets ? ` AND ${facets}` : ''}`;
  const joined = hasNonFacetFilters(query);
  const scoped = filterSql(workspace, { ...query, status: undefined, assignee: undefined, label: undefined }, 't');
  const { where, params } = joined ? scoped : { where: '1', params: [] as unknown[] };
  const from = joined ? `${table} CROSS JOIN tasks t ON t.rid = ${table}.rowid` : table; // FTS first, whatever the statistics say
  const total = db.get(`SELECT count(*) AS n FROM ${from} WHERE ${table} MATCH ? AND ${where}`, match, ...params)?.n as number;
  // Phase 1 ranks the newest RANKED_MATCHES matches on bm25 alone (FTS5 walks the index newest first and stops
  // there); matches past them follow, newest first. Snippets and highlights re-read each document, so phase 2
  // makes them only for the page. At 1M tasks a common word matches ~16k tasks: ranking all of them cost
  // 40-90 ms a search here; bm25 costs ~3.4 µs a match at that size, so the 2,000-match window ~7 ms.
  const window = Math.min(total, RANKED_MATCHES);
  // Matches newest first, the first `span` of them from the `skip`th, then ordered by `order` and paged.
  const matches = (span: number, skip: number, order: string, limit: number, offset: number) =>
    db.all(
      `SELECT * FROM (SELECT ${table}.rowid AS rid, bm25(${table}, 10.0, 3.0, 1.0, 0.0) AS score FROM ${from}
         WHERE ${table} MATCH ? AND ${where} ORDER BY ${table}.rowid DESC LIMIT ? OFFSET ?) ORDER BY ${order} LIMIT ? OFFSET ?`,
      match,
      ...params,
      span,
      skip,
      limit,
      offset,
    );
  const ranked: Row[] = query.offset < window ? matches(window, 0, 'score ASC, rid ASC', query.limit, query.offset) : [];
  const fromTail = query.offset + query.limit - Math.max(query.offset, window);
  if (fromTail > 0 && total > window) ranked.push(...matches(fromTail, Math.max(query.offset, window), 'rid DESC', fromTail, 0));
  if (ranked.length === 0) return { hits: [], total };
  // One pass over the matches (`+rowid`: not a constraint FTS5 sees). With `rowid IN (...)` FTS5 re-ran the
  // whole query once per row, and a prefix term's doclist merge costs ~20 ms at 1M tasks. The snippet comes from
  // the first text column that matched (never the facets).
  const detail = new Map<number, Row>();
  for (const row of db.all(
    `SELECT t.*, instr(highlight(${table}, 0, char(1), char(2)), char(1)) > 0 AS in_title,
            instr(highlight(${table}, 1, char(1), char(2)), char(1)) > 0 AS in_description,
            CASE WHEN instr(highlight(${table}, 0, char(1), char(2)), char(1)) > 0 THEN snippet(${table}, 0, '**', '**', '…', 16)
                 WHEN instr(highlight(${table}, 1, char(1), char(2)), char(1)) > 0 THEN snippet(${table}, 1, '**', '**', '…', 16)
                 ELSE snippet(${table}, 2, '**', '**', '…', 16) END AS snippet
       FROM ${table} CROSS JOIN tasks t ON t.rid = ${table}.rowid
      WHERE ${table} MATCH ? AND +${table}.rowid IN (SELECT value FROM json_each(?))`,
    match,
    JSON.stringify(ranked.map((r) => r.rid)),
  )) {
    detail.set(row.rid as number, row);
  }
  const hits = ranked.map((r) => {
    const row = detail.get(r.rid as number) as Row;
    return {
      row,
      score: Math.round(-(r.score as number) * 1000) / 1000,
      snippet: row.snippet as string,
      matched_in: (row.in_title ? 'title' : row.in_description ? 'description' : 'comments') as SearchHit['matched_in'],
    };
  });
  return { hits, total };
}
