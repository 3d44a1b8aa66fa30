import { integrity, pool, stillChecking, submission, submitWithRetry, waitUntil, type SubmitRecord } from '../app';
import { sleep } from '../infra';
import { percentile, round, type Scenario } from '../scenario';
import { acknowledgement, logSum } from './common';

/**
 * 1,000 submissions while the check worker is killed with SIGKILL 20 times (restarted at once, as a supervisor
 * would) and the queue's keys are deleted from Redis once: afterwards every acknowledged draft exists, none is
 * stuck in `checking` once the sweeper has re-driven what Redis lost, and no check result is recorded twice.
 */
export const workerKills: Scenario = {
  name: 'worker-kills',
  title: 'worker killed with SIGKILL during submissions, queue keys flushed once',
  deadlineMs: (o) => (o.quick ? 5 : 9) * 60_000,
  async run({ stage, options, signal, figure, expect, log }) {
    const total = options.quick ? 200 : 1_000;
    const kills = options.quick ? 5 : 20;
    const flushAfterKill = Math.ceil(kills / 2);
    const titlePrefix = 'W1-';
    const api = stage.api();
    await api.start();
    const worker = stage.worker();
    const startMs = [await worker.start()];
    const stalled = await stage.watchStalled();

    // Paced so the submissions span the kills: each kill cycle takes a worker start (~3–5 s) plus 0.3–2.5 s of work.
    const intervalMs = (kills * 5_000) / total;
    const began = Date.now();
    const records: SubmitRecord[] = [];
    const submitting = pool(
      total,
      8,
      async (i) => {
        const due = began + i * intervalMs;
        if (due > Date.now()) await sleep(due - Date.now());
        const record: SubmitRecord = { key: `w1-${i}`, title: `${titlePrefix}${i} 学院活动报道`, answers: [] };
        records.push(record);
        await submitWithRetry(stage, record, submission(stage, record.title, i), Date.now() + 60_000, signal);
      },
      signal,
    );
    let killed = 0;
    let flushedKeys = 0;
    const killing = (async () => {
      while (killed < kills && !signal.aborted) {
        await sleep(300 + Math.random() * 2_200);
        await worker.stop('SIGKILL');
        killed++;
        if (killed === flushAfterKill) {
          flushedKeys = await stage.flushQueueKeys();
          log(`kill ${killed}/${kills}; flushed ${flushedKeys} queue keys from Redis`);
        } else if (killed % 5 === 0) log(`kill ${killed}/${kills}`);
        startMs.push(await worker.start());
      }
    })();
    await Promise.all([submitting, killing]);
    const faultsOver = performance.now();
    log(`submissions and kills done; waiting for the checks to drain`);
    const drained = await waitUntil(async () => (await stillChecking(stage, titlePrefix)) === 0, options.quick ? 180_000 : 300_000, signal, 1_000);
    const drainSeconds = (performance.now() - faultsOver) / 1000;

    const ack = await acknowledgement(stage, records, titlePrefix);
    const state = await integrity(stage, titlePrefix);
    figure('submissions', total);
    figure('acknowledged', ack.acknowledged);
    figure('acknowledgedMissing', ack.missing);
    figure('storedUnacknowledged', ack.unacknowledged);
    figure('workerKills', killed);
    figure('queueKeysFlushed', flushedKeys);
    figure('workerStartP50Ms', Math.round(percentile(startMs, 50)));
    figure('stalledEvents', stalled.count());
    figure('sweeperRedriven', logSum(stage, 'worker', 'sweeper re-drove owed checks', 'redriven'));
    figure('drainedSecondsAfterLastKill', drained ? round(drainSeconds) : null);
    figure('byStatus', state.byStatus);
    figure('stuckInChecking', state.checking);
    figure('checksFailed', state.checksFailed);
    figure('duplicateResults', state.duplicateResults);
    figure('duplicateFindings', state.duplicateFindings);
    figure('revisionsWithWrongRunCount', state.revisionsWithWrongRunCount);
    figure('findings', state.findings);
    figure('runsStartedMoreThanOnce', state.runsStartedMoreThanOnce);
    figure('maxStartsOfOneRun', state.maxAttempts);
    await stalled.close();

    expect(killed === kills, `only ${killed}/${kills} kills happened`);
    expect(ack.acknowledged === total, `${total - ack.acknowledged} submissions never got 201`);
    expect(ack.missing === 0, `${ack.missing} acknowledged drafts are missing`);
    expect(ack.unacknowledged === 0, `${ack.unacknowledged} drafts stored without a 201`);
    expect(drained && state.checking === 0, `${state.checking} drafts still in checking after the recovery window`);
    expect(state.checksFailed === 0, `${state.checksFailed} drafts ended in checks_failed though no check is faulty`);
    expect(state.duplicateResults === 0, `${state.duplicateResults} check results recorded twice`);
    expect(state.duplicateFindings === 0, `${state.duplicateFindings} findings duplicated`);
    expect(state.revisionsWithWrongRunCount === 0, `${state.revisionsWithWrongRunCount} revisions without exactly one run row per check`);
    expect(state.findings > 0, 'no findings at all: the duplicate check would prove nothing');
  },
};
