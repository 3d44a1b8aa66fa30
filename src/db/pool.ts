import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { join } from 'node:path';
import { Pool, type PoolConfig } from 'pg';
import * as schema from './schema';

export type Db = NodePgDatabase<typeof schema>;
/** A drizzle transaction handle; repositories take it so that every write of a use case shares one COMMIT. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the pool-level db or a transaction: for reads that may run inside or outside one. */
export type Executor = Db | Tx;

export const APP_ROLE = 'sanshen_app';

export interface DatabaseHandle {
  pool: Pool;
  db: Db;
  close(): Promise<void>;
}

/**
 * A pool whose connections act as the restricted application role, so the app itself cannot rewrite the trail.
 */
export function createDatabase(url: string, options: { useAppRole?: boolean; max?: number } = {}): DatabaseHandle {
  const config: PoolConfig = {
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    // A startup parameter, so not a single statement ever runs with the login role's privileges.
    ...(options.useAppRole !== false ? { options: `-c role=${APP_ROLE}` } : {}),
  };
  const pool = new Pool(config);
  // An idle client losing its server (PostgreSQL restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // A checked-out client has no pool listener: if its server goes away between two queries of a transaction,
  // the unhandled 'error' would kill the process. Its next query fails instead (→ 503), and the pool discards it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzle(pool, { schema });
  return { pool, db, close: () => pool.end() };
}

const MIGRATION_LOCK = 727_001;

/** Runs pending numbered migrations once, even with several processes starting together. */
export async function runMigrations(url: string): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query('SET client_min_messages = warning');
      await migrate(drizzle(client), { migrationsFolder: join(__dirname, 'migrations') });
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
