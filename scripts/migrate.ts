import { readEnv } from '../config/env';
import { runMigrations } from '../src/db/pool';

/** `npm run db:migrate`: applies pending numbered migrations to DATABASE_URL (npm start does this itself). */
async function main(): Promise<void> {
  const env = readEnv();
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set (the embedded database is migrated by npm start)');
  await runMigrations(env.DATABASE_URL);
  console.log('migrations applied');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
