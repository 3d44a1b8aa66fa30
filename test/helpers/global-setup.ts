import { Client } from 'pg';
import { runMigrations } from '../../src/db/pool';
import { ADMIN_DATABASE_URL, databaseUrl, TEMPLATE_ENV } from './db-urls';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Migrates one template database per run; every test file clones it (CREATE DATABASE … TEMPLATE is fast). */
export default async function globalSetup(): Promise<void> {
  const name = `sanshen_tpl_${process.pid}_0`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    // Leftovers of runs killed before their teardown; names carry the creating pid, so live runs are spared.
    const stale = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname ~ '^sanshen_t(pl)?_[0-9]+_'");
    for (const row of stale.rows) {
      const pid = Number(row.datname.split('_')[2]);
      if (!isAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  await runMigrations(databaseUrl(name));
  process.env[TEMPLATE_ENV] = name;
}
