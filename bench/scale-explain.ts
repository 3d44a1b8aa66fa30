/**
 * npx tsx bench/scale-explain.ts <database> [filter] — EXPLAIN (ANALYZE, BUFFERS) of every query the list, search,
 * board and dashboard read paths send, on an archive seeded by bench:scale (BENCH_SEED_ONLY=1 or BENCH_KEEP=1).
 * Prints each query's execution time and plan (only those whose name contains `filter`, if given). For finding where
 * a read path's time goes; asserts nothing.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { boardCounts, listBoardColumn, type BoardFilter } from '../src/db/board.repository';
import { dashboardAggregates } from '../src/db/dashboard.repository';
import { listDrafts, type DraftListFilter } from '../src/db/draft-search.repository';
import * as schema from '../src/db/schema';
import { BOARD_COLUMNS, BOARD_STATUSES } from '../src/services/board.service';
import { benchDatabaseUrl } from './lib/database';

async function main(): Promise<void> {
  const [name, only] = process.argv.slice(2);
  if (!name) throw new Error('usage: tsx bench/scale-explain.ts <database> [filter]');
  const captured: Array<{ name: string; query: string; params: unknown[] }> = [];
  let current = '';
  const pool = new Pool({ connectionString: benchDatabaseUrl(name), max: 4 });
  const db = drizzle(pool, { schema, logger: { logQuery: (query, params) => captured.push({ name: current, query, params }) } });
  const id = (tag: string) => `overlay(overlay(md5('sc' || '${tag}') placing '4' from 13) placing '8' from 17)::uuid`;
  const ids = (await pool.query<{ unit: string; platform: string; viewer: string }>(`SELECT ${id('u1')} AS unit, ${id('p2')} AS platform, ${id('e0')} AS viewer`)).rows[0]!;
  try {
    const lists: Array<[string, Partial<DraftListFilter>]> = [
      ['newest', {}],
      ['text (no match)', { text: '量子纠缠态' }],
      ['text (2 chars, common)', { text: '学习' }],
      ['text (phrase)', { text: '图书馆新馆开放' }],
      ['reviewer', { reviewer: '审核1号1' }],
      ['status=released', { status: 'released' }],
      ['unit', { unitId: ids.unit }],
      ['platform', { platformId: ids.platform }],
      ['status=in_review + platform', { status: 'in_review', platformId: ids.platform }],
      ['date range', { from: '2024-03-01', to: '2024-03-31' }],
      ['unit reviewer scope', { unitScope: [ids.unit], authorId: ids.viewer }],
    ];
    for (const [label, filter] of lists) {
      current = `list: ${label}`;
      if (!only || current.includes(only)) await listDrafts(db, { unitScope: null, limit: 50, countCap: 10_000, timeZone: 'Asia/Shanghai', ...filter });
    }
    const boardFilter: BoardFilter = { statuses: BOARD_STATUSES, unitScope: null, viewerId: ids.viewer };
    for (const column of BOARD_COLUMNS) {
      current = `board column ${column.key}`;
      if (!only || current.includes(only)) await listBoardColumn(db, boardFilter, column, 50);
    }
    current = 'board counts';
    if (!only || current.includes(only)) await boardCounts(db, boardFilter);
    const unitBoard: BoardFilter = { ...boardFilter, unitScope: [ids.unit] };
    for (const column of BOARD_COLUMNS) {
      current = `unit board column ${column.key}`;
      if (!only || current.includes(only)) await listBoardColumn(db, unitBoard, column, 50);
    }
    current = 'unit board counts';
    if (!only || current.includes(only)) await boardCounts(db, unitBoard);
    current = 'dashboards';
    if (!only || current.includes(only)) await dashboardAggregates(db, 'Asia/Shanghai');
    for (const q of captured) {
      const plan = (await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.query}`, q.params)).rows.map((r) => r['QUERY PLAN'] as string);
      const total = plan.find((l) => l.startsWith('Execution Time')) ?? '';
      console.log(`\n=== ${q.name}: ${total}\n${plan.join('\n')}`);
    }
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
