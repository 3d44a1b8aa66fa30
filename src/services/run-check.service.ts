import { appendAuditEvent, appendAuditEvents, type NewAuditEvent } from '../db/audit.repository';
import {
  claimRuns,
  completeRuns,
  draftOfRuns,
  failRun,
  listFindings,
  loadAggregate,
  lockDraft,
  lockRun,
  lockRuns,
  revisionToCheck,
  saveTransition,
  type CheckRunRow,
  type DraftRow,
  type RevisionToCheck,
} from '../db/draft.repository';
import { recentReleasedTexts } from '../db/reference.repository';
import type { RevisionContent } from '../domain/content';
import { draftChain } from '../domain/audit';
import type { CheckResult } from '../domain/findings';
import { transition } from '../domain/workflow';
import type { CheckContext } from '../checks/engine';
import { announce } from './apply-transition';
import { applyUnitWhitelist, scopedPhrases, scopedWhitelistVersion, type ScopedPhrase } from './scoped-whitelist.service';
import { recordShadowHits } from './shadow-terms.service';
import type { CheckJob, ServiceDeps } from './deps';
import { contentOf } from './review.service';
import { enqueueNotifications, kickNotifications, NO_NOTIFICATIONS } from './notify/enqueue-notifications';
import { configuredPolicy } from './waiver-policy';
import { ensureMediaAnalyses, galleryMatches, releasedMatches } from './media-analysis.service';
import { mediaStore } from './media.service';

export type RunCheckOutcome = 'completed' | 'skipped' | 'failed';

/** A check threw on attempt `attempts` (as counted in PostgreSQL, which survives Redis losing the job). */
export class CheckAttemptError extends Error {
  constructor(
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'CheckAttemptError';
  }
}

/**
 * Runs checks for the worker: in process (an engine, swapped atomically when dictionaries change) or on a pool of
 * threads with a time limit per run (workers/check-pool.ts), which answers asynchronously.
 */
export interface CheckRunner {
  run(checkId: string, content: ReturnType<typeof contentOf>, context?: CheckContext): CheckResult | Promise<CheckResult>;
}

/**
 * How many times a run may be started before it is given up. A start that never reports back means its process
 * died (kill -9, OOM, a deploy) — rarely the check's fault now that checks run on threads with a time limit — so
 * such interruptions get an allowance of their own; a check that throws or overruns fails after checkMaxAttempts.
 */
export function startBudget(deps: Pick<ServiceDeps, 'checkMaxAttempts'>): number {
  return deps.checkMaxAttempts * 2;
}

/** A result waits at most this long for the other runs its revision owes, so that they can share one commit. */
const GATHER_MS = 30;
/** Jobs of one revision arriving within this window count their attempts in one statement. */
const CLAIM_GATHER_MS = 2;

export interface CheckService {
  /**
   * Runs one owed check and records its result exactly once in effect: a run already done (a duplicate delivery,
   * a job re-driven by the sweeper) is skipped. The last run of a current revision moves the draft on.
   * @throws CheckAttemptError when the check itself fails (the queue retries; after the last attempt call failCheckRun)
   */
  run(job: CheckJob): Promise<RunCheckOutcome>;
}

interface Computed {
  job: CheckJob;
  result: CheckResult;
  /** Version (hash of ids) of the unit/genre whitelist entries applied, '' for none. */
  scopedVersion: string;
  settle: (outcome: RunCheckOutcome | Error) => void;
}

/** The runs of one revision in flight in this process: they share one read of the revision and one commit. */
interface RevisionBatch {
  revisionId: string;
  read: Promise<RevisionToCheck | undefined>;
  /** Released texts to compare against, read once per batch and only when the copyright check asks. */
  references: Promise<CheckContext | undefined> | null;
  /** What is inside the revision's media files (cached analyses), read once per batch when the revision has media. */
  media: Promise<CheckContext | undefined> | null;
  /** The checks the revision owed when it was read: the batch is complete once each has reported or given up. */
  owed: Set<string> | null;
  reported: Set<string>;
  /** Runs claimed and not yet handed over or given up. */
  computing: number;
  computed: Computed[];
  writing: boolean;
  timer: NodeJS.Timeout | null;
}

interface ClaimBatch {
  waiters: Array<{ checkId: string; resolve: (attempts: number | undefined) => void; reject: (error: unknown) => void }>;
}

/**
 * The worker's way to run checks. Each job is still one (revision, check) run with its own attempt count, but the
 * runs of one revision that are in flight together — the usual case, since a submission enqueues them together —
 * count their attempts in one statement, read the revision once and record their results in one transaction: one
 * draft lock, one audit-chain append and at most one transition instead of one of each per check.
 */
export function createCheckService(deps: ServiceDeps, runner: CheckRunner, options: { gatherMs?: number } = {}): CheckService {
  const gatherMs = options.gatherMs ?? GATHER_MS;
  const batches = new Map<string, RevisionBatch>();
  const claims = new Map<string, ClaimBatch>();

  /** Counts an attempt at the job's run; resolves to undefined when the run is no longer pending. */
  const claim = (job: CheckJob) =>
    new Promise<number | undefined>((resolve, reject) => {
      let batch = claims.get(job.revisionId);
      if (!batch) {
        const fresh: ClaimBatch = { waiters: [] };
        claims.set(job.revisionId, fresh);
        setTimeout(() => {
          claims.delete(job.revisionId);
          claimRuns(
            deps.db,
            job.revisionId,
            fresh.waiters.map((w) => w.checkId),
          ).then(
            (attempts) => fresh.waiters.forEach((w) => w.resolve(attempts.get(w.checkId))),
            (error: unknown) => fresh.waiters.forEach((w) => w.reject(error)),
          );
        }, Math.min(CLAIM_GATHER_MS, gatherMs));
        batch = fresh;
      }
      batch.waiters.push({ checkId: job.checkId, resolve, reject });
    });

  const batchOf = (revisionId: string): RevisionBatch => {
    let batch = batches.get(revisionId);
    if (!batch) {
      const fresh: RevisionBatch = { revisionId, read: Promise.resolve(undefined), references: null, media: null, owed: null, reported: new Set(), computing: 0, computed: [], writing: false, timer: null };
      fresh.read = revisionToCheck(deps.db, revisionId).then((read) => {
        fresh.owed = new Set(read?.owed);
        return read;
      });
      // A failed read fails the runs awaiting it; later runs read again.
      fresh.read.catch(() => {
        if (batches.get(revisionId) === fresh) batches.delete(revisionId);
      });
      batches.set(revisionId, fresh);
      batch = fresh;
    }
    return batch;
  };

  const release = (batch: RevisionBatch) => {
    if (batch.computing === 0 && batch.computed.length === 0 && !batch.writing && batches.get(batch.revisionId) === batch) batches.delete(batch.revisionId);
  };

  /** Writes what is computed once every owed run has reported, or when the oldest result has waited long enough. */
  const maybeWrite = (batch: RevisionBatch, force = false) => {
    if (batch.writing || batch.computed.length === 0) return release(batch);
    const complete = batch.computing === 0 && [...(batch.owed ?? [])].every((check) => batch.reported.has(check));
    if (!complete && !force) {
      batch.timer ??= setTimeout(() => maybeWrite(batch, true), gatherMs);
      return;
    }
    if (batch.timer) clearTimeout(batch.timer);
    batch.timer = null;
    const taken = batch.computed.splice(0);
    batch.writing = true;
    batch.read
      .then((read) => recordResults(deps, read!, taken))
      .then(
        (recorded) => taken.forEach((c) => c.settle(recorded.has(c) ? 'completed' : 'skipped')),
        (error: unknown) => taken.forEach((c) => c.settle(error instanceof Error ? error : new Error(String(error)))),
      )
      .finally(() => {
        batch.writing = false;
        maybeWrite(batch);
      });
  };

  return {
    async run(job) {
      const attempts = await claim(job);
      if (attempts === undefined) return 'skipped';
      if (attempts > startBudget(deps)) {
        await failCheckRun(deps, job, `gave up after ${attempts - 1} starts without a result`);
        return 'failed';
      }
      const batch = batchOf(job.revisionId);
      batch.computing++;
      const giveUp = () => {
        batch.computing--;
        batch.reported.add(job.checkId);
        maybeWrite(batch);
      };
      let content: ReturnType<typeof contentOf>;
      let context: CheckContext | undefined;
      let unitPhrases: ScopedPhrase[];
      try {
        const read = await batch.read;
        if (!read) {
          giveUp();
          return 'skipped';
        }
        content = contentOf(read.revision);
        if (job.checkId === 'copyright') context = await (batch.references ??= copyrightContext(deps, read, content));
        if (read.genre) context = { ...context, genre: read.genre };
        // Whitelist phrases scoped to the draft's unit and to its genre (issue 11).
        unitPhrases = await scopedPhrases(deps.db, read.unitId, read.genre);
        if (content.media?.length) {
          const inside = await (batch.media ??= mediaContext(deps, read, content));
          context = { ...context, ...inside };
        }
      } catch (error) {
        // The database, not the check: the queue retries without counting it against the check.
        giveUp();
        throw error;
      }
      let result: CheckResult;
      try {
        // Computed before taking any lock: checks may take milliseconds, locks should not.
        result = applyUnitWhitelist(await runner.run(job.checkId, content, context), content, unitPhrases);
      } catch (error) {
        giveUp();
        throw new CheckAttemptError(attempts, error);
      }
      // 影子规则 (issue 11): shadow terms run silently on the same content and their would-be hits are recorded on
      // their own; a failure here is logged and never touches the check's result or the draft.
      try {
        await recordShadowHits(deps, { id: job.revisionId, draftId: (await batch.read)!.revision.draftId }, job.checkId, content);
      } catch (error) {
        deps.logger.warn({ err: error, revisionId: job.revisionId, checkId: job.checkId }, 'shadow terms not recorded');
      }
      return new Promise<RunCheckOutcome>((resolve, reject) => {
        batch.computing--;
        batch.reported.add(job.checkId);
        batch.computed.push({ job, result, scopedVersion: scopedWhitelistVersion(unitPhrases), settle: (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)) });
        maybeWrite(batch);
      });
    },
  };
}

/** One run, on its own (tests and tools; the worker keeps a CheckService so that a revision's runs share a commit). */
export function runCheck(deps: ServiceDeps, runner: CheckRunner, job: CheckJob): Promise<RunCheckOutcome> {
  return createCheckService(deps, runner, { gatherMs: 0 }).run(job);
}

/**
 * Records computed runs of one revision in one transaction and returns those it recorded; runs no longer
 * pending (done by a duplicate delivery, failed, reset) are left alone.
 */
async function recordResults(deps: ServiceDeps, read: RevisionToCheck, computed: readonly Computed[]): Promise<Set<Computed>> {
  const revisionId = read.revision.id;
  const committed = await deps.db.transaction(async (tx) => {
    const draft = await lockDraft(tx, read.revision.draftId);
    const runs = await lockRuns(tx, revisionId);
    const pending = new Map(runs.filter((r) => r.status === 'pending').map((r) => [r.checkId, r]));
    // A check reported twice in one batch (a duplicate delivery) is recorded once.
    const recorded = new Map<string, { run: CheckRunRow; result: CheckResult; computed: Computed }>();
    for (const c of computed) {
      const run = pending.get(c.job.checkId);
      if (run && !recorded.has(run.checkId)) recorded.set(run.checkId, { run, result: c.result, computed: c });
    }
    if (recorded.size === 0) return null;
    const done = [...recorded.values()];
    await completeRuns(
      tx,
      done.map(({ run, result }) => ({
        run,
        rulesetVersion: result.rulesetVersion,
        // Each finding keeps the waiver policy its rule has now (config/waivers.ts).
        findings: result.findings.map((f) => ({ ...f, waiverPolicy: configuredPolicy(f).policy })),
      })),
    );
    const summaries = done.map(({ run, result, computed: c }) => ({
      check: run.checkId,
      rulesetVersion: result.rulesetVersion,
      ...(c.scopedVersion ? { scopedWhitelistVersion: c.scopedVersion } : {}),
      findings: result.findings.length,
      blocking: result.findings.filter((f) => f.severity === 'block').length,
    }));
    const events: NewAuditEvent[] = summaries.map((data) => ({ chain: draftChain(draft.id), draftId: draft.id, revisionId, actorId: null, actorName: '系统', type: 'check.completed', data }));
    let saved: DraftRow = draft;
    let owed = NO_NOTIFICATIONS;
    // Only the last owed run of the current revision moves the draft; the others just record their result
    // (the run row is their state, the audit event their trail) and leave the draft's version alone.
    const owedAfter = runs.filter((r) => r.status !== 'done' && !recorded.has(r.checkId)).length;
    if (draft.currentRevisionId === revisionId && draft.status === 'checking' && owedAfter === 0) {
      const aggregate = await loadAggregate(tx, draft, read.revision);
      const all = await listFindings(tx, revisionId);
      const hasBlocking = all.some((f) => f.severity === 'block' && !f.waivedAt);
      const escalate = all.some((f) => f.escalate);
      const command = { type: 'checks_completed', hasBlocking, escalate } as const;
      const next = transition(deps.stages, aggregate, command, null);
      saved = await saveTransition(tx, draft, next);
      owed = await enqueueNotifications(tx, { before: draft, after: saved, aggregate, next, command, actorId: null });
      const last = events.at(-1)!;
      last.type = 'checks.completed';
      last.data = {
        ...last.data,
        from: { status: draft.status, stage: draft.stage },
        to: { status: saved.status, stage: saved.stage },
        version: saved.version,
        totalFindings: all.length,
        blockingFindings: all.filter((f) => f.severity === 'block').length,
        escalated: saved.escalated,
        autoReturned: hasBlocking,
      };
    }
    const appended = await appendAuditEvents(tx, draftChain(draft.id), events);
    return { saved, eventId: appended.at(-1)!.id, moved: saved !== draft, recorded: new Set(done.map((r) => r.computed)), owed };
  });
  if (!committed) return new Set();
  // Boards care about the draft's state; an intermediate run did not change it.
  if (committed.moved) announce(deps, committed.saved, committed.eventId, []);
  kickNotifications(deps, committed.owed);
  return committed.recorded;
}

/** Near-duplicate candidates: recent released drafts of the same unit or platform, bounded. */
export const REFERENCE_TEXTS = { limit: 50, maxChars: 20_000 } as const;

/** Supplies released texts to compare a draft declared original against (the check ignores them otherwise). */
async function copyrightContext(deps: ServiceDeps, read: RevisionToCheck, content: RevisionContent): Promise<CheckContext | undefined> {
  if (content.origin.kind !== 'original') return undefined;
  const referenceTexts = await recentReleasedTexts(deps.db, { unitId: read.unitId, platformId: read.platformId, excludeDraftId: read.revision.draftId, ...REFERENCE_TEXTS });
  return { referenceTexts };
}

/**
 * The media analyses of a revision's files (OCR, codes, metadata; cached by hash, made now where missing) and the
 * pictures they look like (admin gallery, other drafts' releases): facts every text check and copyright read.
 */
async function mediaContext(deps: ServiceDeps, read: RevisionToCheck, content: RevisionContent): Promise<CheckContext | undefined> {
  const files = content.media ?? [];
  if (files.length === 0) return undefined;
  const store = mediaStore(deps);
  const analyses = await ensureMediaAnalyses(deps.db, async (hash) => (await store.get(hash)) ?? null, files.map((f) => ({ hash: f.hash, kind: f.kind })));
  const draft = { id: read.revision.draftId, unitId: read.unitId };
  const mediaMatches = [...(await galleryMatches(deps.db, analyses)), ...(await releasedMatches(deps.db, analyses, draft))];
  return { media: analyses, mediaMatches };
}

/**
 * Gives up on a run after its bounded attempts; the draft lands in checks_failed, visible and retryable. Resolves
 * to false when there was nothing to give up: the run is no longer pending, or an admin's retry reset its count.
 */
export async function failCheckRun(deps: ServiceDeps, job: CheckJob, reason: string): Promise<boolean> {
  const committed = await deps.db.transaction(async (tx) => {
    const draftId = await draftOfRuns(tx, job.revisionId);
    if (!draftId) return null;
    const draft = await lockDraft(tx, draftId);
    const run = await lockRun(tx, job.revisionId, job.checkId);
    // Only when PostgreSQL's count says the attempts are used up: an admin may have reset the run meanwhile.
    if (!run || run.status !== 'pending' || run.attempts < deps.checkMaxAttempts) return null;
    await failRun(tx, run, reason);
    const aggregate = await loadAggregate(tx, draft);
    const moves = draft.currentRevisionId === job.revisionId && draft.status === 'checking';
    const next = moves
      ? transition(deps.stages, aggregate, { type: 'checks_failed' }, null)
      : { status: aggregate.status, stage: aggregate.stage, round: draft.round, escalated: draft.escalated, everReleased: draft.everReleased };
    const saved = await saveTransition(tx, draft, next);
    const event = await appendAuditEvent(tx, {
      chain: draftChain(draft.id),
      draftId: draft.id,
      revisionId: job.revisionId,
      actorId: null,
      actorName: '系统',
      type: 'check.failed',
      outcome: 'failure',
      data: { check: job.checkId, reason, from: { status: draft.status, stage: draft.stage }, to: { status: saved.status, stage: saved.stage }, version: saved.version },
    });
    return { saved, eventId: event.id };
  });
  if (!committed) return false;
  announce(deps, committed.saved, committed.eventId, []);
  return true;
}
