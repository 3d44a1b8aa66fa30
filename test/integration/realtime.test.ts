import request from 'supertest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { createRedis } from '../../src/queue/connections';
import { createDraftEvents } from '../../src/realtime/draft-events';
import { createPresenceHub } from '../../src/realtime/presence';
import { createSocketServer, type SocketServer } from '../../src/realtime/socket-server';
import { createApp } from '../../src/http/app';
import { createUser } from '../../src/services/admin.service';
import { sessionIdOf } from '../../src/services/auth.service';
import { createTestContext, draftBody, PASSWORD, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
let server: Server;
let base: string;
let realtime: SocketServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ worker: true, accounts: ['editor', 'r1', 'r2', 'foreign', 'prop'] });
  server = createServer(ctx.app);
  // Sessions are re-checked every 200 ms here (30 s in production) so expiry shows quickly.
  realtime = createSocketServer(server, { db: ctx.runtime.deps.db, idleMinutes: 30, allowedOrigins: null, revalidateMs: 200 });
  await ctx.runtime.events.attach(realtime.broadcast, null);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await new Promise((done) => server.close(done));
  await ctx?.close();
});

function open(options: { token?: string; origin?: string; url?: string }): Socket {
  const socket = connect(options.url ?? base, {
    transports: ['websocket'],
    reconnection: false,
    auth: options.token ? { token: options.token } : {},
    extraHeaders: options.origin ? { Origin: options.origin } : {},
  });
  sockets.push(socket);
  // Listen from the start: a socket may connect while the test is still awaiting another one.
  outcomes.set(
    socket,
    new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (error) => resolve(`refused: ${error.message}`));
    }),
  );
  return socket;
}

const outcomes = new WeakMap<Socket, Promise<string>>();
const outcome = (socket: Socket) => outcomes.get(socket)!;

describe('live socket', () => {
  it('refuses a handshake without a live session', async () => {
    expect(await outcome(open({}))).toBe('refused: unauthenticated');
    expect(await outcome(open({ token: 'forged' }))).toBe('refused: unauthenticated');
  });

  it('refuses a foreign Origin', async () => {
    expect(await outcome(open({ token: ctx.people.tokens.r1, origin: 'https://evil.example' }))).toMatch(/^refused/);
    expect(await outcome(open({ token: ctx.people.tokens.r1, origin: base }))).toBe('connected');
  });

  it('pushes committed changes to the draft unit and the school, and to no other unit', async () => {
    const reviewer = open({ token: ctx.people.tokens.r1 });
    const office = open({ token: ctx.people.tokens.prop });
    const outsider = open({ token: ctx.people.tokens.foreign });
    await Promise.all([outcome(reviewer), outcome(office), outcome(outsider)]);
    const seen = { reviewer: [] as Array<{ id: string; status: string; version: number }>, office: [] as unknown[], outsider: [] as unknown[] };
    reviewer.on('draft.changed', (e) => seen.reviewer.push(e));
    office.on('draft.changed', (e) => seen.office.push(e));
    outsider.on('draft.changed', (e) => seen.outsider.push(e));

    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx));
    expect(res.status).toBe(201);
    const deadline = Date.now() + 10_000;
    while (!seen.reviewer.some((e) => e.id === res.body.id && e.status === 'in_review') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const mine = seen.reviewer.filter((e) => e.id === res.body.id);
    expect(mine[0]).toMatchObject({ id: res.body.id, status: 'checking', version: 1 });
    expect(mine.at(-1)).toMatchObject({ status: 'in_review', stage: 'first' });
    // A push only ever announces a committed version: what the API returns is at least as new.
    const now = await ctx.api('r1').get(`/api/drafts/${res.body.id}`);
    expect(now.body.version).toBeGreaterThanOrEqual(mine.at(-1)!.version);
    expect(seen.office.length).toBeGreaterThan(0);
    expect(seen.outsider).toEqual([]);
  });
});

describe('client messages are bounded', () => {
  it('a message over the size limit closes that socket and nothing else; a flood gets rate_limited acks', async () => {
    const big = open({ token: ctx.people.tokens.r1 });
    const small = open({ token: ctx.people.tokens.r1 });
    expect(await outcome(big)).toBe('connected');
    expect(await outcome(small)).toBe('connected');
    const closed = new Promise<string>((resolve) => big.once('disconnect', (reason) => resolve(reason)));
    big.emit('presence.join', { draftId: 'x'.repeat(20_000) });
    expect(await closed).toBe('transport close');
    expect(small.connected).toBe(true);

    const replies = await Promise.all(Array.from({ length: 40 }, () => small.timeout(5_000).emitWithAck('presence.leave', { draftId: ctx.people.unitId })));
    const codes = replies.map((r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code));
    expect(codes.filter((c) => c === 'rate_limited').length).toBe(10);
    expect(small.connected).toBe(true);
  });
});

describe('a live socket follows its session', () => {
  const login = async (username: string) => {
    const res = await request(ctx.app).post('/api/auth/login').send({ username, password: PASSWORD });
    expect(res.status).toBe(200);
    return res.body.token as string;
  };
  const watch = async (token: string) => {
    const socket = open({ token });
    const seen = { ended: 0, disconnect: null as string | null };
    socket.on('session.ended', () => seen.ended++);
    socket.on('disconnect', (reason) => (seen.disconnect = reason));
    expect(await outcome(socket)).toBe('connected');
    return { socket, seen };
  };
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  };
  const setSession = (token: string, assignment: string) => ctx.superuser(`UPDATE sessions SET ${assignment} WHERE id = $1`, [sessionIdOf(token)]);

  it('is ended when its session passes its absolute expiry', async () => {
    const token = await login('r1');
    const { seen } = await watch(token);
    await setSession(token, "expires_at = now() - interval '1 second'");
    await until(() => seen.disconnect !== null);
    expect(seen).toEqual({ ended: 1, disconnect: 'io server disconnect' });
  });

  it('is ended when its session has been idle too long, and does not itself keep the session alive', async () => {
    const idle = await login('r1');
    const busy = await login('r1');
    const a = await watch(idle);
    const b = await watch(busy);
    await setSession(idle, "last_seen_at = now() - interval '31 minutes'");
    await setSession(busy, "last_seen_at = now() - interval '20 minutes'");
    await until(() => a.seen.disconnect !== null);
    expect(a.seen).toEqual({ ended: 1, disconnect: 'io server disconnect' });
    // Several re-checks later the other socket is still up and its session's idle clock has not moved.
    await new Promise((r) => setTimeout(r, 600));
    expect(b.socket.connected).toBe(true);
    const [row] = await ctx.superuser<{ idle: number }>('SELECT extract(epoch FROM now() - last_seen_at)::int AS idle FROM sessions WHERE id = $1', [sessionIdOf(busy)]);
    expect(row!.idle).toBeGreaterThanOrEqual(20 * 60);
  });

  it('is ended when an admin revokes the user’s sessions or disables the account (issue 10 item 8)', async () => {
    // The admin API wired to this socket server, as main.ts wires it (onLogout → endSessions).
    const adminApp = createApp({ ...ctx.runtime.deps, checkpoints: ctx.checkpoints, health: ctx.runtime.health, onLogout: (userId) => realtime.endSessions(userId) });
    await createUser(ctx.runtime.deps.db, null, { username: 'rt-admin', displayName: '管理员', isStaff: true, roles: ['admin'], password: PASSWORD });
    const adminToken = await login('rt-admin');
    for (const action of ['revoke-sessions', 'disable']) {
      const token = await login('foreign');
      const { seen } = await watch(token);
      const res = await request(adminApp)
        .post(`/api/admin/users/${ctx.people.ids.foreign}/${action}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .send(action === 'disable' ? { reason: '离职' } : {});
      expect(res.status).toBe(200);
      expect((await request(ctx.app).get('/api/auth/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
      await until(() => seen.disconnect !== null);
      expect(seen).toEqual({ ended: 1, disconnect: 'io server disconnect' });
    }
    await request(adminApp).post(`/api/admin/users/${ctx.people.ids.foreign}/enable`).set('Authorization', `Bearer ${adminToken}`).send({});
  });

  it('reconnects to new rooms after a role change (the session stays)', async () => {
    const token = await login('r2');
    const { seen } = await watch(token);
    await ctx.superuser("UPDATE users SET roles = '{reviewer3}' WHERE id = $1", [ctx.people.ids.r2]);
    await until(() => seen.disconnect !== null);
    expect(seen).toEqual({ ended: 0, disconnect: 'io server disconnect' });
    expect(await outcome(open({ token }))).toBe('connected');
  });
});

describe('with Redis unreachable', () => {
  let down: Server;
  let downBase: string;
  let realtime: SocketServer;
  let redis: ReturnType<typeof createRedis>;
  const dead = 'redis://127.0.0.1:1';
  beforeAll(async () => {
    down = createServer(ctx.app);
    redis = createRedis(dead, 'producer');
    const presence = createPresenceHub({ redis, prefix: `${ctx.prefix}down`, db: ctx.runtime.deps.db, logger: pino({ level: 'silent' }) });
    realtime = createSocketServer(down, { db: ctx.runtime.deps.db, idleMinutes: 30, allowedOrigins: null, redis: { url: dead, prefix: `${ctx.prefix}down` }, presence });
    await new Promise<void>((done) => down.listen(0, '127.0.0.1', done));
    downBase = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await realtime.close();
    redis.disconnect();
  });

  it('starts, accepts sockets and pushes to them; presence answers unavailable; nothing spins', async () => {
    // Start-up does not wait for a subscription Redis cannot answer.
    const events = createDraftEvents(null);
    const subscriber = createRedis(dead, 'subscriber');
    const started = Date.now();
    await events.attach(() => undefined, subscriber);
    expect(Date.now() - started).toBeLessThan(10_000);
    subscriber.disconnect();

    const socket = open({ url: downBase, token: ctx.people.tokens.r1 });
    expect(await outcome(socket)).toBe('connected');
    const got: unknown[] = [];
    socket.on('draft.changed', (e) => got.push(e));
    realtime.broadcast({ id: '00000000-0000-4000-8000-000000000001', unitId: ctx.people.unitId, status: 'in_review', stage: 'first', version: 2, eventId: 1 });
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(1);
    const draft = await ctx.api('editor').post('/api/drafts', draftBody(ctx));
    const ack = await socket.timeout(5_000).emitWithAck('presence.join', { draftId: draft.body.id });
    expect(ack).toMatchObject({ ok: false, error: { code: 'service_unavailable' } });

    // The adapter's read loop waits for Redis instead of retrying in a tight loop.
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1_000));
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1_000).toBeLessThan(500);
  });
});
