import { randomBytes } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Client, Pool } from 'pg';
import { seedArchive, type SeededArchive } from '../../bench/lib/archive';
import { dashboardAggregates } from '../../src/db/dashboard.repository';
import { listDrafts } from '../../src/db/draft-search.repository';
import * as schema from '../../src/db/schema';
import { verifyChains } from '../../src/services/audit-trail.service';
import { ADMIN_DATABASE_URL, databaseUrl, TEMPLATE_ENV } from '../helpers/db-urls';

/**
 * bench:scale measures a bulk-loaded archive (triggers off, indexes dropped and rebuilt, maintained tables derived
 * afterwards). It measures the real thing only if that archive is the one the product's own writes would have left:
 * the same archive written with every trigger and index live must give the same rollups, chain heads, indexes, search
 * answers and dashboards.
 */
const DRAFTS = 2_000;
const ANCHOR = '2026-11-20T09:41:27.123Z';

interface Seeded {
  name: string;
  url: string;
  archive: SeededArchive;
}
let bulk: Seeded;
let live: Seeded;

async function seeded(mode: 'bulk' | 'live'): Promise<Seeded> {
  const template = process.env[TEMPLATE_ENV];
  if (!template) throw new Error('integration tests need the global setup (run them through jest)');
  const name = `sanshen_t_${process.pid}_${mode}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  await admin.end();
  const url = databaseUrl(name);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const archive = await seedArchive(client, { drafts: DRAFTS, key: 'eq', anchor: ANCHOR, bulk: mode === 'bulk', url, realChainEvery: 100 });
    return { name, url, archive };
  } finally {
    await client.end();
  }
}

/** The rows of a statement; of several, the rows of each that returns some. */
const rows = async (url: string, text: string): Promise<any[]> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = (await client.query(text)) as unknown;
    return Array.isArray(result) ? result.filter((r) => r.command === 'SELECT' || r.command === 'EXPLAIN').map((r) => r.rows) : (result as { rows: any[] }).rows;
  } finally {
    await client.end();
  }
};
const both = (text: string) => Promise.all([rows(bulk.url, text), rows(live.url, text)]);

beforeAll(async () => {
  [bulk, live] = await Promise.all([seeded('bulk'), seeded('live')]);
}, 240_000);
afterAll(async () => {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  for (const s of [bulk, live]) if (s) await admin.query(`DROP DATABASE IF EXISTS "${s.name}" WITH (FORCE)`);
  await admin.end();
});

describe('the bulk-loaded archive equals the one the triggers maintain', () => {
  it('has the same rows in the archive tables', async () => {
    const counts = `SELECT (SELECT count(*) FROM drafts) AS drafts, (SELECT count(*) FROM revisions) AS revisions, (SELECT count(*) FROM findings) AS findings,
                           (SELECT count(*) FROM decisions) AS decisions, (SELECT count(*) FROM audit_events) AS events,
                           (SELECT md5(string_agg(id || status || coalesce(stage, '') || created_at, ',' ORDER BY id)) FROM drafts) AS drafts_digest,
                           (SELECT md5(string_agg(chain || seq || hash || prev_hash || created_at, ',' ORDER BY chain, seq)) FROM audit_events) AS events_digest`;
    const [a, b] = await both(counts);
    expect(Number(a[0].drafts)).toBe(DRAFTS);
    expect(Number(a[0].revisions)).toBeGreaterThan(1.6 * DRAFTS);
    expect(a).toEqual(b);
  });

  it.each([
    ['dashboard_status_counts', 'SELECT status, stage, n FROM dashboard_status_counts WHERE n <> 0 ORDER BY 1, 2'],
    ['dashboard_hourly', 'SELECT hour, kind, key, n FROM dashboard_hourly ORDER BY 1, 2, 3'],
    ['dashboard_review_waits', 'SELECT at, stage, seconds FROM dashboard_review_waits ORDER BY 1, 2, 3'],
    ['audit_chain_heads', 'SELECT chain, seq, hash, checkpointed_seq, checkpoint_no FROM audit_chain_heads ORDER BY 1'],
  ])('maintains %s as its triggers do', async (_table, text) => {
    const [a, b] = await both(text);
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
  });

  it('rebuilt every index the migrations create, with the same definitions', async () => {
    const [a, b] = await both(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2`);
    expect(a.map((r) => r.indexname)).toEqual(expect.arrayContaining(['revisions_search_idx', 'drafts_search_idx', 'drafts_list_idx', 'audit_events_chain_seq_idx']));
    expect(a).toEqual(b);
  });

  it('answers searches from the token indexes as the live indexes do, and as a scan of the text does', async () => {
    for (const token of ['学习', '图书馆新馆', '纠缠', '（17）']) {
      const viaIndex = `SET enable_seqscan = off; SET enable_indexscan = off;
        SELECT id FROM revisions WHERE sanshen_search_tokens(body) @> sanshen_search_tokens('${token}') ORDER BY id;
        SELECT id FROM drafts WHERE sanshen_search_tokens(number || ' ' || title) @> sanshen_search_tokens('${token}') ORDER BY id;`;
      const plan = await rows(bulk.url, `SET enable_seqscan = off; EXPLAIN SELECT id FROM revisions WHERE sanshen_search_tokens(body) @> sanshen_search_tokens('${token}')`);
      expect(JSON.stringify(plan)).toContain('revisions_search_idx');
      const [a, b] = await Promise.all([rows(bulk.url, viaIndex), rows(live.url, viaIndex)]);
      const scanned = await rows(
        bulk.url,
        `SET enable_bitmapscan = off; SET enable_indexscan = off;
        SELECT id FROM revisions WHERE sanshen_search_tokens(body) @> sanshen_search_tokens('${token}') ORDER BY id;
        SELECT id FROM drafts WHERE sanshen_search_tokens(number || ' ' || title) @> sanshen_search_tokens('${token}') ORDER BY id;`,
      );
      expect(a).toEqual(b);
      expect(a).toEqual(scanned);
    }
  });

  it('gives the same lists, searches and dashboards through the repositories', async () => {
    const answers = async (url: string) => {
      const pool = new Pool({ connectionString: url, max: 2 });
      const db = drizzle(pool, { schema });
      try {
        const out: unknown[] = [];
        for (const filter of [
          {},
          { text: '学习' },
          { text: '图书馆新馆开放' },
          { text: '不存在的词语组合' },
          { reviewer: '审核1号1' },
          { status: 'in_review' },
          { from: '2024-03-01', to: '2024-03-31' },
        ]) {
          out.push(await listDrafts(db, { unitScope: null, limit: 50, countCap: 10_000, timeZone: 'Asia/Shanghai', ...filter }));
        }
        const dashboards = await dashboardAggregates(db, 'Asia/Shanghai');
        return { lists: out, dashboards };
      } finally {
        await pool.end();
      }
    };
    const [a, b] = await Promise.all([answers(bulk.url), answers(live.url)]);
    expect((a.lists[1] as { items: unknown[] }).items.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
  });

  it('gives the sampled chains real hash links: they verify', async () => {
    expect(bulk.archive.realChains).toHaveLength(DRAFTS / 100);
    const pool = new Pool({ connectionString: bulk.url, max: 2 });
    try {
      const report = await verifyChains(drizzle(pool, { schema }), null, bulk.archive.realChains);
      expect(report.chains).toHaveLength(DRAFTS / 100);
      expect(report.chains.every((c) => c.ok && c.events >= 2)).toBe(true);
      // Any other chain is synthetic: the verifier says so.
      const other = await verifyChains(drizzle(pool, { schema }), null, [`draft-${(await rows(bulk.url, 'SELECT id FROM drafts ORDER BY number LIMIT 1'))[0].id}`]);
      expect(other.ok).toBe(false);
    } finally {
      await pool.end();
    }
  });
});
