import { integrity, pool, stillChecking, submission, submitWithRetry, waitUntil, type SubmitRecord } from '../app';
import { sleep } from '../infra';
import { percentile, type Scenario } from '../scenario';
import { acknowledgement, statusCounts } from './common';

/**
 * 1,000 submissions from retrying clients (same Idempotency-Key on every retry) while the API process is killed
 * with SIGKILL 5 times and PostgreSQL is crashed and restarted twice: every draft that got 201 exists exactly
 * once, and no 201 was given for a draft that is not there.
 */
export const apiAndDatabaseFaults: Scenario = {
  name: 'api-pg-faults',
  title: 'API killed and PostgreSQL restarted during submissions from retrying clients',
  deadlineMs: (o) => (o.quick ? 4 : 7) * 60_000,
  async run({ stage, options, signal, figure, expect, log }) {
    const total = options.quick ? 200 : 1_000;
    const apiKills = options.quick ? 2 : 5;
    const pgRestarts = options.quick ? 1 : 2;
    const titlePrefix = 'A2-';
    const api = stage.api();
    await api.start();
    const worker = stage.worker();
    await worker.start();

    // Faults fire at fixed points of the clients' progress, so they always land in the middle of the load.
    const plan = [
      ...Array.from({ length: apiKills }, (_, k) => ({ at: (0.08 + (0.84 * k) / Math.max(1, apiKills - 1)) * total, kind: 'api' as const })),
      ...Array.from({ length: pgRestarts }, (_, k) => ({ at: ((k + 1) / (pgRestarts + 1)) * total + 7, kind: 'pg' as const })),
    ].sort((a, b) => a.at - b.at);
    const records: SubmitRecord[] = [];
    let finished = 0;
    const clients = pool(
      total,
      16,
      async (i) => {
        const record: SubmitRecord = { key: `a2-${i}`, title: `${titlePrefix}${i} 学院活动报道`, answers: [] };
        records.push(record);
        await submitWithRetry(stage, record, submission(stage, record.title, i), Date.now() + 150_000, signal);
        finished++;
      },
      signal,
    );
    const apiRestartMs: number[] = [];
    const pgDownMs: number[] = [];
    let apiKilled = 0;
    let pgRestarted = 0;
    const faults = (async () => {
      for (const step of plan) {
        while (finished < step.at && finished < total && !signal.aborted) await sleep(20);
        if (signal.aborted) return;
        if (step.kind === 'api') {
          await api.stop('SIGKILL');
          apiKilled++;
          apiRestartMs.push(await api.start());
          log(`API killed (${apiKilled}/${apiKills}) at ${finished} done; back after ${Math.round(apiRestartMs.at(-1)!)} ms`);
        } else {
          const down = performance.now();
          await stage.pg.stop('immediate');
          await sleep(1_500);
          await stage.pg.start();
          pgRestarted++;
          pgDownMs.push(performance.now() - down);
          log(`PostgreSQL crashed and restarted (${pgRestarted}/${pgRestarts}) at ${finished} done; down ${Math.round(pgDownMs.at(-1)!)} ms`);
        }
      }
    })();
    await Promise.all([clients, faults]);
    log('submissions done; waiting for the checks to drain');
    const drained = await waitUntil(async () => (await stillChecking(stage, titlePrefix)) === 0, 180_000, signal, 1_000);

    const answers = records.flatMap((r) => r.answers);
    const ack = await acknowledgement(stage, records, titlePrefix);
    const state = await integrity(stage, titlePrefix);
    const serverErrors = answers.filter((a) => a.status >= 500 && a.status !== 503).length;
    const refused = answers.filter((a) => a.status >= 400 && a.status < 500).length;
    const unavailable = answers.filter((a) => a.status === 503);
    figure('submissions', total);
    figure('requests', answers.length);
    figure('answers', statusCounts(answers.map((a) => a.status)));
    figure('noAnswer', statusCounts(answers.filter((a) => a.status === 0).map((a) => a.error ?? 'error')));
    figure('unavailableCodes', [...new Set(unavailable.map((a) => a.code ?? 'none'))]);
    figure('acknowledged', ack.acknowledged);
    figure('acknowledgedMissing', ack.missing);
    figure('duplicatedDrafts', ack.duplicated);
    figure('inconsistentReplays', ack.inconsistentReplays);
    figure('storedUnacknowledged', ack.unacknowledged);
    figure('apiKills', apiKilled);
    figure('apiRestartP50Ms', Math.round(percentile(apiRestartMs, 50)));
    figure('postgresRestarts', pgRestarted);
    figure(
      'postgresDownMs',
      pgDownMs.map((ms) => Math.round(ms)),
    );
    figure('retriesPerSubmissionMax', Math.max(0, ...records.map((r) => r.answers.length - 1)));
    figure('stuckInChecking', state.checking);
    figure('checksFailed', state.checksFailed);
    figure('duplicateResults', state.duplicateResults);
    figure('maxStartsOfOneRun', state.maxAttempts);
    figure('drained', drained);

    expect(apiKilled === apiKills && pgRestarted === pgRestarts, 'not every planned fault happened');
    expect(ack.acknowledged === total, `${total - ack.acknowledged} submissions never got 201`);
    expect(ack.missing === 0, `${ack.missing} drafts got 201 but are not in the database`);
    expect(ack.duplicated === 0, `${ack.duplicated} submissions stored more than once`);
    expect(ack.inconsistentReplays === 0, `${ack.inconsistentReplays} keys answered with different drafts`);
    expect(ack.unacknowledged === 0, `${ack.unacknowledged} drafts stored without any 201`);
    expect(serverErrors === 0, `${serverErrors} answers were 5xx other than 503`);
    expect(refused === 0, `${refused} answers were 4xx (the requests were valid)`);
    expect(
      unavailable.every((a) => a.code === 'service_unavailable'),
      '503 without error.code service_unavailable',
    );
    expect(drained && state.checking === 0, `${state.checking} drafts still in checking after the faults`);
    expect(state.checksFailed === 0, `${state.checksFailed} drafts ended in checks_failed though no check is faulty`);
    expect(state.duplicateResults === 0, `${state.duplicateResults} check results recorded twice`);
  },
};
