import { sql } from 'drizzle-orm';
import { DEFAULT_REVIEW_TIME_ZONE } from '../domain/calendar';
import type { Executor } from './pool';

const rows = async <T extends Record<string, unknown>>(db: Executor, query: ReturnType<typeof sql>) => (await db.execute<T>(query)).rows;

/**
 * Read-only aggregates for the 数据看板 (school-wide roles only), from counts the database keeps as things happen
 * (migration 0004: dashboard_status_counts, dashboard_hourly, dashboard_review_waits, all written by triggers in the
 * transaction of the change), never by aggregating the archive per request. Days and months are counted in
 * `timeZone` (TZ_REVIEW) from UTC-hour buckets. Time in a stage is measured per decision as the time since the
 * draft's previous trail event (stage entry, or a waiver/edit within the stage).
 */
export async function dashboardAggregates(db: Executor, timeZone: string = DEFAULT_REVIEW_TIME_ZONE) {
  // The start of today and of this month in the review time zone, as instants.
  const today = sql`(date_trunc('day', now() AT TIME ZONE ${timeZone}) AT TIME ZONE ${timeZone})`;
  const [perStage, stageTimes, workload, findingsByDay, releases, quiet] = await Promise.all([
    rows<{ status: string; stage: string | null; n: number }>(db, sql`SELECT status, nullif(stage, '') AS stage, n::int AS n FROM dashboard_status_counts WHERE n > 0 ORDER BY status, stage`),
    rows<{ stage: string; period: string; n: number; p50: number; p90: number }>(
      db,
      sql`SELECT stage, p.period, count(*)::int AS n,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS p50,
                 percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90
          FROM dashboard_review_waits CROSS JOIN (VALUES ('today'), ('week')) AS p(period)
          WHERE at > now() - interval '7 days' AND (p.period = 'week' OR at >= ${today})
          GROUP BY stage, p.period`,
    ),
    rows<{ reviewer: string; action: string; n: number }>(
      db,
      sql`SELECT u.display_name AS reviewer, split_part(h.key, ' ', 2) AS action, sum(h.n)::int AS n
          FROM dashboard_hourly h JOIN users u ON u.id = split_part(h.key, ' ', 1)::uuid
          WHERE h.kind = 'decision' AND h.hour > now() - interval '7 days'
          GROUP BY u.display_name, 2 ORDER BY sum(h.n) DESC LIMIT 200`,
    ),
    rows<{ day: string; category: string; n: number }>(
      db,
      sql`SELECT to_char(hour AT TIME ZONE ${timeZone}, 'YYYY-MM-DD') AS day, key AS category, sum(n)::int AS n FROM dashboard_hourly
          WHERE kind = 'finding' AND hour >= ${today} - interval '29 days' GROUP BY 1, 2 ORDER BY 1, 2`,
    ),
    rows<{ month: string; platform: string; n: number }>(
      db,
      // Summed per (month, platform) before the join and the formatting: a busy year is ~100k hourly buckets, a
      // sort of those by formatted month and platform name was most of the dashboards' time at 1M drafts.
      sql`SELECT to_char(m.month, 'YYYY-MM') AS month, p.name AS platform, sum(m.n)::int AS n
          FROM (SELECT date_trunc('month', h.hour AT TIME ZONE ${timeZone}) AS month, h.key, sum(h.n) AS n FROM dashboard_hourly h
                WHERE h.kind = 'release' AND h.hour > now() - interval '12 months' GROUP BY 1, 2) AS m
          JOIN platforms p ON p.id = m.key::uuid GROUP BY 1, 2 ORDER BY 1, 2`,
    ),
    // 年检: platforms with no release in the last 30 days stand out (one index probe per platform).
    rows<{ platform: string; lastRelease: string | null }>(
      db,
      sql`SELECT p.name AS platform, l.last AS "lastRelease" FROM platforms p
          LEFT JOIN LATERAL (SELECT max(d.released_at) AS last FROM drafts d WHERE d.platform_id = p.id AND d.released_at IS NOT NULL) l ON true
          WHERE l.last IS NULL OR l.last < now() - interval '30 days' ORDER BY p.name`,
    ),
  ]);
  return { perStage, stageTimes, workload, findingsByDay, releases, quiet };
}
