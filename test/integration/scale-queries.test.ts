import { drizzle } from 'drizzle-orm/node-postgres';
import { Client, Pool } from 'pg';
import { seedArchive } from '../../bench/lib/archive';
import { boardCounts, listBoardColumn, type BoardFilter } from '../../src/db/board.repository';
import { dashboardAggregates } from '../../src/db/dashboard.repository';
import { listDrafts, type DraftListFilter } from '../../src/db/draft-search.repository';
import { APP_ROLE } from '../../src/db/pool';
import * as schema from '../../src/db/schema';
import { BOARD_COLUMNS, BOARD_STATUSES } from '../../src/services/board.service';
import { createTestContext, draftBody, type TestContext } from '../helpers/test-context';

/**
 * Issue 16: lists, search, the board and dashboards at archive scale. A synthetic archive (bench/lib/archive.ts, the
 * same generator bench:scale uses) is seeded into this test's database so that plans and paging are meaningful.
 */
const ARCHIVE = 20_000;

let ctx: TestContext;
let seeded: Awaited<ReturnType<typeof seedArchive>>;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'prop', 'auditor'] });
  const client = new Client({ connectionString: ctx.databaseUrl });
  await client.connect();
  try {
    seeded = await seedArchive(client, { drafts: ARCHIVE, key: 'it', log: (l) => process.stderr.write(`${l}\n`) });
  } finally {
    await client.end();
  }
}, 180_000);
afterAll(async () => {
  await ctx?.close();
});

type Item = { id: string; number: string; createdAt: string; title: string };
const list = (user: string, query: Record<string, string>) => ctx.api(user).get(`/api/drafts?${new URLSearchParams(query).toString()}`);

describe('lists page by cursor and count up to a cap', () => {
  it('walks the archive newest first without repeats, and says 10,000+ rather than counting everything', async () => {
    const first = await list('auditor', { pageSize: '200' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 10_000, totalCapped: true, pageSize: 200 });
    expect(typeof first.body.nextCursor).toBe('string');
    const seen = new Set<string>();
    let items: Item[] = first.body.items;
    let cursor: string | null = first.body.nextCursor;
    const all: Item[] = [...items];
    for (let page = 0; page < 4 && cursor; page++) {
      const next = await list('auditor', { pageSize: '200', cursor });
      expect(next.status).toBe(200);
      expect(next.body.total).toBeNull(); // later pages do not count again
      items = next.body.items;
      all.push(...items);
      cursor = next.body.nextCursor;
    }
    for (const d of all) {
      expect(seen.has(d.id)).toBe(false);
      seen.add(d.id);
    }
    expect(all).toHaveLength(1_000);
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1]!, all[i]!];
      expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.number > b.number)).toBe(true);
    }
  });

  it('counts exactly below the cap, ends with a null cursor, and refuses OFFSET pages and forged cursors', async () => {
    const few = await list('auditor', { platform: seeded.platformId, status: 'in_review', pageSize: '7' });
    const [truth] = await ctx.superuser<{ n: number }>(`SELECT count(*)::int AS n FROM drafts WHERE platform_id = $1 AND status = 'in_review'`, [seeded.platformId]);
    expect(few.body).toMatchObject({ total: truth!.n, totalCapped: false });
    let n = few.body.items.length;
    let cursor = few.body.nextCursor as string | null;
    while (cursor) {
      const next = await list('auditor', { platform: seeded.platformId, status: 'in_review', pageSize: '7', cursor });
      n += next.body.items.length;
      cursor = next.body.nextCursor;
    }
    expect(n).toBe(truth!.n);
    expect((await list('auditor', { page: '2' })).status).toBe(400);
    const forged = await list('auditor', { cursor: Buffer.from('["x","y"]').toString('base64url') });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('validation_failed');
  });

  it("counts a unit desk's drafts (its units, or the viewer's own elsewhere) exactly, each draft once", async () => {
    // An author of another unit: all of their drafts are outside the scope, so both parts of the count contribute.
    const [outsider] = await ctx.superuser<{ id: string }>(`SELECT author_id AS id FROM drafts WHERE unit_id <> $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, [seeded.unitId]);
    const [insider] = await ctx.superuser<{ id: string }>(`SELECT author_id AS id FROM drafts WHERE unit_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, [seeded.unitId]);
    const pool = new Pool({ connectionString: ctx.databaseUrl, max: 2 });
    try {
      const db = drizzle(pool, { schema });
      for (const authorId of [outsider!.id, insider!.id]) {
        for (const filter of [{}, { status: 'released' }, { text: '学习' }, { text: '不存在的词语组合' }] as Array<Partial<DraftListFilter>>) {
          const [truth] = await ctx.superuser<{ n: number }>(
            `SELECT count(*)::int AS n FROM drafts d WHERE (d.unit_id = $1 OR d.author_id = $2) AND ($3::text IS NULL OR d.status = $3)
               AND ($4::text IS NULL OR d.title LIKE '%' || $4 || '%' OR d.number LIKE '%' || $4 || '%'
                    OR EXISTS (SELECT 1 FROM revisions r WHERE r.draft_id = d.id AND r.body LIKE '%' || $4 || '%'))`,
            [seeded.unitId, authorId, filter.status ?? null, filter.text ?? null],
          );
          const page = await listDrafts(db, { unitScope: [seeded.unitId], authorId, limit: 20, countCap: 1_000_000, timeZone: 'Asia/Shanghai', ...filter });
          // A common word is answered from the newest drafts and not counted (total null); otherwise exactly.
          if (page.total !== null) expect({ filter, total: page.total, capped: page.totalCapped }).toEqual({ filter, total: truth!.n, capped: false });
          else expect(filter.text).toBe('学习');
          const capped = await listDrafts(db, { unitScope: [seeded.unitId], authorId, limit: 20, countCap: 100, timeZone: 'Asia/Shanghai', ...filter });
          if (capped.total !== null) expect([capped.total, capped.totalCapped]).toEqual([Math.min(truth!.n, 100), truth!.n > 100]);
        }
      }
    } finally {
      await pool.end();
    }
  });

  it("the desk's 我的稿件 lists only the viewer's own drafts", async () => {
    const own = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '我的稿件只列自己的' }));
    const res = await list('editor', { mine: '1' });
    expect(res.body.items.map((d: Item) => d.id)).toEqual([own.body.id]);
  });
});

describe('search over number, title and body through the token index', () => {
  it('finds two-character Chinese words in any revision body, titles and numbers, and takes wildcards literally', async () => {
    const a = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '物理学院报告会', body: '报告介绍了量子纠缠的最新实验。' }));
    const b = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '百分百_满意 调查', body: '问卷回收率 100%。' }));
    const ids = async (text: string) => ((await list('auditor', { text })).body.items as Item[]).map((d) => d.id).sort();
    expect(await ids('纠缠')).toEqual([a.body.id]);
    expect(await ids('量子纠缠的最新')).toEqual([a.body.id]);
    expect(await ids('物理学院')).toEqual([a.body.id]);
    expect(await ids(a.body.number)).toEqual([a.body.id]);
    expect(await ids('%')).toEqual([b.body.id]);
    expect(await ids('_满')).toEqual([b.body.id]);
    expect(await ids('纠缠量子')).toEqual([]);
    expect(await ids('Z')).toEqual([]);
    // A unit reviewer's search stays inside what they may read.
    expect(((await list('r1', { text: '纠缠' })).body.items as Item[]).map((d) => d.id)).toEqual([a.body.id]);
  });

  it('to=YYYY-MM-DD includes that whole day in TZ_REVIEW (Asia/Shanghai), from= starts at its first moment', async () => {
    const make = async (title: string, at: string) => {
      const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title }));
      await ctx.superuser('UPDATE drafts SET created_at = $2 WHERE id = $1', [res.body.id, at]);
      return res.body.id as string;
    };
    const before = await make('日期边界 前一天', '2024-03-30T23:59:00+08:00');
    const early = await make('日期边界 当天凌晨', '2024-03-31T00:01:00+08:00');
    const late = await make('日期边界 当天深夜', '2024-03-31T23:59:00+08:00');
    const after = await make('日期边界 次日凌晨', '2024-04-01T00:01:00+08:00');
    const ids = async (q: Record<string, string>) => ((await list('auditor', { text: '日期边界', ...q })).body.items as Item[]).map((d) => d.id);
    expect(await ids({ from: '2024-03-31', to: '2024-03-31' })).toEqual([late, early]);
    expect(await ids({ to: '2024-03-31' })).toEqual([late, early, before]);
    expect(await ids({ from: '2024-04-01' })).toEqual([after]);
  });
});

describe('the board shows every column with its true total and pages it', () => {
  it('never drops a card: each column pages by cursor to exactly its total', async () => {
    const board = await ctx.api('prop').get('/api/board?limit=40');
    expect(board.status).toBe(200);
    const truth = await ctx.superuser<{ status: string; stage: string | null; n: number }>(`SELECT status, stage, count(*)::int AS n FROM drafts WHERE status = ANY($1) GROUP BY 1, 2`, [
      [...BOARD_STATUSES],
    ]);
    const expected = (key: string) => {
      const c = BOARD_COLUMNS.find((x) => x.key === key)!;
      return truth.filter((t) => c.statuses.includes(t.status) && (!c.stage || t.stage === c.stage)).reduce((s, t) => s + t.n, 0);
    };
    expect(board.body.columns.map((c: { key: string }) => c.key)).toEqual(BOARD_COLUMNS.map((c) => c.key));
    const first = board.body.columns.find((c: { key: string }) => c.key === 'first');
    expect(first.total).toBe(expected('first'));
    expect(first.total).toBeGreaterThan(200); // the archive has more than any one screen
    for (const column of board.body.columns as Array<{ key: string; total: number; nextCursor: string | null }>) {
      expect(column.total).toBe(expected(column.key));
      const ids = new Set<string>(
        (board.body.items as Array<{ id: string; status: string; stage: string | null }>)
          .filter(
            (d) =>
              BOARD_COLUMNS.find((c) => c.key === column.key)!.statuses.includes(d.status) &&
              (!BOARD_COLUMNS.find((c) => c.key === column.key)!.stage || d.stage === BOARD_COLUMNS.find((c) => c.key === column.key)!.stage),
          )
          .map((d) => d.id),
      );
      let cursor = column.nextCursor;
      while (cursor) {
        const next = await ctx.api('prop').get(`/api/board?limit=200&column=${column.key}&cursor=${cursor}`);
        expect(next.status).toBe(200);
        for (const d of next.body.items as Array<{ id: string }>) {
          expect(ids.has(d.id)).toBe(false);
          ids.add(d.id);
        }
        cursor = next.body.columns[0].nextCursor;
      }
      expect(ids.size).toBe(column.total);
    }
    expect((await ctx.api('prop').get('/api/board?cursor=abc')).status).toBe(400);
  });
});

describe('dashboards read counts kept as things happen', () => {
  it('per-stage counts follow every change, and finding days are days in TZ_REVIEW', async () => {
    const truth = async () =>
      (await ctx.superuser<{ status: string; stage: string | null; n: number }>(`SELECT status, stage, count(*)::int AS n FROM drafts GROUP BY 1, 2 ORDER BY 1, 2`)).map((r) => ({ ...r }));
    const shown = async () => {
      const res = await ctx.api('prop').get('/api/dashboards');
      expect(res.status).toBe(200);
      return res.body as { perStage: Array<{ status: string; stage: string | null; n: number }>; findingsByDay: Array<{ day: string; category: string; n: number }> };
    };
    const sorted = (rows: Array<{ status: string; stage: string | null; n: number }>) =>
      [...rows].sort((x, y) => `${x.status}/${x.stage}`.localeCompare(`${y.status}/${y.stage}`)).map((r) => ({ status: r.status, stage: r.stage, n: r.n }));
    expect(sorted((await shown()).perStage)).toEqual(sorted(await truth()));
    await ctx.superuser(`UPDATE drafts SET status = 'released', stage = NULL WHERE id IN (SELECT id FROM drafts WHERE status = 'in_review' LIMIT 17)`);
    expect(sorted((await shown()).perStage)).toEqual(sorted(await truth()));

    // Two findings three minutes apart across midnight in Beijing: one each side of the day line, though the same UTC day.
    const [{ rev, draft }] = (await ctx.superuser<{ rev: string; draft: string }>(`SELECT current_revision_id AS rev, id AS draft FROM drafts WHERE current_revision_id IS NOT NULL LIMIT 1`)) as [
      { rev: string; draft: string },
    ];
    const [{ today, yesterday }] = (await ctx.superuser<{ today: string; yesterday: string }>(
      `SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS today, to_char(now() AT TIME ZONE 'Asia/Shanghai' - interval '1 day', 'YYYY-MM-DD') AS yesterday`,
    )) as [{ today: string; yesterday: string }];
    for (const at of [`${yesterday}T23:59:00+08:00`, `${today}T00:01:00+08:00`]) {
      await ctx.superuser(
        `INSERT INTO findings (draft_id, revision_id, check_id, category, severity, start_offset, end_offset, source, matched, rule_id, ruleset_version, message, created_at)
         VALUES ($1, $2, 'sensitive', 'tz.boundary', 'review', 0, 2, '{}'::jsonb, 'x', 'r', 'v', 'm', $3)`,
        [draft, rev, at],
      );
    }
    const days = (await shown()).findingsByDay.filter((f) => f.category === 'tz.boundary');
    expect(days).toEqual([
      { day: yesterday, category: 'tz.boundary', n: 1 },
      { day: today, category: 'tz.boundary', n: 1 },
    ]);
  });
});

/**
 * Every list/search/board/dashboard query, captured as the code sends it, EXPLAINed on the seeded archive
 * (20,000 drafts, ~35,000 revisions, ANALYZEd): none may read drafts or revisions by a sequential scan. The planner
 * runs with its default costs (enable_seqscan stays on), so a Seq Scan here is the planner's own choice — what it
 * would do in production when no index fits; the archive is large enough that a scan costs more than a fitting index.
 */
describe('no query scans drafts or revisions', () => {
  it('EXPLAIN of every list, search, board and dashboard query uses indexes', async () => {
    const captured: Array<{ name: string; query: string; params: unknown[] }> = [];
    let current = '';
    const pool = new Pool({ connectionString: ctx.databaseUrl, max: 4, options: `-c role=${APP_ROLE}` });
    pool.on('error', () => undefined);
    const db = drizzle(pool, { schema, logger: { logQuery: (query, params) => captured.push({ name: current, query, params }) } });
    try {
      const unitScope = { unitScope: [seeded.unitId], authorId: ctx.people.ids.r1! };
      const lists: Array<[string, Partial<DraftListFilter>]> = [
        ['newest', {}],
        ['text (no match)', { text: '不存在的词语组合' }],
        ['text (2 chars)', { text: '纠缠' }],
        ['text (common)', { text: '学校召开' }],
        ['text (common, 2 chars)', { text: '学习' }],
        ['text (common) + status', { text: '学习', status: 'in_review' }],
        ['reviewer', { reviewer: '审核1号3' }],
        ['reviewer (busy: many units)', { reviewer: '审核1号' }],
        ['reviewer (nobody)', { reviewer: '不存在的人' }],
        ['reviewer + text', { reviewer: '审核2号', text: '学习' }],
        ['status=released', { status: 'released' }],
        ['status=in_review', { status: 'in_review', stage: 'first' }],
        ['unit', { unitId: seeded.unitId }],
        ['platform', { platformId: seeded.platformId }],
        ['date range', { from: '2024-01-01', to: '2024-01-31' }],
        ['unit reviewer scope', unitScope],
        ['unit reviewer scope + text', { ...unitScope, text: '纠缠' }],
        ['page 2', { after: { createdAt: '2025-06-01 00:00:00+00', number: '2025-0012000' } }],
      ];
      for (const [name, filter] of lists) {
        current = `list: ${name}`;
        await listDrafts(db, { unitScope: null, limit: 50, countCap: 10_000, timeZone: 'Asia/Shanghai', ...filter });
      }
      const boardFilter: BoardFilter = { statuses: BOARD_STATUSES, unitScope: null, viewerId: ctx.people.ids.prop! };
      for (const column of BOARD_COLUMNS) {
        current = `board column ${column.key}`;
        await listBoardColumn(db, boardFilter, column, 50);
      }
      current = 'board column first, unit scope';
      await listBoardColumn(db, { ...boardFilter, unitScope: [seeded.unitId] }, BOARD_COLUMNS[1]!, 50);
      current = 'board counts';
      await boardCounts(db, boardFilter);
      current = 'dashboards';
      await dashboardAggregates(db, 'Asia/Shanghai');

      const client = await pool.connect();
      const offenders: string[] = [];
      try {
        for (const q of captured) {
          const plan = (await client.query(`EXPLAIN (FORMAT JSON) ${q.query}`, q.params)).rows[0]['QUERY PLAN'];
          const scans: string[] = [];
          const walk = (node: Record<string, any>) => {
            if (node['Node Type'] === 'Seq Scan' && ['drafts', 'revisions'].includes(node['Relation Name'])) scans.push(node['Relation Name']);
            for (const child of node.Plans ?? []) walk(child);
          };
          walk(plan[0].Plan);
          if (scans.length > 0) offenders.push(`${q.name}: Seq Scan on ${scans.join(', ')}\n${q.query}`);
        }
      } finally {
        client.release();
      }
      expect(captured.length).toBeGreaterThan(20);
      expect(offenders).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
