import { io as connect, type Socket } from 'socket.io-client';
import type { Ack, DraftChangedEvent, DraftPresence } from '../../src/shared/socket-contract';
import { startApiProcess, type ApiProcess } from '../helpers/api-process';
import { createTestContext, draftBody, PASSWORD, waitForDraft, type TestContext } from '../helpers/test-context';

/**
 * Two real API processes (src/main.ts) on two ports, one database, one Redis: what one process commits or is
 * told reaches sockets held by the other, exactly once, and logout on one ends the session's sockets on both.
 */
let ctx: TestContext;
let a: ApiProcess;
let b: ApiProcess;
const sockets: Socket[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'r2', 'multi', 'temp', 'foreign', 'prop'] });
  [a, b] = await Promise.all([
    startApiProcess({ name: 'api-a', databaseUrl: ctx.databaseUrl, prefix: ctx.prefix }),
    startApiProcess({ name: 'api-b', databaseUrl: ctx.databaseUrl, prefix: ctx.prefix }),
    ctx.startWorker(),
  ]);
}, 60_000);

afterEach(() => {
  // Each test starts with no live socket, so "the claimant has no socket left" means what it says.
  for (const s of sockets.splice(0)) s.disconnect();
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await ctx?.close();
});

async function call(proc: ApiProcess, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${proc.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

const token = (user: string) => ctx.people.tokens[user]!;

/** A connected socket.io client on `proc` that records what it receives. */
async function client(proc: ApiProcess, sessionToken: string) {
  const socket = connect(proc.url, { transports: ['websocket'], reconnection: false, auth: { token: sessionToken } });
  sockets.push(socket);
  const seen = { changes: [] as DraftChangedEvent[], presence: [] as DraftPresence[], ended: 0, disconnect: null as string | null };
  socket.on('draft.changed', (e) => seen.changes.push(e));
  socket.on('presence.changed', (e) => seen.presence.push(e));
  socket.on('session.ended', () => seen.ended++);
  socket.on('disconnect', (reason) => (seen.disconnect = reason));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (e) => reject(e));
  });
  return { socket, seen };
}

async function until(what: string, check: () => boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The newest presence a client has seen for a draft (highest seq wins, as on the board). */
const latest = (seen: { presence: DraftPresence[] }, draftId: string) =>
  seen.presence.filter((p) => p.draftId === draftId).reduce<DraftPresence | undefined>((best, p) => (!best || p.seq >= best.seq ? p : best), undefined);

async function reviewable(title: string): Promise<string> {
  const res = await call(a, token('editor'), 'POST', '/api/drafts', draftBody(ctx, { title }));
  expect(res.status).toBe(201);
  await waitForDraft(ctx, 'r1', res.body.id, (d) => d.status === 'in_review' && d.stage === 'first');
  return res.body.id as string;
}

const join = (socket: Socket, input: unknown) => socket.timeout(5_000).emitWithAck('presence.join', input) as Promise<Ack<DraftPresence>>;

describe('two API processes, one board', () => {
  let first: string;
  let second: string;
  beforeAll(async () => {
    [first, second] = await Promise.all([reviewable('跨进程推送的稿件'), reviewable('跨进程认领的稿件')]);
  });

  it('a decision made through process A reaches a socket on process B exactly once', async () => {
    const onB = await client(b, token('r2'));
    const onA = await client(a, token('prop'));
    const version = (await call(b, token('r1'), 'GET', `/api/drafts/${first}`)).body.version as number;
    const decided = await call(a, token('r1'), 'POST', `/api/drafts/${first}/decisions`, { stage: 'first', action: 'approve', comment: '同意', version });
    expect(decided.status).toBe(200);
    const next = decided.body.version as number;
    const mine = (seen: { changes: DraftChangedEvent[] }) => seen.changes.filter((e) => e.id === first && e.version === next);
    await until('the push on B', () => mine(onB.seen).length > 0);
    await until('the push on A', () => mine(onA.seen).length > 0);
    // Anything duplicated (adapter and pub/sub both delivering, or both processes emitting) would arrive by now.
    await new Promise((r) => setTimeout(r, 400));
    expect(mine(onB.seen)).toEqual([{ id: first, status: 'in_review', stage: 'second', version: next, eventId: expect.any(Number) }]);
    expect(mine(onA.seen)).toHaveLength(1);
  });

  it('logout through A ends that session’s sockets on B, and only that session’s', async () => {
    const login = async () => {
      const res = await fetch(`${a.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'r2', password: PASSWORD }) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { token: string }).token;
    };
    const [leaving, staying] = await Promise.all([login(), login()]);
    const gone = await client(b, leaving);
    const goneToo = await client(a, leaving);
    const kept = await client(b, staying);

    expect((await call(a, leaving, 'POST', '/api/auth/logout', {})).status).toBe(200);
    await until('the logged-out socket on B to be ended', () => gone.seen.disconnect !== null);
    await until('the logged-out socket on A to be ended', () => goneToo.seen.disconnect !== null);
    expect(gone.seen).toMatchObject({ ended: 1, disconnect: 'io server disconnect' });
    expect(goneToo.seen).toMatchObject({ ended: 1, disconnect: 'io server disconnect' });
    await new Promise((r) => setTimeout(r, 300));
    expect(kept.socket.connected).toBe(true);
    expect(kept.seen.ended).toBe(0);
    // The ended session cannot come back.
    await expect(client(b, leaving)).rejects.toThrow('unauthenticated');
  });

  it('a claim made on A shows on B, is dropped when the draft moves on, and a new claim ends when the claimant’s socket drops', async () => {
    const claimant = await client(a, token('r1'));
    const observer = await client(b, token('prop'));
    const colleague = await client(b, token('r2'));

    const claimed = await call(a, token('r1'), 'POST', `/api/drafts/${second}/claim`, {});
    expect(claimed.status).toBe(200);
    expect(claimed.body.claim).toMatchObject({ by: { id: ctx.people.ids.r1, name: '测试r1' }, stage: 'first' });
    await until('the claim on B', () => latest(observer.seen, second)?.claim?.by.id === ctx.people.ids.r1);
    await until('the claim on B (colleague)', () => latest(colleague.seen, second)?.claim?.by.id === ctx.people.ids.r1);
    const listed = await call(b, token('r2'), 'GET', `/api/presence`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.find((p: DraftPresence) => p.draftId === second)?.claim?.by.name).toBe('测试r1');
    // Claiming again is idempotent; someone else eligible for the stage gets a conflict naming the claimant.
    expect((await call(b, token('r1'), 'POST', `/api/drafts/${second}/claim`, {})).status).toBe(200);
    const taken = await call(b, token('multi'), 'POST', `/api/drafts/${second}/claim`, {});
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('测试r1') });
    expect((await call(b, token('multi'), 'POST', `/api/drafts/${second}/unclaim`, {})).status).toBe(409);
    // A claim is a user action (audited) but not a state change (no version bump).
    const claimedEvents = await ctx.superuser<{ type: string; actor_id: string }>("SELECT type, actor_id FROM audit_events WHERE chain = 'security' AND draft_id = $1 ORDER BY seq", [second]);
    expect(claimedEvents).toEqual([{ type: 'draft.claimed', actor_id: ctx.people.ids.r1 }]);
    const version = (await call(a, token('r1'), 'GET', `/api/drafts/${second}`)).body.version as number;
    expect((await waitForDraft(ctx, 'r1', second, () => true)).version).toBe(version);

    // Approving moves the draft to 复审: the 初审 claim means nothing any more and disappears everywhere.
    const seqBefore = latest(observer.seen, second)!.seq;
    expect((await call(a, token('r1'), 'POST', `/api/drafts/${second}/decisions`, { stage: 'first', action: 'approve', comment: '同意', version })).status).toBe(200);
    await until('the stale claim to drop on B', () => (latest(observer.seen, second)?.seq ?? 0) > seqBefore && latest(observer.seen, second)?.claim === null);
    expect(observer.seen.presence.filter((p) => p.draftId === second && p.seq === latest(observer.seen, second)!.seq)).toHaveLength(1);

    // r2 claims at 复审 through B with their socket on B, then the socket drops: the claim goes (after the grace).
    const r2Claim = await call(b, token('r2'), 'POST', `/api/drafts/${second}/claim`, {});
    expect(r2Claim.status).toBe(200);
    await until('the 复审 claim on A', () => latest(claimant.seen, second)?.claim?.by.id === ctx.people.ids.r2);
    colleague.socket.disconnect();
    await until('the claim to expire with the socket', () => latest(claimant.seen, second)?.claim === null, 10_000);
    await until('the release on B too', () => latest(observer.seen, second)?.claim === null);
    const after = await call(a, token('prop'), 'GET', `/api/presence?draft=${second}`);
    expect(after.body.items[0]).toMatchObject({ draftId: second, claim: null });
  });

  it('viewers show on the other process, only to those who may read the draft, and leave with the socket', async () => {
    const viewer = await client(b, token('r2'));
    const observer = await client(a, token('prop'));
    const outsider = await client(a, token('foreign'));

    const joined = await join(viewer.socket, { draftId: first });
    expect(joined).toMatchObject({ ok: true, data: { draftId: first, viewers: [{ id: ctx.people.ids.r2, name: '测试r2' }], viewerCount: 1 } });
    await until('the viewer on A', () => latest(observer.seen, first)?.viewers.some((v) => v.id === ctx.people.ids.r2) === true);
    const onHttp = await call(a, token('r1'), 'GET', `/api/presence?draft=${first}`);
    expect(onHttp.body.items[0].viewers).toEqual([{ id: ctx.people.ids.r2, name: '测试r2' }]);

    // Someone from another unit may neither join nor list it, and is never told about it.
    expect(await join(outsider.socket, { draftId: first })).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    // …and the refusal is a security event, like a 403 over HTTP (written just after the answer).
    const socketDenials = async () =>
      (
        await ctx.superuser<{ data: { channel?: string; event?: string; input?: unknown } }>(
          "SELECT data FROM audit_events WHERE chain = 'security' AND type = 'access.denied' AND actor_id = $1 AND data->>'channel' = 'socket'",
          [ctx.people.ids.foreign],
        )
      ).map((r) => r.data);
    let denied = await socketDenials();
    for (let i = 0; i < 100 && denied.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      denied = await socketDenials();
    }
    expect(denied).toEqual([expect.objectContaining({ channel: 'socket', event: 'presence.join', input: { draftId: first } })]);
    expect((await call(a, token('foreign'), 'GET', `/api/presence?draft=${first}`)).status).toBe(403);
    expect((await call(a, token('foreign'), 'GET', `/api/presence`)).body.items).toEqual([]);
    // Bad input gets an error ack, never a crash.
    expect(await join(viewer.socket, { draftId: 'nope' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await join(viewer.socket, { draftId: first, extra: 1 })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await join(viewer.socket, 'x'.repeat(1000))).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await join(viewer.socket, { draftId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    viewer.socket.disconnect();
    await until('the viewer to leave on A', () => latest(observer.seen, first)?.viewerCount === 0);
    expect(outsider.seen.presence.filter((p) => p.draftId === first)).toEqual([]);
  });

  it('only a reviewer eligible at the current stage may claim; denials are audited', async () => {
    const fresh = await reviewable('认领权限测试稿件');
    const denied = async (user: string, code: string, status: number) => {
      const res = await call(b, token(user), 'POST', `/api/drafts/${fresh}/claim`, {});
      expect({ user, status: res.status, code: res.body.error?.code }).toEqual({ user, status, code });
    };
    await denied('editor', 'forbidden', 403); // the author; and no reviewer role
    await denied('r2', 'forbidden', 403); // 复审 role, draft at 初审
    await denied('temp', 'forbidden', 403); // not 在编 staff
    await denied('foreign', 'forbidden', 403); // another unit's draft
    await denied('prop', 'forbidden', 403); // 宣传部 acts only at its own stage
    expect((await call(b, token('r1'), 'POST', `/api/drafts/${fresh}/claim`, { stage: 'final' })).status).toBe(400);
    expect((await call(b, token('r1'), 'POST', `/api/drafts/00000000-0000-4000-8000-000000000000/claim`, {})).status).toBe(404);
    // A draft that is not under review cannot be claimed.
    const v = (await call(a, token('editor'), 'GET', `/api/drafts/${fresh}`)).body.version as number;
    expect((await call(a, token('editor'), 'POST', `/api/drafts/${fresh}/withdraw`, { version: v })).status).toBe(200);
    const closed = await call(b, token('r1'), 'POST', `/api/drafts/${fresh}/claim`, {});
    expect(closed).toMatchObject({ status: 409, body: { error: { code: 'invalid_transition' } } });

    const audited = await ctx.superuser<{ actor_id: string }>("SELECT actor_id FROM audit_events WHERE chain = 'security' AND type = 'access.denied' AND data->>'path' = $1", [
      `/api/drafts/${fresh}/claim`,
    ]);
    expect(new Set(audited.map((r) => r.actor_id))).toEqual(new Set(['editor', 'r2', 'temp', 'foreign', 'prop'].map((u) => ctx.people.ids[u])));
  });
});
