/**
 * The API as the chaos run starts it: the same createApp and runtime as `npm start`, without the embedded
 * database, migrations, web build, live socket server and the worker it forks, listening on 127.0.0.1 only. Configured like the
 * product through the environment (config/env.ts). Stops on SIGTERM/SIGINT: stop HTTP, then queues, Redis, pool.
 */
import { createServer } from 'node:http';
import { readEnv } from '../../config/env';
import { createApp } from '../../src/http/app';
import { answerClientErrors } from '../../src/http/client-errors';
import { createRedis } from '../../src/queue/connections';
import { createRuntime } from '../../src/runtime';

async function main(): Promise<void> {
  const env = readEnv();
  if (!env.DATABASE_URL || !env.REDIS_URL) throw new Error('DATABASE_URL and REDIS_URL must be set');
  const runtime = createRuntime({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, env, role: 'api' });
  const subscriber = createRedis(env.REDIS_URL, 'subscriber');
  await runtime.events.attach(() => undefined, subscriber);
  const app = createApp({ ...runtime.deps, checkpoints: null, health: runtime.health, queues: [runtime.queue.queue] });
  const server = createServer(app);
  answerClientErrors(server);
  await new Promise<void>((done) => server.listen(env.PORT, '127.0.0.1', done));
  runtime.logger.info({ port: env.PORT }, 'api listening');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
      setTimeout(done, 5_000).unref();
    });
    subscriber.disconnect();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
