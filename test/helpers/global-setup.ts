import { Client } from 'pg';
import { runMigrations } from '../../src/db/pool';
import { ADMIN_DATABASE_URL, databaseUrl, TEMPLATE_ENV } from './db-urls';

/** Migrates one template database per run; every test file clones it (CREATE DATABASE … TEMPLATE is fast). */
export default async function globalSetup(): Promise<void> {
  const name = `sanshen_tpl_${process.pid}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    // Leftovers of runs that were killed before their teardown.
    const stale = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'sanshen_t%' AND datname <> $1",
      [name],
    );
    for (const row of stale.rows) await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  await runMigrations(databaseUrl(name));
  process.env[TEMPLATE_ENV] = name;
}
