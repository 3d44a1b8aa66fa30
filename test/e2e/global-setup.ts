import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { runMigrations } from '../../src/db/pool';
import { ADMIN_DATABASE_URL, databaseUrl, TEMPLATE_ENV } from '../helpers/db-urls';

const ROOT = resolve(__dirname, '../..');
export const E2E_TEMPLATE_ENV = 'SANSHEN_E2E_TEMPLATE_DB';

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds the board when dist/web is missing or older than its sources. */
function buildWebIfStale(): void {
  const built = join(ROOT, 'dist/web/index.html');
  const sources = Math.max(newestMtime(join(ROOT, 'src/web')), newestMtime(join(ROOT, 'src/shared')), newestMtime(join(ROOT, 'vite.config.mts')));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(ROOT, 'vite.config.mts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
  });
}

/**
 * Builds the board if needed and migrates a template database for the e2e files to clone. The template has its
 * own name (suffix _e2e), so this setup and the integration project's can run in one jest process; the names
 * carry the pid, so the integration setup's stale-database sweep removes leftovers of killed runs.
 */
export default async function globalSetup(): Promise<void> {
  buildWebIfStale();
  const name = `sanshen_tpl_${process.pid}_e2e`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  await runMigrations(databaseUrl(name));
  process.env[E2E_TEMPLATE_ENV] = name;
  // Test files clone whichever template is named here; the integration setup may set its own (identical) one.
  process.env[TEMPLATE_ENV] ??= name;
}
