import { FIRST_REVIEWERS, pool, submission, waitUntil, type Answer, type Stage } from '../app';
import type { Scenario } from '../scenario';
import { statusCounts } from './common';

const CLEAN_BODY = '11月20日，学校第五十届秋季田径运动会在东区体育场开幕，全校三十个学院的两千余名运动员参加比赛。';

/** Drafts with nothing for the checks to find, through the checks and into 初审. */
async function draftsInReview(stage: Stage, tag: string, count: number, signal: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  await pool(
    count,
    8,
    async (i) => {
      const res = await stage.http('editor', 'POST', '/api/drafts', { ...submission(stage, `R5-${tag}-${i} 运动会报道`, i), body: CLEAN_BODY });
      if (res.status === 201) ids.push(res.body.id);
    },
    signal,
  );
  await waitUntil(
    async () => {
      const [row] = await stage.sql<{ n: number }>("SELECT count(*)::int AS n FROM drafts WHERE id = ANY($1::uuid[]) AND status = 'in_review' AND stage = 'first'", [ids]);
      return row?.n === ids.length;
    },
    180_000,
    signal,
    500,
  );
  return ids;
}

async function version(stage: Stage, id: string): Promise<number> {
  return (await stage.http('r1a', 'GET', `/api/drafts/${id}`)).body.version as number;
}

/** 初审, 复审, 终审 approve in turn; resolves to the approved version. */
async function approveAll(stage: Stage, id: string): Promise<number | null> {
  let v = await version(stage, id);
  for (const [user, stageId] of [
    ['r1a', 'first'],
    ['r2', 'second'],
    ['r3', 'final'],
  ] as const) {
    const res = await stage.http(user, 'POST', `/api/drafts/${id}/decisions`, { stage: stageId, action: 'approve', comment: '同意', version: v });
    if (res.status !== 200) return null;
    v = res.body.version;
  }
  return v;
}

const shuffle = <T>(items: T[]): T[] => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
};

/**
 * Races over HTTP against the real API process: 500 rounds of 2–8 different 初审 reviewers deciding at once on one
 * draft → exactly one decision per round; 200 rounds of 4 concurrent releases → exactly one release; edits
 * racing releases → never a release whose hash differs from the hash 终审 approved.
 */
export const races: Scenario = {
  name: 'races',
  title: 'concurrent decisions, concurrent releases, edits racing releases',
  deadlineMs: (o) => (o.quick ? 4 : 8) * 60_000,
  async run({ stage, options, signal, figure, expect, log }) {
    const decisionRounds = options.quick ? 100 : 500;
    const releaseRounds = options.quick ? 50 : 200;
    const editRounds = options.quick ? 30 : 100;
    const api = stage.api();
    await api.start();
    const worker = stage.worker();
    await worker.start();

    // ── concurrent decisions ──
    const decisionDrafts = await draftsInReview(stage, 'd', decisionRounds, signal);
    log(`${decisionDrafts.length} drafts in 初审; racing decisions`);
    const decisionAnswers: number[] = [];
    const winners: number[] = [];
    await pool(
      decisionDrafts.length,
      4,
      async (i) => {
        const id = decisionDrafts[i]!;
        const v = await version(stage, id);
        const racers = 2 + (i % 7);
        const answers = await Promise.all(
          FIRST_REVIEWERS.slice(0, racers).map((user, k) => {
            const action = (i + k) % 3 === 0 ? 'return' : 'approve';
            return stage.http(user, 'POST', `/api/drafts/${id}/decisions`, { stage: 'first', action, comment: action === 'approve' ? '同意' : '请补充活动时间', version: v });
          }),
        );
        decisionAnswers.push(...answers.map((a) => a.status));
        winners.push(answers.filter((a) => a.status === 200).length);
      },
      signal,
    );
    const decisionRows = await stage.sql<{ n: number }>('SELECT count(*)::int AS n FROM decisions WHERE draft_id = ANY($1::uuid[]) GROUP BY draft_id', [decisionDrafts]);
    const decisionEvents = await stage.sql<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE draft_id = ANY($1::uuid[]) AND type LIKE 'review.%' GROUP BY draft_id", [decisionDrafts]);
    figure('decisionRounds', winners.length);
    figure('decisionAnswers', statusCounts(decisionAnswers));
    figure('roundsWithOneWinner', winners.filter((w) => w === 1).length);
    figure('draftsWithOneDecisionRow', decisionRows.filter((r) => r.n === 1).length);
    expect(winners.length === decisionRounds && winners.every((w) => w === 1), `${winners.filter((w) => w !== 1).length} decision rounds without exactly one winner`);
    expect(
      decisionAnswers.every((s) => s === 200 || s === 409),
      'a racing decision got something other than 200 or 409',
    );
    expect(decisionRows.length === decisionDrafts.length && decisionRows.every((r) => r.n === 1), 'a draft has more or fewer than one decision row');
    expect(decisionEvents.length === decisionDrafts.length && decisionEvents.every((r) => r.n === 1), 'a draft has more or fewer than one decision audit event');

    // ── concurrent releases ──
    const releaseDrafts = await draftsInReview(stage, 'r', releaseRounds, signal);
    log(`${releaseDrafts.length} drafts in 初审; approving and racing releases`);
    const releaseAnswers: number[] = [];
    const releaseWinners: number[] = [];
    let notApproved = 0;
    await pool(
      releaseDrafts.length,
      4,
      async (i) => {
        const id = releaseDrafts[i]!;
        if ((await approveAll(stage, id)) === null) {
          notApproved++;
          return;
        }
        const answers = await Promise.all(Array.from({ length: 4 }, () => stage.http('editor', 'POST', `/api/drafts/${id}/release`, {})));
        releaseAnswers.push(...answers.map((a) => a.status));
        releaseWinners.push(answers.filter((a) => a.status === 200).length);
      },
      signal,
    );
    const releaseEvents = await stage.sql<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE draft_id = ANY($1::uuid[]) AND type = 'draft.released' GROUP BY draft_id", [releaseDrafts]);
    figure('releaseRounds', releaseWinners.length);
    figure('releaseAnswers', statusCounts(releaseAnswers));
    figure('roundsWithOneRelease', releaseWinners.filter((w) => w === 1).length);
    figure('draftsWithOneReleaseEvent', releaseEvents.filter((r) => r.n === 1).length);
    expect(notApproved === 0, `${notApproved} drafts could not be approved for the release race`);
    expect(releaseWinners.length === releaseRounds && releaseWinners.every((w) => w === 1), `${releaseWinners.filter((w) => w !== 1).length} release rounds without exactly one release`);
    expect(
      releaseAnswers.every((s) => s === 200 || s === 409),
      'a racing release got something other than 200 or 409',
    );
    expect(releaseEvents.length === releaseWinners.length && releaseEvents.every((r) => r.n === 1), 'a draft was released more or less than once');

    // ── edits racing releases ──
    const editDrafts = await draftsInReview(stage, 'e', editRounds, signal);
    log(`${editDrafts.length} drafts in 初审; approving and racing edits against releases`);
    const editAnswers: number[] = [];
    const releasedHashes = new Map<string, string[]>();
    let releaseWon = 0;
    let editWon = 0;
    await pool(
      editDrafts.length,
      4,
      async (i) => {
        const id = editDrafts[i]!;
        const v = await approveAll(stage, id);
        if (v === null) {
          notApproved++;
          return;
        }
        const edit = () =>
          stage.http('editor', 'POST', `/api/drafts/${id}/revisions`, { version: v, title: `R5-e-${i} 运动会报道（修改）`, body: `${CLEAN_BODY}比赛将持续三天。`, format: 'markdown' });
        const release = () => stage.http('editor', 'POST', `/api/drafts/${id}/release`, {});
        const answers: Answer[] = await Promise.all(shuffle([edit, release, edit, release]).map((send) => send()));
        editAnswers.push(...answers.map((a) => a.status));
        const released = answers.filter((a) => a.status === 200 && a.body?.releasedHash);
        releasedHashes.set(
          id,
          released.map((a) => a.body.releasedHash as string),
        );
        if (released.length > 0) releaseWon++;
        else if (answers.some((a) => a.status === 201)) editWon++;
      },
      signal,
    );
    // The released bytes against what 终审 approved, from PostgreSQL and from the answers.
    const rows = await stage.sql<{ id: string; status: string; released_hash: string | null; approved_hash: string | null }>(
      `SELECT d.id, d.status, d.released_hash,
              (SELECT x.revision_hash FROM decisions x WHERE x.draft_id = d.id AND x.stage = 'final' AND x.action = 'approve' ORDER BY x.seq DESC LIMIT 1) AS approved_hash
         FROM drafts d WHERE d.id = ANY($1::uuid[])`,
      [editDrafts],
    );
    const releasedRows = rows.filter((r) => r.released_hash !== null);
    const mismatches =
      releasedRows.filter((r) => r.released_hash !== r.approved_hash).length +
      [...releasedHashes].filter(([id, hashes]) => hashes.some((h) => h !== rows.find((r) => r.id === id)?.approved_hash)).length;
    const doubleReleases = [...releasedHashes.values()].filter((h) => h.length > 1).length;
    figure('editRounds', releasedHashes.size);
    figure('editAnswers', statusCounts(editAnswers));
    figure('releaseWonRace', releaseWon);
    figure('editWonRace', editWon);
    figure('releasedHashMismatches', mismatches);
    expect(releasedHashes.size === editRounds, `${editRounds - releasedHashes.size} edit rounds did not run`);
    expect(mismatches === 0, `${mismatches} releases whose hash differs from the hash 终审 approved`);
    expect(doubleReleases === 0, `${doubleReleases} drafts released twice in one race`);
    expect(
      editAnswers.every((s) => s === 200 || s === 201 || s === 409),
      'a racing edit or release got something other than 200, 201 or 409',
    );
    expect(releaseWon + editWon === releasedHashes.size, 'a round where neither the edit nor the release went through');
  },
};
