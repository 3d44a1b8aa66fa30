import { integrity, pool, stillChecking, submission, submitWithRetry, waitUntil, type SubmitRecord } from '../app';
import { sleep } from '../infra';
import { percentile, type Scenario } from '../scenario';

/**
 * SIGTERM the check worker repeatedly while drafts keep arriving: each time it stops taking jobs, finishes the
 * ones in flight, closes its queue connection, threads and database pool and exits 0, leaving no job active (so
 * nothing stalls); no result is recorded twice and every draft finishes its checks.
 */
export const gracefulRestart: Scenario = {
  name: 'graceful',
  title: 'worker SIGTERMed during load: no job left stalled, no duplicate results',
  deadlineMs: (o) => (o.quick ? 4 : 6) * 60_000,
  async run({ stage, options, signal, figure, expect, log }) {
    const total = options.quick ? 200 : 600;
    const restarts = options.quick ? 2 : 5;
    const titlePrefix = 'G6-';
    const api = stage.api();
    await api.start();
    const worker = stage.worker();
    await worker.start();
    const stalled = await stage.watchStalled();
    const queue = stage.queue();

    const intervalMs = (restarts * 6_000) / total;
    const began = Date.now();
    const records: SubmitRecord[] = [];
    const load = pool(
      total,
      8,
      async (i) => {
        const due = began + i * intervalMs;
        if (due > Date.now()) await sleep(due - Date.now());
        const record: SubmitRecord = { key: `g6-${i}`, title: `${titlePrefix}${i} 学院活动报道`, answers: [] };
        records.push(record);
        await submitWithRetry(stage, record, submission(stage, record.title, i), Date.now() + 60_000, signal);
      },
      signal,
    );
    const stops: Array<{ code: number | null; signal: string | null; ms: number; forced: boolean; activeAtSignal: number; activeAfterExit: number }> = [];
    const cycling = (async () => {
      for (let k = 0; k < restarts && !signal.aborted; k++) {
        // Stop it while it has jobs in hand.
        await waitUntil(async () => (await queue.getActiveCount()) > 0, 5_000, signal, 50);
        const activeAtSignal = await queue.getActiveCount();
        const stop = await worker.stop('SIGTERM', 60_000);
        const activeAfterExit = await queue.getActiveCount();
        stops.push({ ...stop, activeAtSignal, activeAfterExit });
        log(`SIGTERM ${k + 1}/${restarts}: exited ${stop.code ?? stop.signal} in ${Math.round(stop.ms)} ms with ${activeAtSignal} jobs in hand; ${activeAfterExit} left active`);
        await worker.start();
      }
    })();
    await Promise.all([load, cycling]);
    const drained = await waitUntil(async () => (await stillChecking(stage, titlePrefix)) === 0, 180_000, signal, 1_000);
    const state = await integrity(stage, titlePrefix);
    figure('submissions', total);
    figure('acknowledged', records.filter((r) => r.id).length);
    figure('sigterms', stops.length);
    figure(
      'exitCodes',
      stops.map((s) => s.code ?? s.signal ?? 'none'),
    );
    figure(
      'shutdownP50Ms',
      Math.round(
        percentile(
          stops.map((s) => s.ms),
          50,
        ),
      ),
    );
    figure('shutdownMaxMs', Math.round(Math.max(0, ...stops.map((s) => s.ms))));
    figure(
      'jobsInHandAtSignal',
      stops.map((s) => s.activeAtSignal),
    );
    figure(
      'jobsLeftActiveAfterExit',
      stops.map((s) => s.activeAfterExit),
    );
    figure('stalledEvents', stalled.count());
    figure('runsStartedMoreThanOnce', state.runsStartedMoreThanOnce);
    figure('duplicateResults', state.duplicateResults);
    figure('duplicateFindings', state.duplicateFindings);
    figure('stuckInChecking', state.checking);
    figure('checksFailed', state.checksFailed);
    figure('drainedWithin', drained ? 'yes' : 'no');
    figure('findings', state.findings);
    await stalled.close();

    expect(stops.length === restarts, `only ${stops.length}/${restarts} SIGTERMs happened`);
    expect(
      stops.every((s) => s.code === 0 && !s.forced),
      'a worker did not exit 0 on its own after SIGTERM',
    );
    expect(
      stops.some((s) => s.activeAtSignal > 0),
      'no SIGTERM arrived while jobs were in hand: the scenario proved nothing',
    );
    expect(
      stops.every((s) => s.activeAfterExit === 0),
      'a stopped worker left jobs active (they would stall)',
    );
    expect(stalled.count() === 0, `${stalled.count()} jobs stalled`);
    expect(
      records.every((r) => r.id),
      'a submission never got 201',
    );
    expect(drained && state.checking === 0, `${state.checking} drafts still in checking`);
    expect(state.checksFailed === 0, `${state.checksFailed} drafts ended in checks_failed`);
    expect(state.duplicateResults === 0 && state.duplicateFindings === 0, 'duplicate results or findings');
    expect(state.runsStartedMoreThanOnce === 0, `${state.runsStartedMoreThanOnce} runs were started again after a graceful stop`);
  },
};
