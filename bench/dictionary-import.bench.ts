/**
 * npm run bench:dictionary-import — an admin import through the real service and PostgreSQL, and the worker's
 * engine rebuild after it: 1,000 eight-character terms marked `py` (issue 10: 17 s import, 49 s reload, +850 MB when
 * every 2ⁿ−1 mixed pinyin spelling was a key) and a 100,000-line plain lexicon. Prints seconds and heap growth.
 */
import pino from 'pino';
import { readEnv } from '../config/env';
import { runMigrations } from '../src/db/pool';
import { createRuntime } from '../src/runtime';
import { createUser } from '../src/services/admin.service';
import { toAuthUser } from '../src/services/auth.service';
import { importDictionaryLexicon } from '../src/services/dictionaries.service';
import { loadEngineFromDatabase } from '../src/services/dictionary-reload.service';
import { createBenchDatabase } from './lib/database';

const HANZI = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你能而子那得着下自之年过发后里';
/** `count` distinct terms of `length` characters: the base-N digits of spread-out indexes, spelled in HANZI. */
function terms(count: number, length: number, seed: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let n = i * 7919 + seed;
    let t = '';
    for (let k = 0; k < length; k++) {
      t += HANZI[n % HANZI.length];
      n = Math.floor(n / HANZI.length);
    }
    out.push(t);
  }
  return out;
}
const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 1e6;
};
const seconds = (since: bigint) => (Number(process.hrtime.bigint() - since) / 1e9).toFixed(2);

async function main() {
  const database = await createBenchDatabase('dictimport');
  try {
    await runMigrations(database.url);
    const runtime = createRuntime({
      databaseUrl: database.url,
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      env: readEnv({ LOG_LEVEL: 'silent', QUEUE_PREFIX: `bench${process.pid}` }),
      role: 'api',
      logger: pino({ level: 'silent' }),
    });
    const db = runtime.deps.db;
    const admin = toAuthUser(await createUser(db, null, { username: 'bench-admin', displayName: '基准', isStaff: true, roles: ['admin'], password: 'Bench-Pass-2026!' }));
    const deps = { db, logger: runtime.logger, dictionaryEvents: undefined, dictionaryDir: undefined };

    let t = process.hrtime.bigint();
    await loadEngineFromDatabase(db);
    console.log(`engine from the shipped lists: ${seconds(t)} s`);

    const py = terms(1_000, 8, 42)
      .map((term) => `${term}\treview\t\tpy`)
      .join('\n');
    let heap = heapMb();
    t = process.hrtime.bigint();
    await importDictionaryLexicon(deps, admin, 'sensitive.politics', { text: py, format: 'dictionary' });
    console.log(`import 1,000 × 8-char py terms (${(Buffer.byteLength(py) / 1024).toFixed(0)} KB): ${seconds(t)} s`);
    t = process.hrtime.bigint();
    const reloaded = await loadEngineFromDatabase(db);
    console.log(`worker reload after it: ${seconds(t)} s, heap +${(heapMb() - heap).toFixed(0)} MB`);
    void reloaded;

    const plain = terms(100_000, 6, 7).join('\n');
    heap = heapMb();
    t = process.hrtime.bigint();
    await importDictionaryLexicon(deps, admin, 'sensitive.gambling', { text: plain, format: 'lines', severity: 'review' });
    console.log(`import 100,000 lines (${(Buffer.byteLength(plain) / 1e6).toFixed(1)} MB): ${seconds(t)} s`);
    t = process.hrtime.bigint();
    await loadEngineFromDatabase(db);
    console.log(`worker reload after it: ${seconds(t)} s, heap +${(heapMb() - heap).toFixed(0)} MB`);
    await runtime.close();
  } finally {
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
