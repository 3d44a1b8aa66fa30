/**
 * Migration 0007 on data that predates it: two accounts sharing a 工号 (one with other case and a trailing space).
 * The oldest keeps it; the later one keeps it as staff_id_conflict, loses it and is disabled; decisions keep the
 * 工号 their reviewer had; afterwards the unique index refuses a duplicate.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Client } from 'pg';
import { ADMIN_DATABASE_URL, databaseUrl } from '../helpers/db-urls';

const name = `sanshen_mig7_${process.pid}`;
const admin = async (sql: string) => {
  const c = new Client({ connectionString: ADMIN_DATABASE_URL });
  await c.connect();
  await c.query(sql).finally(() => c.end());
};
afterAll(async () => {
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

it('keeps the oldest account’s 工号, parks and disables the later duplicate, and makes 工号 unique', async () => {
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${name}"`);
  const dir = mkdtempSync(join(tmpdir(), 'mig7-'));
  cpSync(resolve(__dirname, '../../src/db/migrations'), dir, { recursive: true });
  const journalPath = join(dir, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const all = journal.entries;
  const c = new Client({ connectionString: databaseUrl(name) });
  await c.connect();
  try {
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: all.filter((e) => e.tag < '0007') }));
    await migrate(drizzle(c), { migrationsFolder: dir });
    await c.query(`INSERT INTO users (username, display_name, staff_id, password_hash, created_at) VALUES
      ('li1', '李初审', 'T001', 'x', now() - interval '2 days'), ('li2', '李初审', 't001 ', 'x', now() - interval '1 day'),
      ('wang', '王', 'T002', 'x', now()), ('blank', '空', '  ', 'x', now())`);
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: all }));
    await migrate(drizzle(c), { migrationsFolder: dir });
    const rows = (await c.query('SELECT username, staff_id, staff_id_conflict, disabled FROM users ORDER BY username')).rows;
    expect(rows).toEqual([
      { username: 'blank', staff_id: null, staff_id_conflict: null, disabled: false },
      { username: 'li1', staff_id: 'T001', staff_id_conflict: null, disabled: false },
      { username: 'li2', staff_id: null, staff_id_conflict: 't001', disabled: true },
      { username: 'wang', staff_id: 'T002', staff_id_conflict: null, disabled: false },
    ]);
    await expect(c.query(`INSERT INTO users (username, display_name, staff_id, password_hash) VALUES ('li3', '李', 't001', 'x')`)).rejects.toThrow(/users_staff_id_key/);
  } finally {
    await c.end();
    rmSync(dir, { recursive: true, force: true });
  }
});
