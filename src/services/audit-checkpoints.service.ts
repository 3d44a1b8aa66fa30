import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import {
  chainCheckpointNo,
  checkpointManifest,
  disagreeingHeads,
  lastCheckpointFile,
  lastSnapshotFile,
  markCheckpointFilesPruned,
  markHeadsCheckpointed,
  movedChainHeads,
  recordCheckpointFile,
  type ChainHead,
  type CheckpointFileRow,
} from '../db/audit.repository';
import type { Db, Executor } from '../db/pool';
import { canonicalJson } from '../domain/content';

/**
 * Signed audit checkpoints outside the database (issue 16).
 *
 * - An **incremental** file holds only the chain heads that moved since the last checkpoint; when nothing moved,
 *   nothing is written.
 * - A **snapshot** (every `snapshotEveryMs`, default a day, and only if something moved since the last one) holds every
 *   signed head, split into shards by a hash of the chain name, so verifying one chain reads one shard.
 * - Every file is HMAC-signed over everything a verifier uses (kind, number, time, the link to the previous file,
 *   shard position, heads), names the sha256 of the file before it, and is recorded in `audit_checkpoint_files`;
 *   a file recorded there or linked to but missing from the directory is reported.
 * - Retention: once a snapshot is durably written, the files before it are deleted; the snapshot carries forward every
 *   signed head, and a signed head the database no longer agrees with is carried forward as it was signed (so a
 *   rewrite is never laundered into a new snapshot).
 */
export interface CheckpointStore {
  dir: string;
  key: string;
  /** How often a full snapshot is written (if anything moved since the last one). Default 24 h. */
  snapshotEveryMs?: number;
}

export const DEFAULT_SNAPSHOT_EVERY_MS = 24 * 3_600_000;
const HEADS_PER_SHARD = 4_000;
const MAX_SHARDS = 1_024;

type Pair = { seq: number; hash: string };
interface Link {
  no: number;
  sha256: string;
}
interface IncrementalBody {
  kind: 'incremental';
  no: number;
  createdAt: string;
  prev: Link | null;
  heads: ChainHead[];
}
interface SnapshotBody {
  kind: 'snapshot';
  no: number;
  createdAt: string;
  prev: Link | null;
  shard: number;
  shards: number;
  heads: ChainHead[];
}
type Body = IncrementalBody | SnapshotBody;

const pad = (n: number, width: number) => String(n).padStart(width, '0');
export const incrementalName = (no: number) => `checkpoint-${pad(no, 12)}-inc.json`;
export const shardName = (no: number, shard: number, shards: number) => `checkpoint-${pad(no, 12)}-snap-${pad(shard, 4)}-of-${pad(shards, 4)}.json`;
const NEW_NAME = /^checkpoint-(\d{12})-(?:inc|snap-(\d{4})-of-(\d{4}))\.json$/;
/** Files written before issue 16: every head, named by time. They are read until the first snapshot supersedes them. */
const LEGACY_NAME = /^checkpoint-\d{4}-\d{2}-\d{2}T[\d-]+Z\.json$/;

const sign = (key: string, body: unknown) => createHmac('sha256', key).update(canonicalJson(body)).digest('hex');
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
export const shardOf = (chain: string, shards: number) => createHash('sha256').update(chain).digest().readUInt32BE(0) % shards;
const snapshotDigest = (shardHashes: readonly string[]) => sha256(shardHashes.join('\n'));

function signatureOk(key: string, body: unknown, signature: unknown): boolean {
  const expected = Buffer.from(sign(key, body), 'hex');
  const actual = Buffer.from(String(signature), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Write, fsync, then rename: a crash never leaves a half-written file under the final name. */
async function writeDurably(path: string, text: string): Promise<void> {
  const handle = await open(`${path}.tmp`, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(`${path}.tmp`, path);
}

export interface ParsedFile {
  name: string;
  body: Body;
  sha256: string;
}

/** Reads and checks one file; null (and the name in `invalid`) when it is unreadable or its signature is wrong. */
async function readSigned(store: CheckpointStore, name: string, invalid: string[]): Promise<ParsedFile | null> {
  try {
    const text = await readFile(join(store.dir, name), 'utf8');
    const parsed = JSON.parse(text) as Body & { signature: unknown };
    const { signature, ...body } = parsed;
    if (!signatureOk(store.key, body, signature)) {
      invalid.push(name);
      return null;
    }
    return { name, body: body as Body, sha256: sha256(text) };
  } catch {
    invalid.push(name);
    return null;
  }
}

interface Listing {
  names: Set<string>;
  legacy: string[];
  /** Newest snapshot present on disk (by any of its shards). */
  snapshot: { no: number; shards: number } | null;
  incrementals: Map<number, string>;
}

async function listDir(store: CheckpointStore): Promise<Listing> {
  const all = await readdir(store.dir).catch(() => [] as string[]);
  const listing: Listing = { names: new Set(all), legacy: [], snapshot: null, incrementals: new Map() };
  for (const name of all) {
    if (LEGACY_NAME.test(name)) listing.legacy.push(name);
    const m = NEW_NAME.exec(name);
    if (!m) continue;
    const no = Number(m[1]);
    if (m[2] === undefined) listing.incrementals.set(no, name);
    else if (!listing.snapshot || listing.snapshot.no < no) listing.snapshot = { no, shards: Number(m[3]) };
  }
  listing.legacy.sort();
  return listing;
}

/** Files the manifest in the database (or the link chain) says exist but the directory lacks. */
function missingFromManifest(listing: Listing, manifest: readonly CheckpointFileRow[]): string[] {
  const missing: string[] = [];
  const from = Math.max(listing.snapshot?.no ?? 0, manifest.filter((r) => r.kind === 'snapshot').at(-1)?.no ?? 0);
  for (const row of manifest) {
    if (row.no < from) continue;
    if (row.kind === 'incremental') {
      if (!listing.names.has(row.name)) missing.push(row.name);
    } else {
      for (let shard = 0; shard < row.files; shard++) {
        const name = shardName(row.no, shard, row.files);
        if (!listing.names.has(name)) missing.push(name);
      }
    }
  }
  return missing;
}

export interface SignedState {
  /** Every signed (seq, hash) per chain from the files read: each must still match the database. */
  pairs: Map<string, Pair[]>;
  invalidFiles: string[];
  missingFiles: string[];
  filesRead: number;
}

function addPairs(pairs: Map<string, Pair[]>, heads: readonly ChainHead[]): void {
  for (const h of heads) {
    const list = pairs.get(h.chain);
    if (!list) pairs.set(h.chain, [{ seq: h.seq, hash: h.hash }]);
    else if (!list.some((p) => p.seq === h.seq && p.hash === h.hash)) list.push({ seq: h.seq, hash: h.hash });
  }
}

/**
 * Everything signed since (and including) the newest snapshot, each file read once; the link from every file to the
 * one before it and the manifest are checked, so a deleted or replaced file is reported. Before the first snapshot,
 * the legacy files are read instead.
 */
export async function readAllSigned(db: Executor, store: CheckpointStore): Promise<SignedState> {
  const listing = await listDir(store);
  const manifest = await checkpointManifest(db).catch(() => [] as CheckpointFileRow[]);
  const state: SignedState = { pairs: new Map(), invalidFiles: [], missingFiles: missingFromManifest(listing, manifest), filesRead: 0 };
  let link: Link | null = null;
  if (listing.snapshot) {
    const { no, shards } = listing.snapshot;
    const hashes: string[] = [];
    for (let shard = 0; shard < shards; shard++) {
      const name = shardName(no, shard, shards);
      if (!listing.names.has(name)) {
        if (!state.missingFiles.includes(name)) state.missingFiles.push(name);
        continue;
      }
      state.filesRead++;
      const file = await readSigned(store, name, state.invalidFiles);
      if (!file) continue;
      const body = file.body;
      if (body.kind !== 'snapshot' || body.no !== no || body.shard !== shard || body.shards !== shards) {
        state.invalidFiles.push(name);
        continue;
      }
      hashes.push(file.sha256);
      addPairs(state.pairs, body.heads);
    }
    link = hashes.length === shards ? { no, sha256: snapshotDigest(hashes) } : null;
  } else {
    for (const name of listing.legacy) {
      state.filesRead++;
      const invalid: string[] = [];
      try {
        const parsed = JSON.parse(await readFile(join(store.dir, name), 'utf8')) as { createdAt: string; heads: ChainHead[]; signature: string };
        if (!signatureOk(store.key, { createdAt: parsed.createdAt, heads: parsed.heads }, parsed.signature)) invalid.push(name);
        else addPairs(state.pairs, parsed.heads);
      } catch {
        invalid.push(name);
      }
      state.invalidFiles.push(...invalid);
    }
  }
  const after = listing.snapshot?.no ?? 0;
  const numbers = [...listing.incrementals.keys()].filter((n) => n > after).sort((a, b) => a - b);
  const known = new Map(manifest.map((r) => [r.no, r]));
  const nameOf = (no: number) => {
    const row = known.get(no);
    return row ? (row.kind === 'incremental' ? row.name : shardName(no, 0, row.files)) : `checkpoint-${pad(no, 12)}-*`;
  };
  const report = (name: string) => {
    if (!state.missingFiles.includes(name)) state.missingFiles.push(name);
  };
  let lastNo = listing.snapshot ? after : null;
  for (const no of numbers) {
    const name = listing.incrementals.get(no)!;
    state.filesRead++;
    const file = await readSigned(store, name, state.invalidFiles);
    const body = file?.body;
    if (!file || !body || body.kind !== 'incremental' || body.no !== no) {
      if (file) state.invalidFiles.push(name);
      link = null;
      lastNo = no;
      continue;
    }
    // The file before this one must be the one it names, byte for byte; a gap means a file was deleted.
    if (body.prev) {
      if (lastNo === null || body.prev.no > lastNo) report(nameOf(body.prev.no));
      else if (body.prev.no === lastNo && link && link.sha256 !== body.prev.sha256) report(`${nameOf(body.prev.no)} (replaced)`);
    }
    addPairs(state.pairs, body.heads);
    link = { no, sha256: file.sha256 };
    lastNo = no;
  }
  return state;
}

/**
 * What is signed about one chain, reading O(1) files: the shard of the newest snapshot that holds the chain, plus the
 * incremental file the database names as holding its latest signed head. The name in the database is a hint: if
 * that file does not hold the chain (or names a file before the snapshot), every incremental since the snapshot is
 * read instead, so a wrong hint costs time, never a missed check. A superuser who rolls the hint back to an older
 * file hides a rewrite from this quick check only; verifying everything reads every file and reports it.
 */
export async function readSignedForChain(db: Executor, store: CheckpointStore, chain: string): Promise<SignedState> {
  const listing = await listDir(store);
  const manifest = await checkpointManifest(db).catch(() => [] as CheckpointFileRow[]);
  const state: SignedState = { pairs: new Map(), invalidFiles: [], missingFiles: missingFromManifest(listing, manifest), filesRead: 0 };
  if (!listing.snapshot) return readAllSigned(db, store);
  const { no, shards } = listing.snapshot;
  const name = shardName(no, shardOf(chain, shards), shards);
  if (listing.names.has(name)) {
    state.filesRead++;
    const file = await readSigned(store, name, state.invalidFiles);
    if (file)
      addPairs(
        state.pairs,
        file.body.heads.filter((h) => h.chain === chain),
      );
  } else if (!state.missingFiles.includes(name)) {
    state.missingFiles.push(name);
  }
  const hinted = await chainCheckpointNo(db, chain);
  if (hinted !== null && hinted > no) {
    const incName = incrementalName(hinted);
    let found = false;
    if (listing.names.has(incName)) {
      state.filesRead++;
      const file = await readSigned(store, incName, state.invalidFiles);
      const heads = file?.body.heads.filter((h) => h.chain === chain) ?? [];
      found = heads.length > 0;
      addPairs(state.pairs, heads);
    } else if (!state.missingFiles.includes(incName)) {
      state.missingFiles.push(incName);
    }
    if (!found) {
      for (const [n, other] of listing.incrementals) {
        if (n <= no || n === hinted) continue;
        state.filesRead++;
        const file = await readSigned(store, other, state.invalidFiles);
        addPairs(state.pairs, file?.body.heads.filter((h) => h.chain === chain) ?? []);
      }
    }
  }
  return state;
}

export interface CheckpointResult {
  kind: 'incremental' | 'snapshot';
  no: number;
  files: string[];
  heads: number;
  bytes: number;
  pruned: number;
}

/**
 * One checkpoint run. Writes nothing when no chain head moved since the last checkpoint; otherwise an incremental
 * file with only the moved heads, or, when a snapshot is due (none yet, or `snapshotEveryMs` since the last), a full
 * snapshot followed by retention. One run at a time across processes (an advisory lock); `now` is injectable.
 */
export async function writeCheckpoint(db: Db, store: CheckpointStore, options: { now?: Date; forceSnapshot?: boolean } = {}): Promise<CheckpointResult | null> {
  await mkdir(store.dir, { recursive: true });
  const now = options.now ?? new Date();
  let prunedBefore: number | null = null;
  const result = await db.transaction(async (tx) => {
    const locked = await tx.execute<{ ok: boolean }>(sql`SELECT pg_try_advisory_xact_lock(hashtextextended('sanshen.audit.checkpoint', 0)) AS ok`);
    if (!locked.rows[0]?.ok) return null;
    const moved = await movedChainHeads(tx);
    if (moved.length === 0) return null;
    const last = await lastCheckpointFile(tx);
    const lastSnapshot = await lastSnapshotFile(tx);
    const no = (last?.no ?? 0) + 1;
    const prev: Link | null = last ? { no: last.no, sha256: last.sha256 } : null;
    const due = options.forceSnapshot || !lastSnapshot || now.getTime() - lastSnapshot.createdAt.getTime() >= (store.snapshotEveryMs ?? DEFAULT_SNAPSHOT_EVERY_MS);
    if (!due) {
      const body: IncrementalBody = { kind: 'incremental', no, createdAt: now.toISOString(), prev, heads: moved };
      const text = JSON.stringify({ ...body, signature: sign(store.key, body) });
      const name = incrementalName(no);
      await writeDurably(join(store.dir, name), text);
      await recordCheckpointFile(tx, { no, kind: 'incremental', name, files: 1, sha256: sha256(text), heads: moved.length, createdAt: now });
      await markHeadsCheckpointed(tx, no, moved);
      return { kind: 'incremental' as const, no, files: [name], heads: moved.length, bytes: Buffer.byteLength(text), pruned: 0 };
    }
    // A snapshot: everything signed so far, carried forward, then the moved heads on top.
    const signed = await readAllSigned(tx, store);
    const carried = new Map<string, ChainHead>();
    const superseded: ChainHead[] = [];
    for (const [chain, pairs] of signed.pairs) {
      for (const p of pairs) superseded.push({ chain, seq: p.seq, hash: p.hash });
    }
    // A signed head the database no longer agrees with stays as signed: the rewrite remains visible to every verify.
    const disagreeing = new Map<string, ChainHead>();
    for (const d of await disagreeingHeads(tx, superseded)) {
      const known = disagreeing.get(d.chain);
      if (!known || d.seq < known.seq) disagreeing.set(d.chain, d);
    }
    for (const [chain, pairs] of signed.pairs) {
      const best = pairs.reduce((a, b) => (b.seq > a.seq ? b : a));
      carried.set(chain, { chain, ...best });
    }
    const moving: ChainHead[] = [];
    for (const head of moved) {
      if (disagreeing.has(head.chain)) continue;
      carried.set(head.chain, head);
      moving.push(head);
    }
    for (const [chain, head] of disagreeing) carried.set(chain, head);
    const heads = [...carried.values()].sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
    const shards = Math.min(MAX_SHARDS, Math.max(1, Math.ceil(heads.length / HEADS_PER_SHARD)));
    const byShard: ChainHead[][] = Array.from({ length: shards }, () => []);
    for (const head of heads) byShard[shardOf(head.chain, shards)]!.push(head);
    const files: string[] = [];
    const hashes: string[] = [];
    let bytes = 0;
    for (let shard = 0; shard < shards; shard++) {
      const body: SnapshotBody = { kind: 'snapshot', no, createdAt: now.toISOString(), prev, shard, shards, heads: byShard[shard]! };
      const text = JSON.stringify({ ...body, signature: sign(store.key, body) });
      const name = shardName(no, shard, shards);
      await writeDurably(join(store.dir, name), text);
      files.push(name);
      hashes.push(sha256(text));
      bytes += Buffer.byteLength(text);
    }
    await recordCheckpointFile(tx, { no, kind: 'snapshot', name: shardName(no, 0, shards), files: shards, sha256: snapshotDigest(hashes), heads: heads.length, createdAt: now });
    await markHeadsCheckpointed(tx, no, moving);
    prunedBefore = no;
    return { kind: 'snapshot' as const, no, files, heads: heads.length, bytes, pruned: 0 };
  });
  if (result && prunedBefore !== null) result.pruned = await pruneBefore(db, store, prunedBefore, now);
  return result;
}

/** Retention: deletes the files before a snapshot that is committed and on disk (it covers every one of them). */
async function pruneBefore(db: Db, store: CheckpointStore, snapshotNo: number, now: Date): Promise<number> {
  const listing = await listDir(store);
  let pruned = 0;
  for (const name of listing.names) {
    const m = NEW_NAME.exec(name);
    const old = m ? Number(m[1]) < snapshotNo : LEGACY_NAME.test(name);
    if (!old) continue;
    await unlink(join(store.dir, name)).catch(() => undefined);
    pruned++;
  }
  await markCheckpointFilesPruned(db, snapshotNo, now);
  return pruned;
}
