import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL server benchmarks create their throwaway databases on. */
export const BENCH_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on the benchmark server. */
export function benchDatabaseUrl(name: string): string {
  const url = new URL(BENCH_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface BenchDatabase {
  name: string;
  url: string;
  /** Drops it, whoever is still connected. */
  drop(): Promise<void>;
}

/** Runs `fn` with a client of its own on `url`, closed afterwards. */
export async function withBenchClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const asAdmin = (sql: string) => withBenchClient(BENCH_ADMIN_URL, (c) => c.query(sql)).then(() => undefined);

/** A fresh empty database named after the benchmark and this process (no migrations run yet). */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `sanshen_bench_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await asAdmin(`CREATE DATABASE "${name}"`);
  return { name, url: benchDatabaseUrl(name), drop: () => asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
