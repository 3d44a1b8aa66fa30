/**
 * npm run bench:rescan — 回溯检查 speed (report, not assert).
 *
 * Seeds a throwaway database with N released drafts of C characters (campus-regulation sentences, a few with the
 * new term hidden behind noise characters), adds a term through the admin service — which records a rescan
 * exactly as the API does — and runs the rescan runner on T worker threads, printing progress and totals.
 *
 *   npm run bench:rescan -- [--drafts 100000] [--chars 5000] [--threads <cores>] [--keep]
 *
 * --keep leaves the seeded database for the next run (seeding 100k × 5k characters takes a few minutes).
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) must be a superuser connection.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import pino from 'pino';
import { getRescan } from '../src/db/dictionary.repository';
import { createDatabase, runMigrations } from '../src/db/pool';
import { addDictionaryTerms } from '../src/services/dictionaries.service';
import { createRescanRunner } from '../src/services/rescan-dictionary.service';
import { regulationDraft, rng } from './lib/campus-text';
import { BENCH_ADMIN_URL, benchDatabaseUrl, withBenchClient } from './lib/database';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DRAFTS = arg('drafts', 100_000);
const CHARS = arg('chars', 5_000);
const THREADS = arg('threads', availableParallelism());
const KEEP = process.argv.includes('--keep');
const DB_NAME = `sanshen_bench_rescan_${DRAFTS}_${CHARS}`;
const TERM = '星河夜话社';
const PLANT_EVERY = 997;

function draftText(i: number): string {
  let text = regulationDraft(CHARS, rng(i + 1), '\n\n');
  // Every PLANT_EVERY-th draft carries the term, split by noise characters the matcher must see through.
  if (i % PLANT_EVERY === 0) {
    const at = Math.floor(text.length / 2);
    text = `${text.slice(0, at)}${[...TERM].join('*')}${text.slice(at + TERM.length * 2 - 1)}`;
  }
  return text;
}

async function seed(url: string): Promise<{ adminId: string }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const existing = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM drafts WHERE status = 'released'");
    const user = await c.query<{ id: string }>("SELECT id FROM users WHERE username = 'bench-admin'");
    if (existing.rows[0]!.n === DRAFTS && user.rows[0]) {
      console.log(`reusing ${DRAFTS} seeded drafts in ${DB_NAME}`);
      // Forget the previous run's change so the term counts as new again.
      await c.query('DELETE FROM dictionary_rescan_hits; DELETE FROM dictionary_rescans; DELETE FROM dictionary_terms; DELETE FROM dictionary_changes');
      return { adminId: user.rows[0].id };
    }
    const unit = await c.query<{ id: string }>("INSERT INTO units (name, code) VALUES ('基准学院', 'BENCH') RETURNING id");
    const unitId = unit.rows[0]!.id;
    const platform = await c.query<{ id: string }>("INSERT INTO platforms (name, kind, level, unit_id) VALUES ('基准公众号', 'wechat', 'unit', $1) RETURNING id", [unitId]);
    const adminUser = await c.query<{ id: string }>(
      "INSERT INTO users (username, display_name, roles, password_hash, is_staff) VALUES ('bench-admin', '基准管理员', '{admin}', 'x', true) RETURNING id",
    );
    const adminId = adminUser.rows[0]!.id;
    const started = performance.now();
    const batch = 200;
    for (let from = 0; from < DRAFTS; from += batch) {
      const n = Math.min(batch, DRAFTS - from);
      const draftIds: string[] = [];
      const revisionIds: string[] = [];
      const numbers: string[] = [];
      const bodies: string[] = [];
      for (let k = 0; k < n; k++) {
        draftIds.push(randomUUID());
        revisionIds.push(randomUUID());
        numbers.push(`B-${String(from + k).padStart(7, '0')}`);
        bodies.push(draftText(from + k));
      }
      await c.query('BEGIN');
      await c.query(
        `INSERT INTO drafts (id, number, title, platform_id, unit_id, author_id, status, current_revision_id, ever_released, released_at)
         SELECT d, nr, '基准稿件' || nr, $3, $4, $5, 'released', r, true, now() FROM unnest($1::uuid[], $2::uuid[], $6::text[]) AS t(d, r, nr)`,
        [draftIds, revisionIds, platform.rows[0]!.id, unitId, adminId, numbers],
      );
      await c.query(
        `INSERT INTO revisions (id, draft_id, number, kind, title, body, format, origin, assets, content_hash, created_by)
         SELECT r, d, 1, 'submission', '基准稿件' || nr, b, 'markdown', '{"kind":"original"}', '[]', md5(b), $5
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS t(r, d, nr, b)`,
        [revisionIds, draftIds, numbers, bodies, adminId],
      );
      await c.query('COMMIT');
      if ((from / batch) % 50 === 0) process.stdout.write(`\rseeding ${from + n}/${DRAFTS} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    await c.query('ANALYZE drafts; ANALYZE revisions');
    console.log(`\rseeded ${DRAFTS} drafts × ${CHARS} chars in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return { adminId };
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const exists = await withBenchClient(BENCH_ADMIN_URL, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]).then((r) => r.rowCount === 1));
  if (exists && !KEEP) await withBenchClient(BENCH_ADMIN_URL, (c) => c.query(`DROP DATABASE "${DB_NAME}" WITH (FORCE)`));
  if (!exists || !KEEP) await withBenchClient(BENCH_ADMIN_URL, (c) => c.query(`CREATE DATABASE "${DB_NAME}"`));
  const url = benchDatabaseUrl(DB_NAME);
  await runMigrations(url);
  const { adminId } = await seed(url);

  const logger = pino({ level: 'warn' });
  const database = createDatabase(url, { max: 4 });
  const actor = { id: adminId, username: 'bench-admin', displayName: '基准管理员', staffId: null, unitId: null, isStaff: true, roles: ['admin'] as const };
  const change = await addDictionaryTerms({ db: database.db, logger }, actor, 'sensitive.campus-watch', [{ term: TERM, severity: 'review', note: '基准' }]);
  if (!change.rescanId) throw new Error('no rescan recorded');

  const runner = createRescanRunner({ db: database.db, logger }, { databaseUrl: url, threads: THREADS, pageSize: 250 });
  const started = performance.now();
  const progress = setInterval(() => {
    void getRescan(database.db, change.rescanId!).then((r) => {
      if (r) process.stdout.write(`\r${r.status} ${r.processed}/${r.total} matched ${r.matched} (${((performance.now() - started) / 1000).toFixed(1)} s)   `);
    });
  }, 1_000);
  await runner.kick();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(progress);
  await runner.close();
  const done = await getRescan(database.db, change.rescanId);
  const expected = Math.floor((DRAFTS - 1) / PLANT_EVERY) + 1;
  console.log('\n');
  console.log(`rescan ${done?.status}: ${done?.processed} released drafts × ${CHARS} chars on ${THREADS} thread(s)`);
  console.log(`  wall time          ${seconds.toFixed(2)} s (includes thread start and engine build per thread)`);
  console.log(`  throughput         ${(DRAFTS / seconds).toFixed(0)} drafts/s, ${((DRAFTS * CHARS) / seconds / 1e6).toFixed(1)} M chars/s`);
  console.log(`  matched            ${done?.matched} (planted: ${expected})`);
  console.log(`  target             100,000 × 5,000 chars ≤ 60 s on 2 cores`);
  await database.close();
  if (!KEEP) await withBenchClient(BENCH_ADMIN_URL, (c) => c.query(`DROP DATABASE "${DB_NAME}" WITH (FORCE)`));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
