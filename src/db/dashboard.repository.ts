import { sql } from 'drizzle-orm';
import { DEFAULT_REVIEW_TIME_ZONE, startOf } from '../domain/calendar';
import type { Executor } from './pool';

const rows = async <T extends Record<string, unknown>>(db: Executor, query: ReturnType<typeof sql>) => (await db.execute<T>(query)).rows;

/**
 * Read-only aggregates for the 数据看板 (school-wide roles only). Time in a stage is measured per decision as
 * the time since the draft's previous trail event (stage entry, or a waiver/edit within the stage).
 */
export async function dashboardAggregates(db: Executor, timeZone: string = DEFAULT_REVIEW_TIME_ZONE) {
  // 今日 starts at midnight in TZ_REVIEW, read off the database clock (the clock every timestamp here comes from).
  const [clock] = await rows<{ now: Date | string }>(db, sql`SELECT now() AS now`);
  const today = startOf('day', new Date(clock?.now ?? Date.now()), timeZone);
  const [perStage, stageTimes, workload, findingsByDay, releases, quiet] = await Promise.all([
    rows<{ status: string; stage: string | null; n: number }>(db, sql`SELECT status, stage, count(*)::int AS n FROM drafts GROUP BY status, stage`),
    rows<{ stage: string; period: string; n: number; p50: number; p90: number }>(
      db,
      sql`WITH ev AS (
            SELECT type, data->>'stage' AS stage, created_at,
                   created_at - lag(created_at) OVER (PARTITION BY chain ORDER BY seq) AS waited
            FROM audit_events WHERE draft_id IS NOT NULL AND created_at > now() - interval '7 days')
          SELECT stage, p.period, count(*)::int AS n,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM waited)) AS p50,
                 percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM waited)) AS p90
          FROM ev CROSS JOIN (VALUES ('today'), ('week')) AS p(period)
          WHERE type LIKE 'review.%' AND waited IS NOT NULL AND stage IS NOT NULL
            AND (p.period = 'week' OR created_at >= ${today.toISOString()}::timestamptz)
          GROUP BY stage, p.period`,
    ),
    rows<{ reviewer: string; action: string; n: number }>(
      db,
      sql`SELECT u.display_name AS reviewer, d.action, count(*)::int AS n FROM decisions d JOIN users u ON u.id = d.actor_id
          WHERE d.created_at > now() - interval '7 days' GROUP BY u.display_name, d.action ORDER BY count(*) DESC LIMIT 200`,
    ),
    rows<{ day: string; category: string; n: number }>(
      db,
      sql`SELECT to_char(created_at AT TIME ZONE ${timeZone}, 'YYYY-MM-DD') AS day, category, count(*)::int AS n FROM findings
          WHERE created_at > now() - interval '30 days' GROUP BY 1, 2 ORDER BY 1`,
    ),
    rows<{ month: string; platform: string; n: number }>(
      db,
      sql`SELECT to_char(e.created_at AT TIME ZONE ${timeZone}, 'YYYY-MM') AS month, p.name AS platform, count(*)::int AS n
          FROM audit_events e JOIN drafts d ON d.id = e.draft_id JOIN platforms p ON p.id = d.platform_id
          WHERE e.type = 'draft.released' AND e.created_at > now() - interval '12 months' GROUP BY 1, 2 ORDER BY 1`,
    ),
    // 年检: platforms with no release in the last 30 days stand out.
    rows<{ platform: string; lastRelease: string | null }>(
      db,
      sql`SELECT p.name AS platform, max(d.released_at) AS "lastRelease" FROM platforms p LEFT JOIN drafts d ON d.platform_id = p.id
          GROUP BY p.id, p.name HAVING max(d.released_at) IS NULL OR max(d.released_at) < now() - interval '30 days' ORDER BY p.name`,
    ),
  ]);
  return { perStage, stageTimes, workload, findingsByDay, releases, quiet };
}
