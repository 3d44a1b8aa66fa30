/**
 * npm run bench:scale — the read paths and the audit checkpointer at archive scale (issue 16). Generates an archive of
 * BENCH_DRAFTS drafts (default 100000; 10000 / 100000 / 1000000 are the sizes the README reports) in SQL with realistic
 * shapes (bench/lib/archive.ts) into a database of its own, starts the API in this process on a loopback port, and
 * times each read path over HTTP (p50 / p95 of BENCH_RUNS requests after warm-up). Then the checkpointer: the first
 * (full, sharded) snapshot, an idle run (must write 0 bytes), and a run after 1,000 chains moved; and a one-draft verify
 * with checkpoint files present. Prints a table and writes bench/results/scale-<drafts>.json. Asserts nothing.
 * BENCH_KEEP=1 keeps the database (its name is printed) for EXPLAIN by hand; BENCH_SEED_ONLY=1 seeds, keeps and stops;
 * BENCH_DATABASE=<name> measures an archive seeded before (kept, not seeded again; BENCH_DRAFTS must match).
 * BENCH_ONLY=<regex> times only the read paths whose names match (and the checkpointer only if "checkpoint" matches).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { readEnv } from '../config/env';
import { runMigrations } from '../src/db/pool';
import { createApp } from '../src/http/app';
import { createRuntime } from '../src/runtime';
import { createUser } from '../src/services/admin.service';
import { writeCheckpoint, type CheckpointStore } from '../src/services/audit-trail.service';
import { linkRealChains, seedArchive } from './lib/archive';
import { benchDatabaseUrl, createBenchDatabase, withBenchClient, type BenchDatabase } from './lib/database';

const DRAFTS = Number(process.env.BENCH_DRAFTS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'Bench-Pass-2026!';
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
const wanted = (name: string) => !ONLY || ONLY.test(name);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number) => Math.round(n * 10) / 10;
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const reuse = process.env.BENCH_DATABASE;
  const seedOnly = process.env.BENCH_SEED_ONLY === '1';
  const bench: BenchDatabase = reuse ? { name: reuse, url: benchDatabaseUrl(reuse), drop: async () => undefined } : await createBenchDatabase('scale');
  const keep = process.env.BENCH_KEEP === '1' || seedOnly || Boolean(reuse);
  const checkpointDir = mkdtempSync(join(tmpdir(), 'sanshen-scale-ckpt-'));
  let server: Server | null = null;
  let runtime: ReturnType<typeof createRuntime> | null = null;
  try {
    const seedStarted = Date.now();
    let phases: Array<[string, number]> = [];
    if (!reuse) {
      log(`database ${bench.name}: migrating, then generating ${DRAFTS.toLocaleString('en-US')} drafts`);
      await runMigrations(bench.url);
      phases = (await withBenchClient(bench.url, (c) => seedArchive(c, { drafts: DRAFTS, key: 'sc', url: bench.url, log }))).phases;
    } else {
      log(`database ${bench.name}: measuring the archive seeded before`);
      // Migrations added since it was seeded (an index of this issue, say) apply as they would to a live archive.
      await runMigrations(bench.url);
    }
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    const seeded = await withBenchClient(bench.url, async (c) => {
      const ids = (name: string) => `overlay(overlay(md5('sc' || '${name}') placing '4' from 13) placing '8' from 17)::uuid`;
      const r = await c.query<{ unit: string; office: string; platform: string }>(`SELECT ${ids('u1')} AS unit, ${ids('u0')} AS office, ${ids('p2')} AS platform`);
      return { unitId: r.rows[0]!.unit, officeId: r.rows[0]!.office, platformId: r.rows[0]!.platform };
    });
    const sizes = await withBenchClient(bench.url, async (c) => {
      const r = await c.query<{ drafts: string; revisions: string; findings: string; decisions: string; events: string; bytes: string }>(`
        SELECT (SELECT count(*) FROM drafts) AS drafts, (SELECT count(*) FROM revisions) AS revisions, (SELECT count(*) FROM findings) AS findings,
               (SELECT count(*) FROM decisions) AS decisions, (SELECT count(*) FROM audit_events) AS events, pg_database_size(current_database()) AS bytes`);
      return r.rows[0]!;
    });
    log(`archive: ${JSON.stringify(sizes)}${reuse ? '' : ` in ${seedSeconds.toFixed(0)} s`}`);
    if (seedOnly) {
      console.log(`seeded ${bench.name}: ${JSON.stringify(sizes)} in ${seedSeconds.toFixed(0)} s`);
      for (const [phase, seconds] of phases) console.log(`  ${phase}: ${seconds.toFixed(1)} s`);
      return;
    }
    // A rerun on a kept archive starts from "nothing checkpointed yet", as the first run did.
    await withBenchClient(bench.url, (c) =>
      c.query('UPDATE audit_chain_heads SET checkpointed_seq = 0, checkpoint_no = NULL WHERE checkpointed_seq <> 0 OR checkpoint_no IS NOT NULL; DELETE FROM audit_checkpoint_files'),
    );

    const env = readEnv({ QUEUE_PREFIX: `benchscale${process.pid}`, LOG_LEVEL: 'silent' });
    runtime = createRuntime({ databaseUrl: bench.url, redisUrl: REDIS_URL, env, role: 'api', logger: pino({ level: 'silent' }) });
    const checkpoints: CheckpointStore = { dir: checkpointDir, key: randomBytes(32).toString('hex') };
    await runtime.events.attach(() => undefined, null);
    const app = createApp({ ...runtime.deps, checkpoints, health: runtime.health });
    const db = runtime.deps.db;
    const tag = process.pid.toString(36);
    const accounts = [
      { username: 'bench-editor', roles: ['editor'], unitId: seeded.unitId },
      { username: 'bench-r1', roles: ['reviewer1'], unitId: seeded.unitId },
      { username: 'bench-prop', roles: ['propaganda'], unitId: seeded.officeId },
      { username: 'bench-auditor', roles: ['auditor'], unitId: seeded.officeId },
    ];
    for (const a of accounts) {
      // Suffixed, so a kept archive can be measured again.
      const username = `${a.username}-${tag}`;
      await createUser(db, null, { username, displayName: username, staffId: username, unitId: a.unitId, isStaff: true, roles: a.roles as never, password: PASSWORD });
    }
    server = createServer(app);
    await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', () => ok()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tokens: Record<string, string> = {};
    for (const a of accounts) {
      const res = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `${a.username}-${tag}`, password: PASSWORD }),
      });
      tokens[a.username] = ((await res.json()) as { token: string }).token;
    }
    const get = async (user: string, path: string): Promise<{ ms: number; body: any; status: number }> => {
      const started = performance.now();
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${tokens[user]}` } });
      const body = await res.json().catch(() => null);
      return { ms: performance.now() - started, body, status: res.status };
    };

    // Fixtures for the paths: a cursor deep into the archive, a draft, a column cursor.
    let cursor: string | null = null;
    let deepCursor: string | null = null;
    for (let i = 0; i < 199; i++) {
      deepCursor = (await get('bench-auditor', `/api/drafts?pageSize=100${deepCursor ? `&cursor=${deepCursor}` : ''}`)).body.nextCursor;
      if (i === 4) cursor = deepCursor;
    }
    const board = (await get('bench-prop', '/api/board')).body;
    const firstColumn = board.columns.find((c: { key: string }) => c.key === 'first');
    const draftId = board.items[0]?.id as string;
    // The draft whose detail, trail and verify are timed gets real hash links, so its verify does the real work.
    const verifiedChain = `draft-${draftId}`;
    await withBenchClient(bench.url, (c) => linkRealChains(c, [verifiedChain]));

    const paths: Array<[string, string, string]> = [
      ['GET /api/drafts (newest)', 'bench-auditor', '/api/drafts'],
      ['GET /api/drafts?text= (no match)', 'bench-auditor', `/api/drafts?text=${encodeURIComponent('量子纠缠态')}`],
      ['GET /api/drafts?text= (2 chars, common)', 'bench-auditor', `/api/drafts?text=${encodeURIComponent('学习')}`],
      ['GET /api/drafts?text= (phrase)', 'bench-auditor', `/api/drafts?text=${encodeURIComponent('图书馆新馆开放')}`],
      ['GET /api/drafts?reviewer=', 'bench-auditor', `/api/drafts?reviewer=${encodeURIComponent('审核1号1')}`],
      ['GET /api/drafts?status=released', 'bench-auditor', '/api/drafts?status=released'],
      ['GET /api/drafts?unit=', 'bench-auditor', `/api/drafts?unit=${seeded.unitId}`],
      ['GET /api/drafts?platform=', 'bench-auditor', `/api/drafts?platform=${seeded.platformId}`],
      ['GET /api/drafts?status=in_review&platform=', 'bench-auditor', `/api/drafts?status=in_review&platform=${seeded.platformId}`],
      ['GET /api/drafts?from=&to= (one month)', 'bench-auditor', '/api/drafts?from=2024-03-01&to=2024-03-31'],
      ['audit desk page 1 (100, capped count)', 'bench-auditor', '/api/drafts?pageSize=100'],
      ['audit desk page 6 (cursor)', 'bench-auditor', `/api/drafts?pageSize=100&cursor=${cursor}`],
      ['audit desk page 200 (cursor)', 'bench-auditor', `/api/drafts?pageSize=100&cursor=${deepCursor}`],
      ['GET /api/drafts (unit reviewer)', 'bench-r1', '/api/drafts'],
      ['dashboards', 'bench-prop', '/api/dashboards'],
      ['board, whole school (宣传部), first screen', 'bench-prop', '/api/board'],
      ['board, one column next page', 'bench-prop', `/api/board?column=first&cursor=${firstColumn?.nextCursor ?? ''}`],
      ['board, unit reviewer', 'bench-r1', '/api/board'],
      ['detail of one draft', 'bench-prop', `/api/drafts/${draftId}`],
      ['trail of one draft', 'bench-prop', `/api/drafts/${draftId}/trail`],
    ];
    const rows: Array<{ path: string; p50: number; p95: number; note?: string }> = [];
    const measure = async (name: string, user: string, path: string) => {
      for (let i = 0; i < 3; i++) await get(user, path);
      const times: number[] = [];
      let status = 0;
      for (let i = 0; i < RUNS; i++) {
        const r = await get(user, path);
        status = r.status;
        times.push(r.ms);
      }
      times.sort((a, b) => a - b);
      rows.push({ path: name, p50: round(pct(times, 50)), p95: round(pct(times, 95)), ...(status !== 200 ? { note: `HTTP ${status}` } : {}) });
      log(`  ${name}: p50 ${round(pct(times, 50))} ms, p95 ${round(pct(times, 95))} ms${status !== 200 ? ` (HTTP ${status})` : ''}`);
    };
    for (const [name, user, path] of paths) if (wanted(name)) await measure(name, user, path);
    const boardTotals = Object.fromEntries(board.columns.map((c: { key: string; total: number }) => [c.key, c.total]));

    // The checkpointer.
    const dirBytes = () => readdirSync(checkpointDir).reduce((n, f) => n + statSync(join(checkpointDir, f)).size, 0);
    const timed = async <T>(fn: () => Promise<T>) => {
      const started = performance.now();
      const value = await fn();
      return { value, ms: round(performance.now() - started) };
    };
    const skipped = { value: null, ms: NaN };
    const checkpointing = wanted('checkpoint');
    // No head is checkpointed yet (as the triggers leave them), so the first run is a full snapshot.
    const snapshot = checkpointing ? await timed(() => writeCheckpoint(db, checkpoints)) : skipped;
    // The first snapshot marks every head (once in the life of an archive, after the migration's backfill): its dead
    // index entries are autovacuum's to clear; without that, the next runs would be timing 1M dead entries.
    if (checkpointing) await withBenchClient(bench.url, (c) => c.query('VACUUM (ANALYZE) audit_chain_heads'));
    const afterSnapshot = dirBytes();
    const idle = checkpointing ? await timed(() => writeCheckpoint(db, checkpoints)) : skipped;
    const idleBytes = dirBytes() - afterSnapshot;
    const touch = (n: number) =>
      withBenchClient(bench.url, (c) =>
        c.query(`
          INSERT INTO audit_events (chain, seq, draft_id, actor_id, actor_name, type, outcome, data, created_at, prev_hash, hash)
          SELECT h.chain, h.seq + 1, NULL, NULL, 'bench', 'bench.touched', 'success', '{}'::jsonb, now(), h.hash, md5(h.chain || h.hash) || md5(h.hash)
          FROM (SELECT chain, seq, hash FROM audit_chain_heads WHERE chain <> '${verifiedChain}' ORDER BY random() LIMIT ${n}) AS h`),
      );
    if (checkpointing) await touch(1_000);
    const changed = checkpointing ? await timed(() => writeCheckpoint(db, checkpoints)) : skipped;
    const changedBytes = dirBytes() - afterSnapshot - idleBytes;
    if (checkpointing) await touch(1_000);
    const snapshotAgain = checkpointing ? await timed(() => writeCheckpoint(db, checkpoints, { forceSnapshot: true })) : skipped;
    // One-draft verify with checkpoint files present, of a chain with real hash links (the answer must be ok).
    const verified = (await get('bench-prop', `/api/drafts/${draftId}/trail/verify`)).body;
    log(`  verify answer: ${JSON.stringify({ ok: verified?.ok, events: verified?.events, firstBreak: verified?.firstBreak, missingCheckpoints: verified?.missingCheckpoints })}`);
    if (wanted('verify')) await measure('verify of one draft (checkpoint files present)', 'bench-prop', `/api/drafts/${draftId}/trail/verify`);

    const result = {
      drafts: DRAFTS,
      archive: { ...Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, Number(v)])), ...(reuse ? { seededBefore: reuse } : { seedSeconds: round(seedSeconds), phases }) },
      verify: { ok: verified?.ok, events: verified?.events },
      machine: { cpus: cpus().length, loadavg: loadavg().map(round) },
      runs: RUNS,
      paths: rows,
      boardTotals,
      checkpoint: {
        firstSnapshot: { ms: snapshot.ms, heads: snapshot.value?.heads, files: snapshot.value?.files.length, bytes: snapshot.value?.bytes },
        idle: { ms: idle.ms, written: idle.value, bytes: idleBytes },
        after1000Changed: { ms: changed.ms, kind: changed.value?.kind, heads: changed.value?.heads, bytes: changedBytes },
        nextSnapshot: { ms: snapshotAgain.ms, heads: snapshotAgain.value?.heads, bytes: snapshotAgain.value?.bytes, pruned: snapshotAgain.value?.pruned },
      },
      at: new Date().toISOString(),
    };
    console.log(
      `\nbench:scale — ${DRAFTS.toLocaleString('en-US')} drafts (${Number(sizes.revisions).toLocaleString('en-US')} revisions, ${Number(sizes.events).toLocaleString('en-US')} audit events, ${(Number(sizes.bytes) / 2 ** 30).toFixed(2)} GB), ${RUNS} runs each, HTTP on loopback`,
    );
    console.log('| read path | p50 ms | p95 ms |\n|---|---|---|');
    for (const r of rows) console.log(`| ${r.path} | ${r.p50} | ${r.p95} |${r.note ? ` ${r.note}` : ''}`);
    console.log(`board column totals: ${JSON.stringify(boardTotals)}`);
    console.log('| checkpoint | time ms | heads | bytes |\n|---|---|---|---|');
    console.log(`| first full snapshot | ${snapshot.ms} | ${snapshot.value?.heads} | ${snapshot.value?.bytes} |`);
    console.log(`| idle | ${idle.ms} | 0 | ${idleBytes} |`);
    console.log(`| 1,000 chains moved (${changed.value?.kind}) | ${changed.ms} | ${changed.value?.heads} | ${changedBytes} |`);
    console.log(`| next snapshot (+ retention, ${snapshotAgain.value?.pruned} files pruned) | ${snapshotAgain.ms} | ${snapshotAgain.value?.heads} | ${snapshotAgain.value?.bytes} |`);
    const out = resolve(__dirname, 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `scale-${DRAFTS}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    await runtime?.close();
    rmSync(checkpointDir, { recursive: true, force: true });
    if (keep) log(`kept database ${bench.name}`);
    else await bench.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
