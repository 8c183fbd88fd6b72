/**
 * Row-level security as a second wall behind the query filters: every row is
 * visible only when `taskwire.workspace` (set per statement group by the store)
 * names its workspace. FORCE makes it apply to the table owner too.
 *
 * @param tables table name → the column that holds its workspace name
 * @returns the SQL text (ENABLE, FORCE and one `workspace_isolation` policy per table), inlined by migrations 1, 3, 4, 6 and 9
 */
export function rowLevelSecurity(tables: Record<string, string>): string {
  return Object.entries(tables)
    .map(
      ([table, column]) => `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
  ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
  CREATE POLICY workspace_isolation ON ${table} USING (${column} = current_setting('taskwire.workspace', true));`,
    )
    .join('\n  ');
}

/** A task status is open (todo, in_progress, blocked): the SQL test on a status expression, inlined by migrations 5, 6 and 9. */
export const isOpen = (status: string) => `${status} IN ('todo','in_progress','blocked')`;
