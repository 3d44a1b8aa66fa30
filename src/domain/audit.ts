import { canonicalJson, sha256Hex } from './content';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** The name an audit event records for its actor: 显示名（用户名）, or `fallback` when no user acted. */
export function auditActor(user: { displayName: string; username: string } | null | undefined, fallback = '系统'): string {
  return user ? `${user.displayName}（${user.username}）` : fallback;
}

/** The fields of an audit event that its hash covers. */
export interface AuditEventBody {
  chain: string;
  seq: number;
  draftId: string | null;
  revisionId: string | null;
  actorId: string | null;
  actorName: string;
  type: string;
  outcome: AuditOutcome;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface StoredAuditEvent extends AuditEventBody {
  id: number;
  prevHash: string;
  hash: string;
}

/** hash = SHA-256(prev_hash ‖ canonical event). */
export function auditEventHash(prevHash: string, body: AuditEventBody): string {
  return sha256Hex(
    prevHash +
      canonicalJson({
        chain: body.chain,
        seq: body.seq,
        draftId: body.draftId,
        revisionId: body.revisionId,
        actorId: body.actorId,
        actorName: body.actorName,
        type: body.type,
        outcome: body.outcome,
        data: body.data,
        createdAt: body.createdAt.toISOString(),
      }),
  );
}

/** Chains are per draft, plus one for security events that concern no draft. */
export const draftChain = (draftId: string) => `draft-${draftId}`;
export const SECURITY_CHAIN = 'security';

export interface ChainBreak {
  chain: string;
  eventId: number;
  seq: number;
  reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' | 'checkpoint_mismatch' | 'missing_event';
}

export interface ChainVerification {
  chain: string;
  events: number;
  ok: boolean;
  firstBreak?: ChainBreak;
  head?: { seq: number; hash: string };
}

/** Recomputes one chain from its events (ordered by seq) and names the first event that does not fit. */
export function verifyChain(chain: string, events: readonly StoredAuditEvent[]): ChainVerification {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const event of events) {
    const at = (reason: ChainBreak['reason']): ChainVerification => ({
      chain,
      events: events.length,
      ok: false,
      firstBreak: { chain, eventId: event.id, seq: event.seq, reason },
    });
    if (event.seq !== expectedSeq) return at('sequence_gap');
    if (event.prevHash !== prev) return at('prev_hash_mismatch');
    if (auditEventHash(prev, event) !== event.hash) return at('hash_mismatch');
    prev = event.hash;
    expectedSeq++;
  }
  const last = events[events.length - 1];
  return { chain, events: events.length, ok: true, ...(last ? { head: { seq: last.seq, hash: last.hash } } : {}) };
}
