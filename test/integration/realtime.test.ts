import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { createSocketServer } from '../../src/realtime/socket-server';
import { createTestContext, draftBody, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
let server: Server;
let base: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ worker: true, accounts: ['editor', 'r1', 'foreign', 'prop'] });
  server = createServer(ctx.app);
  const realtime = createSocketServer(server, { db: ctx.runtime.deps.db, idleMinutes: 30, allowedOrigins: null });
  await ctx.runtime.events.attach(realtime.broadcast, null);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await new Promise((done) => server.close(done));
  await ctx?.close();
});

function open(options: { token?: string; origin?: string }): Socket {
  const socket = connect(base, {
    transports: ['websocket'],
    reconnection: false,
    auth: options.token ? { token: options.token } : {},
    extraHeaders: options.origin ? { Origin: options.origin } : {},
  });
  sockets.push(socket);
  return socket;
}

const outcome = (socket: Socket) =>
  new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error) => resolve(`refused: ${error.message}`));
  });

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
