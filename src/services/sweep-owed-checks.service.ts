import { stalePendingRuns, touchRun } from '../db/check-run.repository';
import type { CheckJob, ServiceDeps } from './deps';
import { failCheckRun } from './fail-check-run.service';
import { startBudget } from './run-check.service';

export interface SweepPort {
  redrive(job: CheckJob): Promise<'added' | 'present'>;
}

export interface SweepReport {
  examined: number;
  redriven: number;
  failed: number;
}

/**
 * PostgreSQL remembers which checks are owed; Redis may have lost them (crash between COMMIT and enqueue, a
 * flushed or restarted Redis, jobs failed as stalled). Re-drives owed runs idle for `idleMs` that have no live
 * job, and gives up on runs that used up their attempts.
 */
export async function sweepOwedChecks(deps: ServiceDeps, queue: SweepPort, options: { idleMs: number; limit?: number }): Promise<SweepReport> {
  const runs = await stalePendingRuns(deps.db, options.idleMs, options.limit ?? 500);
  const report: SweepReport = { examined: runs.length, redriven: 0, failed: 0 };
  for (const run of runs) {
    const job = { revisionId: run.revisionId, checkId: run.checkId };
    if (run.attempts >= startBudget(deps)) {
      await failCheckRun(deps, job, `no result after ${run.attempts} attempts`);
      report.failed++;
      continue;
    }
    if ((await queue.redrive(job)) === 'added') report.redriven++;
    // Re-arm the idle clock so a run that is merely waiting its turn is not re-examined every sweep.
    await touchRun(deps.db, run.revisionId, run.checkId);
  }
  return report;
}
