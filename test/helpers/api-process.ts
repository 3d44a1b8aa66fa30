import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REDIS_URL } from './db-urls';

const ROOT = resolve(__dirname, '../..');

/** One real API process (`src/main.ts`, the product's entry point) on its own port. */
export interface ApiProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** What the process wrote to stderr (for failure messages). */
  errors(): string;
  stop(): Promise<void>;
}

export interface ApiProcessOptions {
  name: string;
  databaseUrl: string;
  /** Queue prefix: also scopes the socket.io adapter's streams and the presence keys in Redis. */
  prefix: string;
  redisUrl?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Spawns `node --import tsx src/main.ts` against an existing database and Redis (no embedded services, no
 * worker), waits for the URL it prints, and stops it with SIGTERM (SIGKILL after a grace period).
 */
export async function startApiProcess(options: ApiProcessOptions): Promise<ApiProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `sanshen-${options.name}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl ?? REDIS_URL,
      QUEUE_PREFIX: options.prefix,
      PORT: '0',
      START_WORKER: '0',
      START_NOTIFY_WORKER: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATA_DIR: dataDir,
      AUDIT_HMAC_KEY: randomBytes(32).toString('hex'),
      AUDIT_CHECKPOINT_DIR: join(dataDir, 'checkpoints'),
      SANSHEN_DEMO: '0',
      ...options.env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8_000);
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} did not start in time; stderr: ${stderr}`)), options.timeoutMs ?? 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = stdout.match(/URL:\s+http:\/\/localhost:(\d+)/);
      if (found) {
        clearTimeout(timer);
        resolveUrl(`http://127.0.0.1:${found[1]}`);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${code ?? signal}) before listening; stderr: ${stderr}`));
    });
  });
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  return {
    name: options.name,
    url,
    child,
    errors: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 8_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
