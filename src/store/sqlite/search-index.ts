import { searchWords } from '../shared.js';
import type { SearchHit, SearchQuery } from '../types.js';
import type * as Database from './driver.js';
import { type Facets, hasNonFacetFilters } from './facets.js';
import { filterSql, type SqlRunner } from './list.js';
import { FTS_TOKENIZER } from './search-terms.js';

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
 *
 * The cost: six schema objects per workspace (the table and its five shadow tables). Every connection parses the
 * whole schema when it opens and again after any schema change, so a workspace's first task makes every connection
 * on the file re-parse it once. Measured on the 2-core machine under heavy load (load average ~20): 2,000 workspaces
 * (12k objects) took 1.8 s to parse on open, a new workspace's first write 0.3 s, the next read on another connection
 * 3.4 s; 50 workspaces are a few ms. Files with thousands of workspaces belong on PostgreSQL.
 *
 * Not taken (measured on a raw 1M-row table, machine under load): `prefix='4'` ranks a word + a 4-letter prefix
 * ~5× faster (the prefix's terms are not merged per query) but slowed FTS5 inserts by 25-35%; a contentless table
 * (`contentless_delete=1`) never takes a deleted row out of bm25's row count, so every update drifted the scores.
 */
export const ftsTableName = (workspaceId: number): string => `tasks_fts_${workspaceId}`;

/** The DDL of a workspace's table (the tokenizer of migration 1: porter stemming over unicode61, no diacritics). */
export const ftsTableSql = (name: string): string => `CREATE VIRTUAL TABLE ${name} USING fts5(title, description, comments, facets, ${FTS_TOKENIZER})`;

/**
 * The workspaces' FTS5 tables as one connection sees them. A table is made by the first write that indexes a task of
 * its workspace, inside that write's transaction (DDL commits and rolls back with it); names are cached once
 * committed, like facet ids. A workspace without a table has never had a task: nothing matches there.
 */
export class SearchTables {
  private readonly known = new Map<string, string>();
  /** Tables this connection made in the open write transaction: cached only once it commits. */
  private readonly created = new Map<string, string>();

  /** Call outside any transaction (a rolled-back one would take `temp.search_page` with it). */
  constructor(
    private readonly db: Database.Database,
    private readonly facets: Facets,
    /** The store's cached `prepare` (one statement cache per connection). */
    private readonly stmt: (sql: string) => Database.Statement,
  ) {
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_page USING fts5(title, description, comments, ${FTS_TOKENIZER})`);
  }

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

  /**
   * Highlights and snippets of a page's documents for the FTS5 query `words`: the documents are indexed in this
   * connection's one-page table `temp.search_page` (the same tokenizer), matched there, and removed. highlight() and
   * snippet() read only the document, so they give what they give on the workspace's table; but there the query
   * would walk every match's doclists once more (one more pass: ~8 ms at 1M tasks for a common word, the same with
   * `rowid IN (...)`, and ~1 s with `rowid = ?` per row). The snippet is from the first text column that matched.
   */
  marks(words: string, docs: Row[]): Map<number, { in_title: boolean; in_description: boolean; snippet: string }> {
    const out = new Map<number, { in_title: boolean; in_description: boolean; snippet: string }>();
    const insert = this.stmt('INSERT INTO temp.search_page (rowid, title, description, comments) VALUES (?, ?, ?, ?)');
    try {
      for (const d of docs) insert.run(d.rid, d.title, d.description, d.comments);
      for (const row of this.stmt(
        `SELECT rowid AS rid, instr(highlight(search_page, 0, char(1), char(2)), char(1)) > 0 AS in_title,
                instr(highlight(search_page, 1, char(1), char(2)), char(1)) > 0 AS in_description,
                CASE WHEN instr(highlight(search_page, 0, char(1), char(2)), char(1)) > 0 THEN snippet(search_page, 0, '**', '**', '…', 16)
                     WHEN instr(highlight(search_page, 1, char(1), char(2)), char(1)) > 0 THEN snippet(search_page, 1, '**', '**', '…', 16)
                     ELSE snippet(search_page, 2, '**', '**', '…', 16) END AS snippet
           FROM temp.search_page WHERE search_page MATCH ?`,
      ).all(words) as Row[]) {
        out.set(row.rid as number, { in_title: row.in_title === 1, in_description: row.in_description === 1, snippet: row.snippet as string });
      }
    } finally {
      this.stmt('DELETE FROM temp.search_page').run();
    }
    return out;
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

/**
 * Whether a word of `text` could match a facet token (`f<digits>`, {@link Facets}) in the `facets` column: a token
 * of the word, as the tokenizer folds it (case, diacritics), that is `f` and digits. Only then does a search need
 * the column filter `{title description comments} :`, which decodes every match's positions to check its column:
 * at 1M tasks it made a common word's count ~7 ms (~40%) slower. Without it the matches and bm25 scores are the same
 * (the facets column has weight 0 and holds no other tokens).
 */
export function facetLike(text: string): boolean {
  return searchWords(text).some((w) =>
    w
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .some((token) => /^f\d*$/.test(token)),
  );
}

/** One hit of {@link searchPage}: the task's row (to hydrate), its score (higher is better), snippet and column. */
export interface SearchPageHit {
  row: Row;
  score: number;
  snippet: string;
  matched_in: SearchHit['matched_in'];
}

/**
 * A page of a workspace's search in its table `table`: `text` is the FTS5 query of the words (SearchTerms.query), `facets`
 * the FTS5 condition of the status, assignee and label filters (`''` without them). Other filters (not offered by
 * search_tasks) join each match to its task. `total` counts every match.
 *
 * Each statement that MATCHes walks every match's doclist entries (a prefix term's terms merged first; bm25() walks
 * each term's whole doclist once more for its statistics): at 1M tasks ~5-8 ms a pass for a word in 12% of tasks.
 * So a search makes as few passes as it can: the ranked window also counts its matches (the count is a pass of its
 * own only past RANKED_MATCHES), and snippets come from a one-page index ({@link SearchTables.marks}).
 */
export function searchPage(
  db: SqlRunner,
  tables: SearchTables,
  table: string,
  workspace: string,
  text: string,
  facets: string,
  query: SearchQuery,
): { hits: SearchPageHit[]; total: number } {
  const words = facetLike(query.text) ? `{title description comments} : (${text})` : text;
  const match = facets ? `${words} AND ${facets}` : words;
  const joined = hasNonFacetFilters(query);
  const scoped = filterSql(workspace, { ...query, status: undefined, assignee: undefined, label: undefined }, 't');
  const { where, params } = joined ? scoped : { where: '1', params: [] as unknown[] };
  const from = joined ? `${table} CROSS JOIN tasks t ON t.rid = ${table}.rowid` : table; // FTS first, whatever the statistics say
  const count = () => db.get(`SELECT count(*) AS n FROM ${from} WHERE ${table} MATCH ? AND ${where}`, match, ...params)?.n as number;
  // The newest RANKED_MATCHES matches are ranked on bm25 (FTS5 walks the index newest first and stops there); matches
  // past them follow, newest first. At 1M tasks a common word matches ~120k tasks: ranking all of them cost 40-90 ms
  // a search here; bm25 costs ~3.4 µs a match at that size, so the 2,000-match window ~7 ms.
  // Matches newest first, the first `span` of them from the `skip`th, then ordered by `order` and paged; `n` = how
  // many the span held.
  const matches = (span: number, skip: number, order: string, limit: number, offset: number) =>
    db.all(
      `SELECT rid, score, count(*) OVER () AS n FROM (SELECT ${table}.rowid AS rid, bm25(${table}, 10.0, 3.0, 1.0, 0.0) AS score FROM ${from}
         WHERE ${table} MATCH ? AND ${where} ORDER BY ${table}.rowid DESC LIMIT +? OFFSET +?) ORDER BY ${order} LIMIT +? OFFSET +?`,
      match,
      ...params,
      span,
      skip,
      limit,
      offset,
    );
  const ranked: Row[] = query.offset < RANKED_MATCHES ? matches(RANKED_MATCHES, 0, 'score ASC, rid ASC', query.limit, query.offset) : [];
  const inWindow = ranked.length > 0 ? (ranked[0]?.n as number) : undefined;
  const total = inWindow !== undefined && inWindow < RANKED_MATCHES ? inWindow : count();
  const fromTail = query.offset + query.limit - Math.max(query.offset, RANKED_MATCHES);
  if (fromTail > 0 && total > RANKED_MATCHES) ranked.push(...matches(fromTail, Math.max(query.offset, RANKED_MATCHES), 'rid DESC', fromTail, 0));
  if (ranked.length === 0) return { hits: [], total };
  const ids = JSON.stringify(ranked.map((r) => r.rid));
  const rows = new Map<number, Row>();
  for (const row of db.all('SELECT * FROM tasks WHERE rid IN (SELECT value FROM json_each(?))', ids)) rows.set(row.rid as number, row);
  const marks = tables.marks(words, db.all(`SELECT rowid AS rid, title, description, comments FROM ${table} WHERE rowid IN (SELECT value FROM json_each(?))`, ids));
  const hits = ranked.map((r) => {
    const mark = marks.get(r.rid as number);
    return {
      row: rows.get(r.rid as number) as Row,
      score: Math.round(-(r.score as number) * 1000) / 1000,
      snippet: mark?.snippet ?? '',
      matched_in: mark?.in_title ? 'title' : mark?.in_description ? 'description' : 'comments',
    } satisfies SearchPageHit;
  });
  return { hits, total };
}
