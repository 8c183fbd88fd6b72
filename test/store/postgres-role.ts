import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';

/** A random suffixed name for schemas and roles the PostgreSQL tests create. */
export const freshName = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/**
 * An ordinary role (no superuser, no BYPASSRLS) created once through `admin`, and fresh schemas it owns with a
 * connection string that acts as it (`-c role=`), so row-level security applies. `drop()` removes the role
 * (call it after the schemas are gone or owned elsewhere, in afterAll).
 */
export function appRole(admin: pg.Pool, url: string) {
  const role = freshName('tw_test_app');
  let created: Promise<unknown> | undefined;
  return {
    async schema(): Promise<{ schema: string; connectionString: string }> {
      created ??= admin.query(`CREATE ROLE "${role}" NOLOGIN NOSUPERUSER NOBYPASSRLS`);
      await created;
      const schema = freshName('tw_test');
      await admin.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`);
      const asRole = new URL(url);
      asRole.searchParams.set('options', `-c role=${role}`);
      return { schema, connectionString: asRole.toString() };
    },
    async drop(): Promise<void> {
      if (created) await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    },
  };
}

/**
 * What a PostgreSQL test file that acts as an ordinary role sets up (the same server and skip switch as
 * postgres.test.ts): the server `url`, `skip` (TASKWIRE_TEST_POSTGRES=skip), a superuser pool `admin` and the
 * {@link appRole} `role`, with an afterAll that drops the role and closes the pool. Call it once, at the top level.
 */
export function roleSuite() {
  const url = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const skip = process.env.TASKWIRE_TEST_POSTGRES === 'skip';
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  const role = appRole(admin, url);
  afterAll(async () => {
    await role.drop();
    await admin.end();
  });
  return { url, skip, admin, role };
}
