import { type Kysely, type RawBuilder, sql } from 'kysely';
import { searchWords } from '../shared.js';
import type { Counted, SearchHit, SearchQuery, TaskFilter, TaskRecord } from '../types.js';
import { opaqueTerms } from './filters.js';
import { FTS_CONFIG } from './migrations/index.js';
import { type Database, TASK_COLUMNS, type TaskRow } from './schema.js';
import { hydrate } from './task-reads.js';

/** How many of the newest matches a search ranks (as SQLite's RANKED_MATCHES); older ones follow, newest first. */
const RANKED_MATCHES = 2000;
const HEADLINE_OPTIONS = 'StartSel=**, StopSel=**, MaxFragments=1, MaxWords=16, MinWords=5';

/**
 * Free text → a `to_tsquery` source: every letter/digit word a quoted lexeme,
 * prefix-matched, AND-ed (or OR-ed with `any`). Only word characters reach
 * the quotes, so user text can never be tsquery syntax.
 */
function toTsQuery(text: string, join: '&' | '|'): string | undefined {
  const words = searchWords(text);
  return words.length === 0 ? undefined : words.map((w) => `'${w}':*`).join(` ${join} `);
}

/**
 * The CTEs of a search, ending in `m`: the ids of every task of the workspace matching `tsquery` (the words' AND,
 * {@link toTsQuery}) and the filters, whatever the statistics and under row-level security too.
 * - `f`: the workspace's matches, from the GIN index `task_search_words` (migration 12) through `taskwire_search`,
 *   which reads the workspace from `taskwire.workspace` (set by the store for this workspace; the index on `tasks`
 *   cannot be used under row-level security: `@@` is not LEAKPROOF, so the policy's test runs first).
 * - without filters `m` is `f`; with filters, each match is checked by primary key (the filters as {@link opaqueTerms};
 *   OFFSET 0 keeps it one lookup per match, not a join the planner might answer by reading every task) while there
 *   are fewer than 1 in 40 of the workspace's tasks (`bound`, from `task_counts`, at least 100; `f` is then read up
 *   to the bound only); with more, reading the workspace's rows costs less than the lookups, and they are checked
 *   instead.
 */
function matchCtes(workspace: string, tsquery: string, f: TaskFilter): RawBuilder<unknown> {
  const terms = opaqueTerms(f, false);
  const words = sql`to_tsquery(${FTS_CONFIG}, ${tsquery})`;
  if (terms.length === 0) return sql`f AS MATERIALIZED (SELECT id FROM taskwire_search(${words}, NULL) AS f(id)), m AS (SELECT id FROM f)`;
  const filters = sql.raw(terms.join(' AND '));
  // `f` stops at the bound: past it, only "many" matters
  return sql`bound AS MATERIALIZED (
          SELECT greatest(100, (SELECT coalesce(sum(n), 0) FROM task_counts WHERE workspace = ${workspace}) / 40) AS n
        ), f AS MATERIALIZED (
          SELECT id FROM taskwire_search(${words}, (SELECT n FROM bound)) AS f(id)
        ), many AS MATERIALIZED (
          SELECT (SELECT count(*) FROM f) >= (SELECT n FROM bound) AS yes
        ), m AS MATERIALIZED (
          SELECT f.id FROM f WHERE NOT (SELECT yes FROM many)
             AND EXISTS (SELECT 1 FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = f.id AND ${filters} OFFSET 0)
          UNION ALL
          SELECT tasks.id FROM tasks WHERE (SELECT yes FROM many) AND tasks.workspace = ${workspace} AND tasks.search @@ ${words} AND ${filters}
        )`;
}

/** search_tasks: one page of ranked matches (prefix-matched words, AND-ed), with snippets, and the total of every match. */
export async function searchTasks(db: Kysely<Database>, workspace: string, query: SearchQuery): Promise<Counted<SearchHit>> {
  const every = toTsQuery(query.text, '&');
  const some = toTsQuery(query.text, '|');
  if (every === undefined || some === undefined) return { items: [], total: 0 };
  // The matches' ids, once (`m`), from the GIN index of task_search (migration 12), as a superuser and under
  // row-level security alike (see matchCtes).
  const matched = matchCtes(workspace, every, query);
  const rank = (search: RawBuilder<unknown>) => sql<number>`ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', ${search}, to_tsquery(${FTS_CONFIG}, ${every}))`;
  // The newest RANKED_MATCHES of them are ranked, by score then id; older matches follow, newest first
  // (as on SQLite: a word that matches a large part of the workspace does not rank every match), and are only
  // listed when the page reaches past the ranked ones; the ranked ones' tsvectors are fetched by primary key (fenced
  // LATERAL subqueries: carrying every match's tsvector through the sort cost more). Only the page's rows are then
  // fetched (by primary key, fenced LATERAL subqueries), with matched_in and a headline; matched_in and the
  // snippet look for any of the words, as SQLite's highlight() does. `total` counts every match.
  const { rows } = await sql<TaskRow & { depends_on: number[]; total: number; score: number; snippet: string; matched_in: SearchHit['matched_in'] }>`
        WITH ${matched}, win AS MATERIALIZED (
          SELECT id FROM m ORDER BY id DESC LIMIT ${RANKED_MATCHES}
        ), ordered AS (
          SELECT win.id, s.score, 0 AS part FROM win
           CROSS JOIN LATERAL (SELECT ${rank(sql`tasks.search`)} AS score FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = win.id OFFSET 0) s${
             query.offset + query.limit > RANKED_MATCHES ? sql` UNION ALL SELECT m.id, NULL, 1 FROM m WHERE m.id < (SELECT min(id) FROM win)` : sql``
           }
        ), page AS (
          SELECT id, score, row_number() OVER (ORDER BY part, score DESC, CASE WHEN part = 0 THEN id END ASC, id DESC) AS ord
            FROM ordered ORDER BY ord LIMIT ${query.limit} OFFSET ${query.offset}
        ), hit AS (
          SELECT t.*, page.ord, coalesce(page.score, ${rank(sql`t.search`)}) AS score, to_tsquery(${FTS_CONFIG}, ${some}) AS words,
                 CASE WHEN ts_filter(t.search, '{a}') @@ to_tsquery(${FTS_CONFIG}, ${some}) THEN 'title'
                      WHEN ts_filter(t.search, '{b}') @@ to_tsquery(${FTS_CONFIG}, ${some}) THEN 'description'
                      ELSE 'comments' END AS matched_in
            FROM page CROSS JOIN LATERAL (
              SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c)))}, tasks.search, tasks.comment_text
                FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = page.id OFFSET 0) t
        )
        SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c.replace('tasks.', 'hit.'))))}, hit.score, hit.matched_in,
               ARRAY(SELECT d.depends_on FROM task_deps d WHERE d.workspace = ${workspace} AND d.task_id = hit.id ORDER BY d.depends_on) AS depends_on,
               (SELECT count(*) FROM m) AS total,
               ts_headline(${FTS_CONFIG}::regconfig,
                           CASE hit.matched_in WHEN 'title' THEN hit.title WHEN 'description' THEN hit.description ELSE hit.comment_text END,
                           hit.words, ${HEADLINE_OPTIONS}) AS snippet
          FROM hit ORDER BY hit.ord`.execute(db);
  const total =
    rows.length > 0
      ? Number(rows[0]?.total)
      : query.offset === 0
        ? 0
        : Number((await sql<{ n: number }>`WITH ${matched} SELECT count(*) AS n FROM m`.execute(db)).rows[0]?.n ?? 0);
  const tasks = await hydrate(db, workspace, rows);
  const items = rows.map((row, i) => ({
    task: tasks[i] as TaskRecord,
    score: Math.round(row.score * 1000) / 1000,
    snippet: row.snippet,
    matched_in: row.matched_in,
  }));
  return { items, total };
}
