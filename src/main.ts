import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { readEnv } from '../config/env';
import { runMigrations } from './db/pool';
import { auditKey, resolveRedis, startEmbeddedPostgres } from './embedded';
import { createApp } from './http/app';
import { answerClientErrors } from './http/client-errors';
import { createRedis } from './queue/connections';
import { createSocketServer, userRoom } from './realtime/socket-server';
import { createRuntime } from './runtime';
import { ensureAdmin, seedDemo } from './services/admin.service';

const say = (line = '') => process.stdout.write(`${line}\n`);

/**
 * `npm start`: one command for the whole product — PostgreSQL (embedded unless DATABASE_URL is set), Redis,
 * migrations, the API with the board and live socket, and a check worker process.
 */
async function main(): Promise<void> {
  const env = readEnv();
  const demo = process.argv.includes('--demo') || env.SANSHEN_DEMO === '1' || env.SANSHEN_DEMO === 'true' || process.env.npm_config_demo === 'true';
  const dataDir = resolve(env.DATA_DIR);

  const embedded = env.DATABASE_URL ? null : await startEmbeddedPostgres(dataDir, say);
  const databaseUrl = env.DATABASE_URL ?? embedded!.url;
  const redis = await resolveRedis(env.REDIS_URL, dataDir);
  await runMigrations(databaseUrl);

  const checkpointDir = env.AUDIT_CHECKPOINT_DIR ?? join(dataDir, 'audit', 'checkpoints');
  const hmacKey = auditKey(dataDir, env.AUDIT_HMAC_KEY);
  const runtime = createRuntime({ databaseUrl, redisUrl: redis.url, env, role: 'api' });
  const admin = await ensureAdmin(runtime.deps.db, env.SANSHEN_ADMIN_PASSWORD);
  const demoAccounts = demo ? await seedDemo(runtime.deps.db) : [];

  const webRoot = resolve(__dirname, '..', 'dist', 'web');
  const allowedOrigins = env.ALLOWED_ORIGINS ? env.ALLOWED_ORIGINS.split(',').map((o) => o.trim()) : null;
  let sockets: ReturnType<typeof createSocketServer> | undefined;
  const app = createApp({
    ...runtime.deps,
    checkpoints: { dir: checkpointDir, key: hmacKey },
    health: runtime.health,
    secureCookies: env.NODE_ENV === 'production',
    webRoot: existsSync(webRoot) ? webRoot : undefined,
    onLogout: (userId) => sockets?.endSessions(userId),
    queues: [runtime.queue.queue],
    allowedOrigins,
    trustProxy: env.TRUST_PROXY
      ? env.TRUST_PROXY.split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : undefined,
  });
  const server = createServer(app);
  answerClientErrors(server);
  // Live socket: the Redis streams adapter spans every API process (rooms, logout disconnects, claims and
  // viewers); committed draft changes reach each process through the draft-events pub/sub channel below.
  sockets = createSocketServer(server, {
    db: runtime.deps.db,
    idleMinutes: env.SESSION_IDLE_MINUTES,
    allowedOrigins,
    secureCookies: env.NODE_ENV === 'production',
    redis: { url: redis.url, prefix: env.QUEUE_PREFIX },
    presence: runtime.presence,
  });
  const subscriber = createRedis(redis.url, 'subscriber');
  await runtime.events.attach(sockets.broadcast, subscriber);
  // Bells: "your inbox changed" to the people's own rooms on this process (each process hears every publish once).
  await runtime.notificationEvents.attach((userIds) => sockets?.io.local.to(userIds.map(userRoom)).emit('notifications.changed'), subscriber);

  // The worker is its own process: a crash or kill -9 there never takes the API down.
  const workerEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    AUDIT_HMAC_KEY: hmacKey,
    AUDIT_CHECKPOINT_DIR: checkpointDir,
  };
  let worker: ChildProcess | undefined;
  let stopping = false;
  const startWorker = () => {
    worker = fork(resolve(__dirname, '..', 'workers', 'checks.worker.ts'), [], { env: workerEnv, execArgv: ['--import', 'tsx'] });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      runtime.logger.warn({ code, signal }, 'check worker exited; restarting');
      setTimeout(startWorker, 1_000);
    });
  };
  if (env.START_WORKER === '1') startWorker();
  // Notification deliveries (e-mail, robots, webhooks) in their own process, so a slow channel never touches the API.
  let notifyWorker: ChildProcess | undefined;
  const startNotifyWorker = () => {
    notifyWorker = fork(resolve(__dirname, '..', 'workers', 'notify.worker.ts'), [], { env: workerEnv, execArgv: ['--import', 'tsx'] });
    notifyWorker.on('exit', (code, signal) => {
      if (stopping) return;
      runtime.logger.warn({ code, signal }, 'notify worker exited; restarting');
      setTimeout(startNotifyWorker, 1_000);
    });
  };
  if (env.START_NOTIFY_WORKER === '1') startNotifyWorker();

  await new Promise<void>((done) => server.listen(env.PORT, done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const url = `http://localhost:${port}`;

  say('');
  say('sanshen 三审三校 已启动');
  say(`  地址 URL:        ${url}`);
  say(`  API 文档:        ${url}/api/docs`);
  say(`  数据库:          ${embedded ? `内置 PostgreSQL（${join(dataDir, 'pg')}）` : 'DATABASE_URL'}`);
  say(`  Redis:           ${redis.source === 'spawned' ? `redis-server（AOF 持久化，${join(dataDir, 'redis')}）` : redis.url}`);
  if (admin.created && admin.password && !env.SANSHEN_ADMIN_PASSWORD) {
    say(`  管理员 admin 初始密码（仅显示一次）: ${admin.password}`);
  }
  if (demoAccounts.length > 0) {
    say('  演示账号 demo accounts:');
    for (const a of demoAccounts) say(`    ${a.username.padEnd(11)} ${a.password}   ${a.roles.join(',')}`);
  }
  say('');

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info({ signal }, 'stopping');
    // Order: stop taking requests, stop the worker, close queues and Redis, end the pool, stop owned servers.
    await new Promise<void>((done) => {
      // Closing the socket server also closes the HTTP server it is attached to.
      void sockets?.close();
      server.close(() => done());
      setTimeout(done, 5_000).unref();
    });
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((done) => {
        worker!.once('exit', done);
        setTimeout(done, 10_000).unref();
      });
    }
    if (notifyWorker && notifyWorker.exitCode === null) {
      notifyWorker.kill('SIGTERM');
      await new Promise((done) => {
        notifyWorker!.once('exit', done);
        setTimeout(done, 10_000).unref();
      });
    }
    subscriber.disconnect();
    await runtime.close();
    await redis.stop();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
