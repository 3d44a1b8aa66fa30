import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendAuditEvent, chainHeads, eventsAfter, listChain } from '../db/audit.repository';
import type { Db } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { SECURITY_CHAIN, verifyChain, type ChainVerification, type StoredAuditEvent } from '../domain/audit';
import { canonicalJson } from '../domain/content';

export interface CheckpointStore {
  dir: string;
  key: string;
}

interface Checkpoint {
  createdAt: string;
  heads: Array<{ chain: string; seq: number; hash: string }>;
  signature: string;
}

const sign = (key: string, body: Omit<Checkpoint, 'signature'>) => createHmac('sha256', key).update(canonicalJson(body)).digest('hex');

/**
 * Writes the current head of every chain, HMAC-signed, to a file outside the database. Someone able to rewrite
 * a whole chain in PostgreSQL cannot make it agree with checkpoints they cannot sign.
 */
export async function writeCheckpoint(db: Db, store: CheckpointStore): Promise<string> {
  await mkdir(store.dir, { recursive: true });
  const heads = await chainHeads(db);
  const body = { createdAt: new Date().toISOString(), heads };
  const file = join(store.dir, `checkpoint-${body.createdAt.replace(/[:.]/g, '-')}.json`);
  // Write then rename, so a crash never leaves a half-written checkpoint behind.
  await writeFile(`${file}.tmp`, JSON.stringify({ ...body, signature: sign(store.key, body) }, null, 1));
  await rename(`${file}.tmp`, file);
  return file;
}

/** The latest signed head per chain from every valid checkpoint; files with a bad signature are reported. */
async function readCheckpoints(store: CheckpointStore): Promise<{ heads: Map<string, { seq: number; hash: string }>; invalidFiles: string[] }> {
  const heads = new Map<string, { seq: number; hash: string }>();
  const invalidFiles: string[] = [];
  const names = await readdir(store.dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith('checkpoint-') && n.endsWith('.json')).sort()) {
    try {
      const parsed = JSON.parse(await readFile(join(store.dir, name), 'utf8')) as Checkpoint;
      const expected = Buffer.from(sign(store.key, { createdAt: parsed.createdAt, heads: parsed.heads }), 'hex');
      const actual = Buffer.from(String(parsed.signature), 'hex');
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
        invalidFiles.push(name);
        continue;
      }
      for (const head of parsed.heads) {
        const known = heads.get(head.chain);
        if (!known || known.seq < head.seq) heads.set(head.chain, { seq: head.seq, hash: head.hash });
      }
    } catch {
      invalidFiles.push(name);
    }
  }
  return { heads, invalidFiles };
}

export interface VerifyReport {
  ok: boolean;
  chains: ChainVerification[];
  checkedEvents: number;
  invalidCheckpoints: string[];
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

/** Recomputes chains and compares them with the signed checkpoints. */
export async function verifyChains(db: Db, store: CheckpointStore | null, chains?: string[], options: { pageSize?: number } = {}): Promise<VerifyReport> {
  const checkpoint = store ? await readCheckpoints(store) : { heads: new Map<string, { seq: number; hash: string }>(), invalidFiles: [] };
  const results: ChainVerification[] = [];
  for await (const [chain, events] of chains ? namedChains(db, chains) : everyChain(db, options.pageSize)) {
    let result = verifyChain(chain, events);
    const signed = checkpoint.heads.get(chain);
    if (result.ok && signed) {
      const stored = events[signed.seq - 1];
      if (!stored || stored.hash !== signed.hash) {
        const culprit = stored ?? events[events.length - 1];
        result = {
          ...result,
          ok: false,
          firstBreak: { chain, eventId: culprit?.id ?? 0, seq: signed.seq, reason: stored ? 'checkpoint_mismatch' : 'missing_event' },
        };
      }
    }
    results.push(result);
  }
  if (!chains) {
    // A chain the checkpoints know but the database no longer has was deleted wholesale.
    const seen = new Set(results.map((r) => r.chain));
    for (const [chain, signed] of checkpoint.heads) {
      if (!seen.has(chain)) results.push({ chain, events: 0, ok: false, firstBreak: { chain, eventId: 0, seq: signed.seq, reason: 'missing_event' } });
    }
  }
  const broken = results.find((r) => !r.ok);
  return {
    ok: !broken && checkpoint.invalidFiles.length === 0,
    chains: results,
    checkedEvents: results.reduce((n, r) => n + r.events, 0),
    invalidCheckpoints: checkpoint.invalidFiles,
    ...(broken?.firstBreak ? { firstBreak: broken.firstBreak } : {}),
  };
}

export async function draftTrail(db: Db, chain: string): Promise<StoredAuditEvent[]> {
  return listChain(db, chain);
}

/** Exports are security events. */
/** A permission denial (HTTP 403 or a refused socket message) as a security event. */
export async function recordDenial(db: Db, actor: AuthUser, data: Record<string, unknown>): Promise<void> {
  await db.transaction((tx) =>
    appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: actor.id,
      actorName: `${actor.displayName}（${actor.username}）`,
      type: 'access.denied',
      outcome: 'denied',
      data,
    }),
  );
}

export async function recordExport(db: Db, actor: AuthUser, data: Record<string, unknown>): Promise<void> {
  await db.transaction((tx) =>
    appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: `${actor.displayName}（${actor.username}）`, type: 'audit.exported', data }),
  );
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
    const d = e.data as { stage?: unknown; comment?: unknown; reason?: unknown; statement?: unknown };
    const opinion = d.comment ?? d.reason ?? d.statement ?? '';
    return [e.seq, e.createdAt.toISOString(), e.type, e.outcome, e.actorName, e.revisionId, d.stage ?? '', opinion, e.data, e.prevHash, e.hash]
      .map(csvCell)
      .join(',');
  });
  // BOM so Excel opens the Chinese text as UTF-8.
  return `\uFEFF${[header.join(','), ...rows].join('\r\n')}\r\n`;
}

