import { appendAuditEvent, eventsAfter, listChain } from '../db/audit.repository';
import type { Db } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { trailColumns, type AuditEventPayloads } from '../domain/audit-events';
import { draftChain, SECURITY_CHAIN, verifyChain, type ChainVerification, type StoredAuditEvent, auditActor } from '../domain/audit';
import type { DraftRow } from '../db/draft.repository';
import { readableDraft } from './draft-queries.service';
import { readAllSigned, readSignedForChain, type CheckpointStore, type SignedState } from './audit-checkpoints.service';

export { writeCheckpoint, type CheckpointStore, type CheckpointResult } from './audit-checkpoints.service';

export interface VerifyReport {
  ok: boolean;
  chains: ChainVerification[];
  checkedEvents: number;
  invalidCheckpoints: string[];
  /** Checkpoint files the manifest or the link from a later file names but the directory lacks. */
  missingCheckpoints: string[];
  /** How many checkpoint files this verify read. */
  checkpointFilesRead: number;
  firstBreak?: ChainVerification['firstBreak'];
}

async function* namedChains(db: Db, names: readonly string[]): AsyncGenerator<[string, StoredAuditEvent[]]> {
  for (const chain of names) yield [chain, await listChain(db, chain)];
}

/** Every chain, read in one ordered pass of pages rather than one query per chain. */
async function* everyChain(db: Db, pageSize = 10_000): AsyncGenerator<[string, StoredAuditEvent[]]> {
  let current: StoredAuditEvent[] = [];
  let after: { chain: string; seq: number } | null = null;
  for (;;) {
    const page = await eventsAfter(db, after, pageSize);
    for (const event of page) {
      if (current.length > 0 && current[0]!.chain !== event.chain) {
        yield [current[0]!.chain, current];
        current = [];
      }
      current.push(event);
    }
    if (page.length < pageSize) break;
    const last = page[page.length - 1]!;
    after = { chain: last.chain, seq: last.seq };
  }
  if (current.length > 0) yield [current[0]!.chain, current];
}

/**
 * Recomputes chains and compares them with the signed checkpoints: every signed (seq, hash) read must still be the
 * event at that position. One chain reads O(1) checkpoint files; every chain reads each file once.
 */
export async function verifyChains(db: Db, store: CheckpointStore | null, chains?: string[], options: { pageSize?: number } = {}): Promise<VerifyReport> {
  const empty: SignedState = { pairs: new Map(), invalidFiles: [], missingFiles: [], filesRead: 0 };
  let signed = empty;
  if (store && chains && chains.length === 1) signed = await readSignedForChain(db, store, chains[0]!);
  else if (store) signed = await readAllSigned(db, store);
  const results: ChainVerification[] = [];
  for await (const [chain, events] of chains ? namedChains(db, chains) : everyChain(db, options.pageSize)) {
    let result = verifyChain(chain, events);
    const pairs = [...(signed.pairs.get(chain) ?? [])].sort((x, y) => x.seq - y.seq);
    for (const pair of result.ok ? pairs : []) {
      const stored = events[pair.seq - 1];
      if (!stored || stored.hash !== pair.hash) {
        const culprit = stored ?? events[events.length - 1];
        result = {
          ...result,
          ok: false,
          firstBreak: { chain, eventId: culprit?.id ?? 0, seq: pair.seq, reason: stored ? 'checkpoint_mismatch' : 'missing_event' },
        };
        break;
      }
    }
    results.push(result);
  }
  if (!chains) {
    // A chain the checkpoints know but the database no longer has was deleted wholesale.
    const seen = new Set(results.map((r) => r.chain));
    for (const [chain, pairs] of signed.pairs) {
      const first = pairs.reduce((x, y) => (y.seq < x.seq ? y : x));
      if (!seen.has(chain)) results.push({ chain, events: 0, ok: false, firstBreak: { chain, eventId: 0, seq: first.seq, reason: 'missing_event' } });
    }
  }
  const broken = results.find((r) => !r.ok);
  return {
    ok: !broken && signed.invalidFiles.length === 0 && signed.missingFiles.length === 0,
    chains: results,
    checkedEvents: results.reduce((n, r) => n + r.events, 0),
    invalidCheckpoints: signed.invalidFiles,
    missingCheckpoints: signed.missingFiles,
    checkpointFilesRead: signed.filesRead,
    ...(broken?.firstBreak ? { firstBreak: broken.firstBreak } : {}),
  };
}

export async function draftTrail(db: Db, chain: string): Promise<StoredAuditEvent[]> {
  return listChain(db, chain);
}

/** A permission denial (HTTP 403 or a refused socket message) as a security event. */
/** One draft's trail for a reader of that draft (readability checked here, not by the route). */
export async function readableDraftTrail(db: Db, viewer: AuthUser, draftId: string): Promise<{ draft: DraftRow; events: StoredAuditEvent[] }> {
  const draft = await readableDraft(db, viewer, draftId);
  return { draft, events: await draftTrail(db, draftChain(draft.id)) };
}

/** Verifies one draft's chain (against the signed checkpoints) for a reader of that draft. */
export async function verifyReadableDraft(db: Db, store: CheckpointStore | null, viewer: AuthUser, draftId: string): Promise<VerifyReport> {
  const draft = await readableDraft(db, viewer, draftId);
  return verifyChains(db, store, [draftChain(draft.id)]);
}

export async function recordDenial(db: Db, actor: AuthUser, data: AuditEventPayloads['access.denied']): Promise<void> {
  await db.transaction((tx) =>
    appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: actor.id,
      actorName: auditActor(actor),
      type: 'access.denied',
      outcome: 'denied',
      data,
    }),
  );
}

/** A request refused as cross-site (CSRF guard), by a signed-in user or anonymously. */
export async function recordCrossSiteRefusal(db: Db, actor: AuthUser | undefined, data: AuditEventPayloads['security.cross_site_refused']): Promise<void> {
  await db.transaction((tx) =>
    appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor?.id ?? null, actorName: auditActor(actor, '匿名'), type: 'security.cross_site_refused', outcome: 'denied', data }),
  );
}

/** A state change through the queue board, recorded before it is carried out. */
export async function recordQueueAction(db: Db, actor: AuthUser, data: AuditEventPayloads['admin.queue_action']): Promise<void> {
  await db.transaction((tx) => appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: auditActor(actor), type: 'admin.queue_action', data }));
}

/** Exports are security events. */
export async function recordExport(db: Db, actor: AuthUser, data: AuditEventPayloads['audit.exported']): Promise<void> {
  await db.transaction((tx) => appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: auditActor(actor), type: 'audit.exported', data }));
}

/** A cell a spreadsheet would evaluate (=, +, -, @, tab, CR) is prefixed with ' so it stays text. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function trailCsv(events: readonly StoredAuditEvent[]): string {
  const header = ['seq', 'time', 'type', 'outcome', 'actor', 'revision', 'stage', 'opinion', 'data', 'prev_hash', 'hash'];
  const rows = events.map((e) => {
    // The human-readable parts get their own columns: the opinion is free text, so it is where formulas hide.
    const { stage, opinion } = trailColumns(e);
    return [e.seq, e.createdAt.toISOString(), e.type, e.outcome, e.actorName, e.revisionId, stage, opinion, e.data, e.prevHash, e.hash].map(csvCell).join(',');
  });
  // BOM so Excel opens the Chinese text as UTF-8.
  return `\uFEFF${[header.join(','), ...rows].join('\r\n')}\r\n`;
}
