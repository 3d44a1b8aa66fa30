import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { poisonCureFile, poisonTitle } from '../../../test/fixtures/poison-checks';
import { integrity, pool, submission, waitUntil } from '../app';
import { round, type Scenario } from '../scenario';
import { logCount } from './common';

const WRAPPER = resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'poison-checks.ts');
const TIME_LIMIT_MS = 2_000;

/**
 * Two poison drafts — one whose check throws, one whose check loops forever synchronously — among 500 others:
 * the others finish, the poison ones land in `checks_failed` after bounded attempts without the worker process
 * being restarted, and an admin's retry runs them again (failing again while the cause is there, passing once
 * it is gone). Fault injection: the worker runs with NODE_ENV=test and SANSHEN_TEST_CHECK_WRAPPER.
 */
export const poison: Scenario = {
  name: 'poison',
  title: 'a throwing and a synchronously hanging check among 500 healthy drafts',
  deadlineMs: (o) => (o.quick ? 4 : 6) * 60_000,
  async run({ stage, options, signal, figure, expect, log }) {
    const healthy = options.quick ? 150 : 500;
    const testEnv = { NODE_ENV: 'test', SANSHEN_TEST_CHECK_WRAPPER: WRAPPER, CHECK_TIMEOUT_MS: String(TIME_LIMIT_MS) };
    const api = stage.api(testEnv);
    await api.start();
    const worker = stage.worker(testEnv);
    await worker.start();
    const workerPid = worker.pid;
    const tokens = { throw: randomBytes(6).toString('hex'), hang: randomBytes(6).toString('hex') };
    const cures = Object.values(tokens).map(poisonCureFile);
    try {
      const started = performance.now();
      const poisonAt = { [Math.floor(healthy / 5)]: 'hang', [Math.floor(healthy / 2)]: 'throw' } as Record<number, 'hang' | 'throw'>;
      const ids = { healthy: [] as string[], hang: '', throw: '' };
      let refused = 0;
      await pool(
        healthy,
        8,
        async (i) => {
          const kind = poisonAt[i];
          if (kind) {
            const res = await stage.http('editor', 'POST', '/api/drafts', submission(stage, poisonTitle(kind, tokens[kind], `P4-poison-${kind}`), i));
            if (res.status === 201) ids[kind] = res.body.id;
            else refused++;
          }
          const res = await stage.http('editor', 'POST', '/api/drafts', submission(stage, `P4-${i} 学院活动报道`, i));
          if (res.status === 201) ids.healthy.push(res.body.id);
          else refused++;
        },
        signal,
      );
      log(`${ids.healthy.length} healthy and 2 poison drafts submitted`);
      const countIn = async (list: string[], statuses: string[]) =>
        (await stage.sql<{ n: number }>('SELECT count(*)::int AS n FROM drafts WHERE id = ANY($1::uuid[]) AND status = ANY($2::text[])', [list, statuses]))[0]?.n ?? 0;
      let healthySeconds: number | null = null;
      let poisonSeconds: number | null = null;
      await waitUntil(
        async () => {
          if (healthySeconds === null && (await countIn(ids.healthy, ['checking', 'checks_failed'])) === 0) healthySeconds = (performance.now() - started) / 1000;
          if (poisonSeconds === null && (await countIn([ids.hang, ids.throw], ['checks_failed'])) === 2) poisonSeconds = (performance.now() - started) / 1000;
          return healthySeconds !== null && poisonSeconds !== null;
        },
        options.quick ? 150_000 : 240_000,
        signal,
        500,
      );
      const runs = await stage.sql<{ draft_id: string; attempts: number; status: string; error: string | null }>(
        "SELECT draft_id, attempts, status, error FROM check_runs WHERE draft_id = ANY($1::uuid[]) AND check_id = 'sensitive'",
        [[ids.hang, ids.throw]],
      );
      const runOf = (id: string) => runs.find((r) => r.draft_id === id);
      const state = await integrity(stage, 'P4-');
      figure('healthyDrafts', ids.healthy.length);
      figure('healthyFinishedSeconds', healthySeconds === null ? null : round(healthySeconds));
      figure('healthyInChecksFailed', await countIn(ids.healthy, ['checks_failed']));
      figure('poisonInChecksFailedSeconds', poisonSeconds === null ? null : round(poisonSeconds));
      figure('hangingRun', { attempts: runOf(ids.hang)?.attempts ?? null, status: runOf(ids.hang)?.status ?? null, error: runOf(ids.hang)?.error ?? null });
      figure('throwingRun', { attempts: runOf(ids.throw)?.attempts ?? null, status: runOf(ids.throw)?.status ?? null, error: runOf(ids.throw)?.error ?? null });
      figure('checkTimeLimitMs', TIME_LIMIT_MS);
      figure('workerRestarted', !(worker.alive && worker.pid === workerPid));
      expect(refused === 0, `${refused} submissions were refused`);
      expect(healthySeconds !== null, 'healthy drafts did not all finish their checks');
      expect(poisonSeconds !== null, 'the poison drafts did not both land in checks_failed');
      expect(runOf(ids.hang)?.status === 'failed' && /time limit/.test(runOf(ids.hang)?.error ?? ''), 'the hanging check was not failed for its time limit');
      expect(runOf(ids.throw)?.status === 'failed', 'the throwing check was not failed');
      expect(worker.alive && worker.pid === workerPid, 'the worker process died or was restarted');
      expect(state.duplicateResults === 0, `${state.duplicateResults} check results recorded twice`);

      // An admin retry runs the checks again: while the cause is there they fail again, within the same bound.
      const denied = await stage.http('editor', 'POST', `/api/drafts/${ids.hang}/checks/retry`);
      const firstRetry = await Promise.all([ids.hang, ids.throw].map((id) => stage.http('admin', 'POST', `/api/drafts/${id}/checks/retry`)));
      const retriedAt = performance.now();
      const failedAgain = await waitUntil(async () => (await countIn([ids.hang, ids.throw], ['checks_failed'])) === 2, 90_000, signal, 500);
      const failedAgainSeconds = (performance.now() - retriedAt) / 1000;
      // Once the cause is gone, the next retry goes through.
      for (const cure of cures) writeFileSync(cure, '');
      const secondRetry = await Promise.all([ids.hang, ids.throw].map((id) => stage.http('admin', 'POST', `/api/drafts/${id}/checks/retry`)));
      const passed = await waitUntil(async () => (await countIn([ids.hang, ids.throw], ['in_review', 'returned'])) === 2, 90_000, signal, 500);
      figure('editorRetry', denied.status);
      figure(
        'adminRetry',
        firstRetry.map((r) => `${r.status} ${r.body?.status ?? r.body?.error?.code}`),
      );
      figure('failedAgainSecondsWhileCausePresent', failedAgain ? round(failedAgainSeconds) : null);
      figure('retryAfterFixPassed', passed);
      figure('threadsReplacedAfterOverrun', logCount(stage, 'worker', 'check overran its time limit; replacing its thread'));
      figure('workerRestartedAtEnd', !(worker.alive && worker.pid === workerPid));
      expect(denied.status === 403, `an editor's retry got ${denied.status}`);
      expect(
        firstRetry.every((r) => r.status === 200 && r.body?.status === 'checking'),
        'the admin retry was not accepted',
      );
      expect(failedAgain, 'after a retry the still-poisoned drafts did not land in checks_failed again');
      expect(
        secondRetry.every((r) => r.status === 200),
        'the second admin retry was not accepted',
      );
      expect(passed, 'after the cause was removed the retried drafts did not pass their checks');
    } finally {
      for (const cure of cures) rmSync(cure, { force: true });
    }
  },
};
