/**
 * npx tsx bench/scale-phrase.ts <database> — searches of mid-frequency phrases (too rare to fill a page from the
 * newest-drafts window, so answered and counted from the token indexes: thousands of matching revisions made of
 * tokens that each occur in most revisions) through listDrafts on a kept bench:scale archive: p50 / p95 of 15 calls
 * each after 3 warm-ups, and the answer's size. Asserts nothing.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { listDrafts } from '../src/db/draft-search.repository';
import * as schema from '../src/db/schema';
import { benchDatabaseUrl } from './lib/database';

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name) throw new Error('usage: tsx bench/scale-phrase.ts <database>');
  const pool = new Pool({ connectionString: benchDatabaseUrl(name), max: 4 });
  const db = drizzle(pool, { schema });
  try {
    for (const text of ['图书馆新馆开放', '图书馆新馆开放时间调整学', '学院举行学术报告会新生', '量子纠缠态']) {
      {
        const times: number[] = [];
        let answer = '';
        for (let i = 0; i < 18; i++) {
          const started = performance.now();
          const page = await listDrafts(db, { unitScope: null, limit: 50, countCap: 10_000, timeZone: 'Asia/Shanghai', text });
          if (i >= 3) times.push(performance.now() - started);
          answer = `${page.items.length} items, total ${page.total}${page.totalCapped ? '+' : ''}`;
        }
        times.sort((a, b) => a - b);
        const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
        console.log(`${text}: p50 ${p(0.5)} ms, p95 ${p(0.95)} ms (${answer})`);
      }
    }
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
