import { existsSync, readFileSync } from 'node:fs';
import type { Stage, SubmitRecord } from '../app';

export interface Acknowledgement {
  acknowledged: number;
  /** Acknowledged (201) drafts that are not in the database. */
  missing: number;
  /** Drafts in the database whose submission never got a 201. */
  unacknowledged: number;
  /** Titles stored more than once. */
  duplicated: number;
  /** Keys whose 201 answers named different drafts. */
  inconsistentReplays: number;
}

/** Compares what the clients were told with what PostgreSQL holds. */
export async function acknowledgement(stage: Stage, records: SubmitRecord[], titlePrefix: string): Promise<Acknowledgement> {
  const acked = records.filter((r) => r.id);
  const ids = acked.map((r) => r.id!);
  const [present] = await stage.sql<{ n: number }>('SELECT count(*)::int AS n FROM drafts WHERE id = ANY($1::uuid[])', [ids]);
  const stored = await stage.sql<{ title: string; n: number }>('SELECT title, count(*)::int AS n FROM drafts WHERE title LIKE $1 GROUP BY title', [`${titlePrefix}%`]);
  const ackedTitles = new Set(acked.map((r) => r.title));
  return {
    acknowledged: acked.length,
    missing: ids.length - (present?.n ?? 0),
    unacknowledged: stored.filter((s) => !ackedTitles.has(s.title)).reduce((sum, s) => sum + s.n, 0),
    duplicated: stored.filter((s) => s.n > 1).length,
    inconsistentReplays: records.filter((r) => new Set(r.answers.filter((a) => a.status === 201).map((a) => a.id)).size > 1).length,
  };
}

/** Sums a numeric field over the JSON log lines with message `msg` in one of the scenario's process logs. */
export function logSum(stage: Stage, kind: 'api' | 'worker', msg: string, field: string): number {
  const file = stage.logFile(kind);
  if (!existsSync(file)) return 0;
  let sum = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes(`"msg":"${msg}"`)) continue;
    try {
      const value = (JSON.parse(line) as Record<string, unknown>)[field];
      if (typeof value === 'number') sum += value;
    } catch {
      // not a JSON line
    }
  }
  return sum;
}

/** Counts log lines with message `msg`. */
export function logCount(stage: Stage, kind: 'api' | 'worker', msg: string): number {
  const file = stage.logFile(kind);
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"msg":"${msg}"`)).length;
}

/** Histogram of statuses (or error codes). */
export function statusCounts(statuses: ReadonlyArray<number | string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) out[String(s)] = (out[String(s)] ?? 0) + 1;
  return out;
}
