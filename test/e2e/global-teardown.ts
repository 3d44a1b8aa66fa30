import { Client } from 'pg';
import { ADMIN_DATABASE_URL } from '../helpers/db-urls';
import { E2E_TEMPLATE_ENV } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const name = process.env[E2E_TEMPLATE_ENV];
  if (!name) return;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
