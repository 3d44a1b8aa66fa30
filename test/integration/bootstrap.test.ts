import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDatabase } from '../../src/db/pool';
import { ensureAdmin } from '../../src/services/admin.service';
import { ADMIN_DATABASE_URL, databaseUrl, TEMPLATE_ENV } from '../helpers/db-urls';

describe('first start', () => {
  it('creates exactly one admin account when several API processes start together on an empty database', async () => {
    const name = `sanshen_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${process.env[TEMPLATE_ENV]}"`);
    const database = createDatabase(databaseUrl(name));
    try {
      const results = await Promise.all(Array.from({ length: 4 }, () => ensureAdmin(database.db, 'Boot-Pass-2026!')));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const rows = await database.db.execute<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE username = 'admin'" as never);
      expect(rows.rows[0]?.n).toBe(1);
      expect((await ensureAdmin(database.db)).created).toBe(false);
    } finally {
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});
