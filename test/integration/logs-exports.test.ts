/**
 * Exports and logs (GUARANTEES 13, 15, 16). The exported trail neutralises spreadsheet formulas in every column
 * (reliability.test.ts has the first case: a title and a comment); the request log cannot be forged with line
 * breaks, whatever the path, query, headers or body carry.
 */
import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/http/app';
import { answerClientErrors } from '../../src/http/client-errors';
import { createUser } from '../../src/services/admin.service';
import { login } from '../../src/services/auth.service';
import { currentRevision, decide, draftIn } from '../helpers/draft-states';
import { createTestContext, PASSWORD, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'r2', 'auditor', 'admin'] });
});
afterAll(async () => {
  await ctx?.close();
});

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

describe('CSV export of a trail', () => {
  it('neutralises formulas in every column, whoever typed them', async () => {
    // A reviewer whose display name is a formula, comments and statements that start with each trigger.
    await createUser(ctx.runtime.deps.db, null, {
      username: 'r1x',
      displayName: '=HYPERLINK("http://evil.example","点我")',
      staffId: 'S-r1x',
      isStaff: true,
      roles: ['reviewer1'],
      unitId: ctx.people.unitId,
      password: PASSWORD,
    });
    const r1x = (await login(ctx.runtime.deps.db, { username: 'r1x', password: PASSWORD, ip: '127.0.0.1', absoluteHours: 1 })).token;
    const draft = await draftIn(ctx, 'first', { title: '+1+cmd|/C calc!A0' });
    const returned = await request(ctx.app)
      .post(`/api/drafts/${draft.id}/decisions`)
      .set('Authorization', `Bearer ${r1x}`)
      .send({ stage: 'first', action: 'return', comment: '\t=1+1', version: (await currentRevision(ctx, draft.id)).version });
    expect(returned.status).toBe(200);
    const resubmitted = await ctx.api('editor').post(`/api/drafts/${draft.id}/resubmit`, { statement: '-2+3+cmd|/C calc!A0', version: (await currentRevision(ctx, draft.id)).version });
    expect(resubmitted.status).toBe(200);
    await decide(ctx, 'r1', draft.id, 'first', 'return');
    const withdrawn = await ctx.api('editor').post(`/api/drafts/${draft.id}/withdraw`, { reason: '@SUM(A1:A9)', version: (await currentRevision(ctx, draft.id)).version });
    expect(withdrawn.status).toBe(200);

    const csv = await ctx.api('auditor').get(`/api/drafts/${draft.id}/trail?format=csv`);
    expect(csv.status).toBe(200);
    const rows = parseCsv(csv.text.replace(/^\uFEFF/, ''));
    expect(rows.length).toBeGreaterThan(5);
    const cells = rows.flat();
    const triggers = cells.filter((c) => /^[=+\-@\t\r]/.test(c));
    expect(triggers).toEqual([]);
    // The text is still there, only marked as text.
    for (const typed of ['=HYPERLINK("http://evil.example","点我")（r1x）', '\t=1+1', '-2+3+cmd|/C calc!A0', '@SUM(A1:A9)']) expect(cells).toContain(`'${typed}`);
  });
});

describe('request log', () => {
  it('keeps one JSON record per line whatever a request carries', async () => {
    const lines: string[] = [];
    let buffered = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        buffered += chunk.toString('utf8');
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        lines.push(...parts);
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const app = createApp({ ...ctx.runtime.deps, logger, checkpoints: ctx.checkpoints, health: ctx.runtime.health });
    const server: Server = createServer(app);
    answerClientErrors(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const forged = '{"level":60,"time":0,"msg":"forged","req":{"path":"/api/admin/users"}}';
    try {
      const sent = [
        request(server).get(`/api/drafts/${encodeURIComponent(`x\r\n${forged}`)}`),
        request(server).get(`/api/drafts?text=${encodeURIComponent(`\r\n${forged}\n`)}`),
        request(server).get(`/api/${encodeURIComponent('\u2028\u2029')}${encodeURIComponent(forged)}`),
        request(server)
          .post('/api/auth/login')
          .send({ username: `admin\r\n${forged}`, password: `x\n${forged}` }),
        request(server).get('/api/auth/me').set('User-Agent', `agent\t${forged}`).set('Authorization', `Bearer ${ctx.people.tokens.editor}`),
        request(server)
          .post('/api/drafts')
          .set('Authorization', `Bearer ${ctx.people.tokens.editor}`)
          .send({ title: `t\r\n${forged}`, body: 'b', platformId: ctx.people.platformId }),
      ];
      for (const r of sent) expect((await r).status).toBeLessThan(500);
      // A raw request line with line breaks never reaches the app: Node's parser refuses it with a JSON 400.
      const raw = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(`GET /api/health\r\n${forged}\r\n HTTP/1.1\r\nHost: x\r\n\r\n`));
        let answer = '';
        socket.on('data', (d) => (answer += d.toString()));
        socket.on('close', () => resolve(answer));
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400/);
      expect(raw).toContain('"code":"bad_request"');
    } finally {
      await new Promise((done) => server.close(done));
    }
    await new Promise((r) => setImmediate(r));
    expect(buffered).toBe('');
    const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string; req?: { path: string } });
    expect(records.some((r) => r.msg === 'forged' || r.level === 60)).toBe(false);
    // One record per request that reached the app, each naming its own (still encoded) path.
    const completed = records.filter((r) => r.msg === 'request completed' || r.msg === 'request errored');
    expect(completed).toHaveLength(6);
    expect(completed[0]!.req!.path).toBe(`/api/drafts/${encodeURIComponent(`x\r\n${forged}`)}`);
    expect(lines.join('\n')).not.toContain('Test-Pass');
  });
});
