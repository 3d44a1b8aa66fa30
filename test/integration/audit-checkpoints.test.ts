import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { auditEventHash, draftChain } from '../../src/domain/audit';
import { verifyChains, writeCheckpoint, type CheckpointStore } from '../../src/services/audit-trail.service';
import { createTestContext, draftBody, type TestContext } from '../helpers/test-context';

/**
 * Issue 16: checkpoints cost what changed. Time is driven by the `now` the checkpointer is given, never by waiting.
 */
const HOUR = 3_600_000;
const T0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

let ctx: TestContext;
let store: CheckpointStore;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'auditor'] });
  store = { ...ctx.checkpoints, snapshotEveryMs: 24 * HOUR };
});
afterAll(async () => {
  await ctx?.close();
});

async function submit(title: string): Promise<string> {
  const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title }));
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** Rewrites the last event of a draft's chain consistently (hash recomputed), as an attacker with the algorithm would. */
async function forgeLast(id: string, name: string): Promise<void> {
  const [last] = await ctx.superuser<Record<string, any>>('SELECT * FROM audit_events WHERE draft_id = $1 ORDER BY seq DESC LIMIT 1', [id]);
  const forged = {
    chain: last!.chain,
    seq: last!.seq,
    draftId: last!.draft_id,
    revisionId: last!.revision_id,
    actorId: last!.actor_id,
    actorName: name,
    type: last!.type,
    outcome: last!.outcome,
    data: last!.data,
    createdAt: last!.created_at,
  };
  const hash = auditEventHash(last!.prev_hash, forged);
  await ctx.superuser(`SET session_replication_role = replica; UPDATE audit_events SET actor_name = '${name}', hash = '${hash}' WHERE id = ${Number(last!.id)}`);
  // A careful attacker also fixes the head table, and marks the head as moved so the next checkpoint would sign it.
  await ctx.superuser(`UPDATE audit_chain_heads SET hash = '${hash}', checkpointed_seq = 0 WHERE chain = '${last!.chain}'`);
}

const files = () =>
  readdirSync(store.dir)
    .filter((n) => n.endsWith('.json'))
    .sort();
const bytesOnDisk = () => files().reduce((n, f) => n + statSync(join(store.dir, f)).size, 0);

describe('checkpoints that cost what changed', () => {
  const ids: string[] = [];

  it('writes a sharded snapshot first, then only the heads that moved, and nothing when nothing moved', async () => {
    for (let i = 0; i < 5; i++) ids.push(await submit(`检查点 ${i}`));
    const first = await writeCheckpoint(ctx.runtime.deps.db, store, { now: at(0) });
    expect(first).toMatchObject({ kind: 'snapshot', no: 1 });
    expect(first!.heads).toBeGreaterThanOrEqual(5);
    expect(await writeCheckpoint(ctx.runtime.deps.db, store, { now: at(HOUR) })).toBeNull();

    await submit('检查点 新');
    const inc = await writeCheckpoint(ctx.runtime.deps.db, store, { now: at(2 * HOUR) });
    expect(inc).toMatchObject({ kind: 'incremental', no: 2 });
    // The new draft's chain only (and the security chain if login appended to it): never the five unchanged chains.
    expect(inc!.heads).toBeLessThanOrEqual(2);
    expect((await verifyChains(ctx.runtime.deps.db, store)).ok).toBe(true);
  });

  it('writes nothing at all over 30 idle days, checkpointing every 5 minutes', async () => {
    const before = files();
    const size = bytesOnDisk();
    const start = 3 * HOUR;
    for (let t = start; t <= start + 30 * 24 * HOUR; t += 5 * 60_000) {
      expect(await writeCheckpoint(ctx.runtime.deps.db, store, { now: at(t) })).toBeNull();
    }
    expect(files()).toEqual(before);
    expect(bytesOnDisk()).toBe(size);
    const [{ n }] = (await ctx.superuser<{ n: number }>('SELECT count(*)::int AS n FROM audit_checkpoint_files')) as [{ n: number }];
    expect(n).toBe(2);
  });

  it('verifies one chain from at most two files, and everything reading each file once', async () => {
    const one = await verifyChains(ctx.runtime.deps.db, store, [draftChain(ids[0]!)]);
    expect(one.ok).toBe(true);
    expect(one.checkpointFilesRead).toBeLessThanOrEqual(2);
    const all = await verifyChains(ctx.runtime.deps.db, store);
    expect(all.ok).toBe(true);
    expect(all.checkpointFilesRead).toBe(files().length);
  });

  it('names a chain rewritten after the snapshot signed it, in the one-draft verify and the full verify', async () => {
    const victim = ids[1]!;
    await forgeLast(victim, '快照后伪造');
    for (const report of [await verifyChains(ctx.runtime.deps.db, store, [draftChain(victim)]), await verifyChains(ctx.runtime.deps.db, store)]) {
      expect(report.ok).toBe(false);
      expect(report.firstBreak).toMatchObject({ chain: draftChain(victim), reason: 'checkpoint_mismatch' });
    }
    const http = await ctx.api('auditor').get(`/api/drafts/${victim}/trail/verify`);
    expect(http.body.ok).toBe(false);
    expect(http.body.firstBreak.reason).toBe('checkpoint_mismatch');
  });

  it('names a chain rewritten after an incremental checkpoint signed it, and a later snapshot does not launder it', async () => {
    const victim = await submit('增量后伪造');
    const inc = await writeCheckpoint(ctx.runtime.deps.db, store, { now: at(31 * 24 * HOUR) });
    expect(inc?.kind).toBe('snapshot'); // the daily snapshot was due: a day has passed and something moved
    const victim2 = await submit('增量后伪造 2');
    const inc2 = await writeCheckpoint(ctx.runtime.deps.db, store, { now: at(31 * 24 * HOUR + HOUR) });
    expect(inc2?.kind).toBe('incremental');
    await forgeLast(victim2, '增量后伪造者');
    const one = await verifyChains(ctx.runtime.deps.db, store, [draftChain(victim2)]);
    expect(one.ok).toBe(false);
    expect(one.firstBreak).toMatchObject({ chain: draftChain(victim2), reason: 'checkpoint_mismatch' });
    expect(one.checkpointFilesRead).toBeLessThanOrEqual(2);

    // The next snapshot prunes the incremental that signed the honest head, but carries that head forward.
    await submit('触发快照');
    const snap = await writeCheckpoint(ctx.runtime.deps.db, store, { now: at(33 * 24 * HOUR) });
    expect(snap?.kind).toBe('snapshot');
    expect(snap!.pruned).toBeGreaterThan(0);
    expect(files().every((f) => f.includes(`-${String(snap!.no).padStart(12, '0')}-snap-`))).toBe(true);
    const all = await verifyChains(ctx.runtime.deps.db, store);
    expect(all.ok).toBe(false);
    const named = all.chains.filter((c) => !c.ok).map((c) => c.chain);
    expect(named).toEqual(expect.arrayContaining([draftChain(ids[1]!), draftChain(victim2)]));
    expect(named).not.toContain(draftChain(victim));
    expect(all.missingCheckpoints).toEqual([]);
  });
});

describe('a deleted checkpoint file is reported', () => {
  let ctx2: TestContext;
  let store2: CheckpointStore;
  beforeAll(async () => {
    ctx2 = await createTestContext({ accounts: ['editor'] });
    store2 = { ...ctx2.checkpoints, snapshotEveryMs: 24 * HOUR };
  });
  afterAll(async () => {
    await ctx2?.close();
  });
  const add = async (title: string) => {
    const res = await ctx2.api('editor').post('/api/drafts', draftBody(ctx2, { title }));
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('whether it is a middle incremental, the newest incremental, or a snapshot shard', async () => {
    const db = ctx2.runtime.deps.db;
    const a = await add('删文件 a');
    await writeCheckpoint(db, store2, { now: at(0) });
    const b = await add('删文件 b');
    const second = await writeCheckpoint(db, store2, { now: at(HOUR) });
    await add('删文件 c');
    const third = await writeCheckpoint(db, store2, { now: at(2 * HOUR) });
    expect([second?.kind, third?.kind]).toEqual(['incremental', 'incremental']);
    expect((await verifyChains(db, store2)).ok).toBe(true);

    // The middle incremental: the link from the next file and the manifest both name it.
    rmSync(join(store2.dir, second!.files[0]!));
    let report = await verifyChains(db, store2);
    expect(report.ok).toBe(false);
    expect(report.missingCheckpoints).toContain(second!.files[0]);
    // Verifying only the draft it signed also notices (the database names the file that holds its head).
    report = await verifyChains(db, store2, [draftChain(b)]);
    expect(report.ok).toBe(false);
    expect(report.missingCheckpoints).toContain(second!.files[0]);

    // The newest: nothing links to it, but the manifest in the database records it.
    rmSync(join(store2.dir, third!.files[0]!));
    report = await verifyChains(db, store2);
    expect(report.missingCheckpoints).toEqual(expect.arrayContaining([second!.files[0], third!.files[0]]));

    // A shard of the snapshot.
    const shard = readdirSync(store2.dir).find((n) => n.includes('-snap-'))!;
    rmSync(join(store2.dir, shard));
    report = await verifyChains(db, store2, [draftChain(a)]);
    expect(report.ok).toBe(false);
    expect(report.missingCheckpoints).toContain(shard);
  });
});
