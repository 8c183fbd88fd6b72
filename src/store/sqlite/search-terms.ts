import { searchWords } from '../shared.js';
import type * as Database from './driver.js';

/** The tokenizer of every full-text table (migration 1): porter stemming over unicode61, no diacritics. */
export const FTS_TOKENIZER = "tokenize = 'porter unicode61 remove_diacritics 2'";

/** A prefix resolving to more index terms than this stays a prefix query (an OR that wide gains nothing). */
const MAX_TERMS = 8;
/** Shorter stems stay prefix queries: they can resolve to many terms, and the look-up walks each one's doclist. */
const MIN_STEM = 3;
/** Words whose tokens are remembered per connection (tokenizing one costs ~60 µs: an insert into an FTS5 table). */
const TOKEN_CACHE = 2000;

/**
 * Builds the FTS5 query of a search's words for one workspace's table: every word quoted (no operator injection),
 * prefix-matched (`logi` finds `login`), AND-ed, with the prefixes resolved to the index's own terms where that is
 * exact.
 *
 * Why: FTS5 runs a prefix term by merging the doclists of every term with that prefix into one before it matches,
 * and bm25() merges them again for its statistics. At 1M tasks a common word (120k matches) cost ~8 ms more as
 * `"zephyr"*` than as `"zephyr"`, in each of a search's two passes; a word beside a 4-letter prefix (8 terms) ~2×.
 *
 * How: a word's stem (the tokenizer's own output, from a one-row temp table) is looked up in the table's term list
 * (an `fts5vocab` table in `temp`, ~2 ms for a term in 12% of 1M tasks). The prefix becomes:
 * - the one term it names: the same matches and the same bm25 scores;
 * - up to {@link MAX_TERMS} terms OR-ed: the same matches, each term then weighted by its own rarity in bm25;
 * - nothing, when no term has it: the search matches nothing (`undefined`).
 * A word stays `"word"*` when it has several tokens (`f_1`), a short stem, more terms, or a term the stemmer would
 * stem again (porter is not idempotent: `agre` → `agr`), which as an exact query would not match itself.
 *
 * Terms are read through the search's own connection and transaction, so they are the index the MATCH reads
 * (inside a write, with the write's own new and deleted rows).
 */
export class SearchTerms {
  private readonly tokens = new Map<string, string[]>();
  private readonly vocabularies = new Set<string>();

  /** Call outside any transaction (makes this connection's `temp.search_words`). */
  constructor(
    private readonly db: Database.Database,
    /** The store's cached `prepare` (one statement cache per connection). */
    private readonly stmt: (sql: string) => Database.Statement,
  ) {
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_words USING fts5(w, ${FTS_TOKENIZER})`);
    db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_words_terms USING fts5vocab(temp, search_words, 'instance')");
  }

  /** The FTS5 query of `text`'s words in `table` (words AND-ed), or `undefined` when a word matches no term there. */
  query(table: string, text: string): string | undefined {
    const parts: string[] = [];
    for (const word of searchWords(text)) {
      const part = this.part(table, word);
      if (part === undefined) return undefined;
      parts.push(part);
    }
    return parts.join(' AND '); // explicit: FTS5 has no implicit AND after a parenthesized OR
  }

  private part(table: string, word: string): string | undefined {
    const prefix = `"${word}"*`;
    const stems = this.tokensOf(word);
    const stem = stems[0];
    if (stems.length !== 1 || stem === undefined || stem.length < MIN_STEM) return prefix;
    const terms = this.termsWith(table, stem);
    if (terms === undefined || terms.length > MAX_TERMS) return prefix;
    if (terms.length === 0) return undefined;
    if (terms.some((t) => this.tokensOf(t)[0] !== t)) return prefix;
    const quoted = terms.map((t) => `"${t}"`);
    return quoted.length === 1 ? (quoted[0] as string) : `(${quoted.join(' OR ')})`;
  }

  /** The tokenizer's tokens of `word`, in order. */
  private tokensOf(word: string): string[] {
    const known = this.tokens.get(word);
    if (known) return known;
    this.stmt('INSERT INTO temp.search_words (rowid, w) VALUES (1, ?)').run(word);
    try {
      const out = (this.stmt('SELECT term FROM temp.search_words_terms ORDER BY offset').all() as Array<{ term: string }>).map((r) => r.term);
      if (this.tokens.size >= TOKEN_CACHE) this.tokens.clear();
      this.tokens.set(word, out);
      return out;
    } finally {
      this.stmt('DELETE FROM temp.search_words').run();
    }
  }

  /** Up to MAX_TERMS + 1 of `table`'s terms starting with `stem`; undefined when its term list cannot be read. */
  private termsWith(table: string, stem: string): string[] | undefined {
    const vocabulary = `${table}_terms`;
    try {
      if (!this.vocabularies.has(vocabulary)) {
        this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.${vocabulary} USING fts5vocab(main, ${table}, 'row')`);
        this.vocabularies.add(vocabulary);
      }
      const rows = this.stmt(`SELECT term FROM temp.${vocabulary} WHERE term >= ? AND term < ? LIMIT ${MAX_TERMS + 1}`).all(stem, `${stem}\u{10FFFF}`);
      return (rows as Array<{ term: string }>).map((r) => r.term).filter((t) => t.startsWith(stem));
    } catch {
      return undefined; // e.g. the table went with its workspace: the prefix query decides
    }
  }
}
