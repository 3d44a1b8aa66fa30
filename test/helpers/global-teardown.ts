import { Client } from 'pg';
import { ADMIN_DATABASE_URL, TEMPLATE_ENV } from './db-urls';

/** Drops the template database whose name the matching global setup left in `process.env[envName]`. */
export async function dropTemplateNamedIn(envName: string): Promise<void> {
  const name = process.env[envName];
  if (!name) return;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export default async function globalTeardown(): Promise<void> {
  await dropTemplateNamedIn(TEMPLATE_ENV);
}
