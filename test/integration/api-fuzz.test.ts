import { BIDI_CONTROLS, canonicalise } from '../../src/shared/document/canonicalise';
/**
 * Property-based fuzzing of every endpoint in the OpenAPI document (GUARANTEES 14): bodies, queries and path
 * parameters generated from each endpoint's own schema, then bent (wrong types, privileged and prototype keys,
 * dropped fields, hostile strings, malformed encodings). Properties: never a 5xx; every error is the JSON error
 * shape; a rejected request changes nothing; a draft is acknowledged (201) only when the submission is valid.
 * Each endpoint group runs for a bounded time.
 */
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { sql } from 'drizzle-orm';
import { answerClientErrors } from '../../src/http/client-errors';
import { createUser } from '../../src/services/admin.service';
import { currentRevision, draftIn, stateSnapshot } from '../helpers/draft-states';
import { createTestContext, type TestContext } from '../helpers/test-context';

/** Wall-clock budget per endpoint group (fast-check stops early and passes when it runs out). */
const GROUP_MS = 1_000;

type Json = any;
interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  parameters: Array<{ name: string; in: string; schema: Json; required?: boolean }>;
  body?: Json;
}
interface FuzzRequest {
  op: Operation;
  path: string;
  query: string;
  body: { raw: string } | { json: unknown } | undefined;
  contentType: string;
}

let ctx: TestContext;
let server: Server;
let base: string;
let doc: Json;
let operations: Operation[] = [];
const real: Record<string, string> = {};

beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'prop', 'admin', 'auditor'] });
  server = createServer(ctx.app);
  answerClientErrors(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  doc = (await request(base).get('/api/openapi.json')).body;
  operations = Object.entries<Json>(doc.paths).flatMap(([path, ops]) =>
    Object.entries<Json>(ops).map(([method, op]) => ({
      method: method as Operation['method'],
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content?.['application/json']?.schema,
    })),
  );
  // Real ids, so generated requests reach the code behind validation: a draft at 初审 with a blocking finding
  // waiting to be waived, a mark on it, and a 回溯检查.
  const draft = await draftIn(ctx, 'blocked_review');
  real.id = draft.id;
  real.revisionId = (await currentRevision(ctx, draft.id)).revisionId;
  const finding = await ctx.runtime.deps.db.execute<{ id: string }>(sql`SELECT id FROM findings WHERE draft_id = ${draft.id} LIMIT 1`);
  real.fid = finding.rows[0]!.id;
  const mark = await ctx.api('r1').post(`/api/drafts/${draft.id}/marks`, { revisionId: real.revisionId, start: 0, end: 2, replacement: '本校' });
  real.mid = mark.body.id;
  const rescan = await ctx.api('admin').post('/api/admin/dictionaries/sensitive.politics/terms', { terms: [{ term: '模糊测试词' }] });
  real.rescan = rescan.body.rescanId;
  // 备案 filings are fuzzed on an application of their own (the platforms drafts go to stay registered).
  const application = await ctx.api('prop').post('/api/registry/applications', {
    name: '模糊测试账号',
    kind: 'wechat',
    level: 'unit',
    unitId: ctx.people.unitId,
    accountName: '模糊',
    accountId: 'gh_fuzz',
    responsibleId: ctx.people.ids.r1,
    admins: [{ userId: ctx.people.ids.r1, phone: '13800138000' }],
    positioning: '测试',
    openedOn: '2024-09-01',
  });
  if (application.status !== 201) throw new Error(`apply: ${application.status} ${JSON.stringify(application.body)}`);
  real.platform = application.body.id;
  real.filing = application.body.filings[0].id;
  // Role changes are fuzzed on an account nobody else here uses.
  real.user = (await createUser(ctx.runtime.deps.db, null, { username: 'fuzzed', displayName: '模糊测试', isStaff: false, roles: [], password: 'Fuzz-Pass-2026!' })).id;
});
afterAll(async () => {
  if (server) await new Promise((done) => server.close(done));
  await ctx?.close();
});

// ------------------------------------------------------------------------------------------ generators

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff标题',
  '法\u200b轮\u200d功',
  '\u202e功轮法',
  '<script>alert(1)</script>',
  "=cmd|' /C calc'!A0",
  '../../etc/passwd',
  '%00',
  '\r\n{"level":60,"msg":"forged"}',
  '𠀀𠀁',
  '１２３',
  'x'.repeat(70_000),
];
const PRIVILEGED_KEYS = ['status', 'stage', 'approvals', 'version', 'authorId', 'createdBy', 'id', 'unitId', 'round', 'releasedHash', 'roles', 'isAdmin'];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

const hostileString = fc.constantFrom(...HOSTILE_STRINGS);
const anyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), hostileString);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  anyString,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.jsonValue({ maxDepth: 3 }),
);

function resolve(schema: Json): Json {
  let s = schema;
  for (let i = 0; s?.$ref && i < 10; i++) s = doc.components.schemas[String(s.$ref).split('/').pop()!];
  return s ?? {};
}

/** Values for a named field: real ids where the API expects them, so requests get past "not found". */
function namedValue(name: string): fc.Arbitrary<unknown> | undefined {
  if (name === 'platformId') return fc.constantFrom(ctx.people.platformId, ctx.people.schoolPlatformId, ctx.people.otherPlatformId);
  if (name === 'unitId' || name === 'unit') return fc.constantFrom(ctx.people.unitId, ctx.people.otherUnitId);
  if (name === 'revisionId') return fc.constant(real.revisionId);
  if (name === 'findingId') return fc.constant(real.fid);
  return undefined;
}

/** A value that follows the schema most of the time and strays from it often enough to matter. */
function fromSchema(raw: Json, name = '', depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(raw);
  const alternatives = schema.oneOf ?? schema.anyOf;
  const valid = (() => {
    if (alternatives) return fc.oneof(...alternatives.map((s: Json) => fromSchema(s, name, depth)));
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const named = namedValue(name);
    switch (schema.type) {
      case 'object': {
        const props = Object.entries<Json>(schema.properties ?? {});
        if (depth > 4 || props.length === 0) return fc.constant({});
        const model = Object.fromEntries(props.map(([k, s]) => [k, fromSchema(s, k, depth + 1)]));
        return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k: string) => k in model) });
      }
      case 'array':
        return fc.array(fromSchema(schema.items ?? {}, name, depth + 1), { maxLength: Math.min(schema.maxItems ?? 3, 3) });
      case 'integer':
        // Bounded near the minimum (a year's range starts at 2000).
        return fc.integer({ min: schema.minimum ?? -5, max: Math.min(schema.maximum ?? 1_000, Math.max(1_000, (schema.minimum ?? 0) + 1_000)) });
      case 'number':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'string':
        if (named) return named;
        if (schema.format === 'uuid') return fc.uuid();
        if (schema.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date(2000, 0, 1), max: new Date(2100, 0, 1) }).map((d) => d.toISOString());
        if (schema.format === 'date') return fc.constantFrom('2026-01-01', '2026-13-40', '0000-00-00');
        return fc.string({ minLength: 1, maxLength: Math.min(schema.maxLength ?? 40, 40) });
      default:
        return junk;
    }
  })();
  // Boundary breakers for the type at hand.
  const breakers: fc.Arbitrary<unknown>[] = [junk];
  if (schema.type === 'string') breakers.push(hostileString, fc.constant('y'.repeat((schema.maxLength ?? 1_000) + 1)));
  if (schema.type === 'integer') breakers.push(fc.constantFrom(-1, 0, 1.5, 2 ** 31, 2 ** 53 + 1, 1e21, -0));
  return fc.oneof({ weight: 5, arbitrary: valid }, ...breakers.map((b) => ({ weight: 1, arbitrary: b })));
}

/** Bends an object: privileged or prototype keys, a dropped field, a wrong-typed field. */
const bent = (value: fc.Arbitrary<unknown>) =>
  fc
    .tuple(value, fc.constantFrom('none', 'privileged', 'proto', 'drop', 'retype'), fc.constantFrom(...PRIVILEGED_KEYS), fc.constantFrom(...PROTO_KEYS), junk, fc.nat())
    .map(([v, how, key, proto, j, n]) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return JSON.stringify(v) ?? 'null';
      const entries = Object.entries(v);
      if (how === 'privileged') entries.push([key, j]);
      if (how === 'drop' && entries.length > 0) entries.splice(n % entries.length, 1);
      if (how === 'retype' && entries.length > 0) entries[n % entries.length]![1] = j;
      // Written by hand: JSON.stringify would drop a `__proto__` key and cannot repeat one.
      const body = entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x) ?? 'null'}`);
      if (how === 'proto') body.push(`${JSON.stringify(proto)}:{"isAdmin":true,"roles":["admin"]}`);
      return `{${body.join(',')}}`;
    });

const RAW_BODIES = ['{"title": ', '[]', 'null', '"text"', '1e999', '{"a":1,"a":2}', `{${'"a":{'.repeat(2_000)}1${'}'.repeat(2_000)}}`, '\ufeff{}', '{"title":"\\ud800"}'];

function bodyArb(op: Operation): fc.Arbitrary<FuzzRequest['body']> {
  const raw = fc.constantFrom(...RAW_BODIES).map((r) => ({ raw: r }));
  if (!op.body)
    return fc.oneof(
      fc.constant(undefined),
      raw,
      junk.map((j) => ({ json: j })),
    );
  return fc.oneof({ weight: 6, arbitrary: bent(fromSchema(op.body)).map((r) => ({ raw: r })) }, { weight: 1, arbitrary: raw }, { weight: 1, arbitrary: junk.map((j) => ({ json: j })) });
}

/** Percent-encodes what a URL can carry (lone surrogates have no UTF-8 form; the raw lists cover invalid bytes). */
const encode = (s: string) => encodeURIComponent(s.toWellFormed());

const RAW_SEGMENTS = ['%', '%E0%A4%A', '%ZZ', '%00', '..', '%2e%2e', '%2F', 'null', 'undefined', '-1', '0', '1e9', 'a'.repeat(2_000), '%F0%9F%98', '%C0%AF', '%ED%A0%80'];

function segmentArb(name: string, op: Operation): fc.Arbitrary<string> {
  const known =
    name === 'id' && op.path.startsWith('/api/admin/rescans')
      ? real.rescan
      : name === 'id' && op.path.startsWith('/api/admin/users')
        ? real.user
        : name === 'id' && op.path.startsWith('/api/registry/platforms')
          ? real.platform
          : name === 'id' && op.path.startsWith('/api/registry/filings')
            ? real.filing
            : real[name];
  const fuzz = fc.oneof(fc.uuid(), fc.string({ maxLength: 30 }).map(encode), fc.constantFrom(...RAW_SEGMENTS));
  if (name === 'category') return fc.oneof(fc.constantFrom('whitelist', 'sensitive.politics', 'proofreading.pairs', 'cooccurrence'), fuzz);
  return known ? fc.oneof({ weight: 3, arbitrary: fc.constant(known) }, { weight: 2, arbitrary: fuzz }) : fuzz;
}

function queryArb(op: Operation): fc.Arbitrary<string> {
  const declared = op.parameters.filter((p) => p.in === 'query');
  const pair = (name: string, value: fc.Arbitrary<unknown>) =>
    fc.tuple(value, fc.boolean()).map(([v, raw]) => `${name}=${raw && typeof v === 'string' ? v.replace(/[&#\s]/g, '') : encode(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))}`);
  const parts = declared.map((p) => fc.option(pair(p.name, fromSchema(p.schema, p.name)), { nil: undefined }));
  const extra = fc.option(
    fc.oneof(
      pair('status', junk),
      pair('__proto__', junk),
      pair(declared[0]?.name ?? 'x', junk),
      fc.constantFrom('%', 'a=%E0%A4%A', 'text=%ED%A0%80', 'text=%00', '&&&', '=', 'page[]=1', 'page=1&page=2'),
    ),
    { nil: undefined },
  );
  return fc.tuple(fc.tuple(...parts), extra).map(([ps, x]) => [...ps, x].filter((p): p is string => p !== undefined).join('&'));
}

function requestArb(op: Operation): fc.Arbitrary<FuzzRequest> {
  const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return fc
    .tuple(
      fc.tuple(...names.map((n) => segmentArb(n, op))),
      queryArb(op),
      bodyArb(op),
      fc.constantFrom('application/json', 'application/json', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded'),
    )
    .map(([segments, query, body, contentType]) => ({
      op,
      path: names.reduce((p, n, i) => p.replace(`{${n}}`, segments[i]!), op.path),
      query,
      body,
      contentType,
    }));
}

// ------------------------------------------------------------------------------------------ properties

/** Who sends a group's requests: someone the endpoint would serve, so validation (not the role check) decides. */
function actorFor(op: Operation): string | null {
  const p = op.path;
  if (p === '/api/auth/login') return null;
  if (p.startsWith('/api/admin') || p === '/api/dashboards' || p.endsWith('/checks/retry')) return 'admin';
  if (op.method === 'get') return 'auditor';
  if (p.startsWith('/api/registry')) return 'prop';
  if (/\/(revisions|resubmit|withdraw|release)$/.test(p) || p === '/api/drafts') return 'editor';
  if (p.endsWith('/corrections')) return 'prop';
  return 'r1';
}

async function fire(req: FuzzRequest): Promise<request.Response> {
  const actor = actorFor(req.op);
  const url = req.query ? `${req.path}?${req.query}` : req.path;
  let test = request(base)[req.op.method](url).set('Content-Type', req.contentType);
  if (actor) test = test.set('Authorization', `Bearer ${ctx.people.tokens[actor]}`);
  if (req.body === undefined) return test;
  return test.send('raw' in req.body ? req.body.raw : JSON.stringify(req.body.json));
}

const problems: string[] = [];

/** Records what is wrong instead of failing at once, so one run reports every kind of problem it met. */
async function checkOne(req: FuzzRequest): Promise<boolean> {
  const before = await stateSnapshot(ctx);
  const res = await fire(req);
  const what = `${req.op.method.toUpperCase()} ${req.path.slice(0, 120)}?${req.query.slice(0, 120)} body=${String(JSON.stringify(req.body)).slice(0, 200)} (${req.contentType})`;
  if (res.status >= 500) {
    problems.push(`${what} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return true;
  }
  if (res.status >= 400) {
    const error = res.body?.error;
    if (typeof error?.code !== 'string' || typeof error?.message !== 'string') {
      problems.push(`${what} → ${res.status} without the JSON error shape: ${res.text.slice(0, 200)}`);
      return true;
    }
    const after = await stateSnapshot(ctx);
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      problems.push(`${what} → ${res.status} ${error.code} yet changed state ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
      return true;
    }
  }
  return true;
}

const GROUPS: Array<[string, (op: Operation) => boolean]> = [
  ['auth', (op) => op.path.startsWith('/api/auth') && op.path !== '/api/auth/logout'],
  ['draft reads', (op) => op.path.startsWith('/api/drafts') && op.method === 'get'],
  ['draft actions', (op) => op.path.startsWith('/api/drafts/') && op.method !== 'get'],
  ['submission', (op) => op.path === '/api/drafts' && op.method === 'post'],
  ['administration', (op) => op.path.startsWith('/api/admin/') && !op.path.startsWith('/api/admin/dictionaries')],
  ['dictionaries', (op) => op.path.startsWith('/api/admin/dictionaries')],
  ['board, presence, dashboards', (op) => ['/api/board', '/api/presence', '/api/dashboards'].includes(op.path)],
  ['notifications', (op) => op.path.startsWith('/api/notifications') || op.path.startsWith('/api/me/')],
  ['registry and reports', (op) => op.path.startsWith('/api/registry') || op.path.startsWith('/api/reports')],
  ['media', (op) => op.path.startsWith('/api/media')],
];

describe('API fuzzing', () => {
  it('puts every endpoint in a group (logout has no input and would end the fuzzing session)', () => {
    const ungrouped = operations.filter((op) => op.path !== '/api/auth/logout' && !GROUPS.some(([, member]) => member(op)));
    expect(ungrouped.map((op) => `${op.method} ${op.path}`)).toEqual([]);
  });

  it.each(GROUPS)('%s: no 5xx, JSON errors, and a rejected request changes nothing', async (_group, member) => {
    const ops = operations.filter(member);
    expect(ops.length).toBeGreaterThan(0);
    problems.length = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(...ops.map(requestArb)), (req) => checkOne(req)),
      { numRuns: 10_000, interruptAfterTimeLimit: GROUP_MS },
    );
    expect([...new Set(problems)].slice(0, 20)).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------ submissions

/** The submission contract, written out independently of the server's schema. */
function isValidSubmission(body: unknown, platforms: string[]): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  const allowed = new Set(['platformId', 'major', 'title', 'body', 'format', 'origin', 'assets']);
  if (Object.keys(b).some((k) => !allowed.has(k))) return false;
  const clean = (s: unknown, max: number) => typeof s === 'string' && s.length <= max && s.trim() !== '' && s.isWellFormed() && !s.includes('\u0000');
  if (!platforms.includes(b.platformId as string)) return false;
  if (!clean(b.title, 500) || !clean(b.body, 500_000)) return false;
  if (b.major !== undefined && typeof b.major !== 'boolean') return false;
  if (b.format !== undefined && !['markdown', 'html', 'text'].includes(b.format as string)) return false;
  if (b.origin !== undefined && (typeof b.origin !== 'object' || b.origin === null || !['original', 'repost', 'adapted'].includes((b.origin as { kind?: string }).kind ?? ''))) return false;
  if (b.assets !== undefined && !Array.isArray(b.assets)) return false;
  return true;
}

describe('submissions', () => {
  const valid = fc.record(
    {
      platformId: fc.constantFrom('U', 'S'),
      title: fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim() !== ''),
      body: fc.string({ minLength: 1, maxLength: 300 }).filter((s) => s.trim() !== ''),
      format: fc.constantFrom('markdown', 'html', 'text'),
      major: fc.boolean(),
    },
    { requiredKeys: ['platformId', 'title', 'body'] },
  );
  const INVALIDATE: Record<string, (b: Record<string, unknown>, extra: unknown) => Record<string, unknown>> = {
    privileged: (b, x) => ({ ...b, [PRIVILEGED_KEYS[Math.abs(String(x).length) % PRIVILEGED_KEYS.length]!]: x ?? 'approved' }),
    blankTitle: (b) => ({ ...b, title: '  \u3000 ' }),
    longTitle: (b) => ({ ...b, title: '标'.repeat(501) }),
    nulInBody: (b) => ({ ...b, body: `${String(b.body)}\u0000` }),
    loneSurrogate: (b) => ({ ...b, title: `${String(b.title)}\udc00` }),
    badFormat: (b) => ({ ...b, format: 'pdf' }),
    badOrigin: (b) => ({ ...b, origin: { kind: 'stolen' } }),
    wrongType: (b, x) => ({ ...b, body: typeof x === 'string' ? 42 : x }),
    missingBody: ({ body: _b, ...rest }) => rest,
    unknownPlatform: (b) => ({ ...b, platformId: '00000000-0000-4000-8000-000000000000' }),
    otherUnitsPlatform: (b) => ({ ...b, platformId: ctx.people.otherPlatformId }),
  };
  const platformOf = (p: unknown) => (p === 'U' ? ctx.people.platformId : p === 'S' ? ctx.people.schoolPlatformId : p);

  it('acknowledges a valid submission with exactly the content sent, and never an invalid one', async () => {
    const platforms = [ctx.people.platformId, ctx.people.schoolPlatformId];
    await fc.assert(
      fc.asyncProperty(valid, fc.option(fc.constantFrom(...Object.keys(INVALIDATE)), { nil: undefined }), junk, async (draft, breaking, extra) => {
        const base = { ...draft, platformId: platformOf(draft.platformId) };
        const body = breaking ? INVALIDATE[breaking]!(base, extra) : base;
        const before = await stateSnapshot(ctx);
        const res = await ctx.api('editor').post('/api/drafts', body);
        if (res.status === 201) {
          expect(isValidSubmission(body, platforms)).toBe(true);
          const stored = await ctx.runtime.deps.db.execute<{ title: string; body: string }>(
            sql`SELECT r.title, r.body FROM drafts d JOIN revisions r ON r.id = d.current_revision_id WHERE d.id = ${res.body.id}`,
          );
          // Issue 9: what is stored is the canonical form of what was sent (markdown/HTML parsed once, at submission).
          const sent = body as { title: string; body: string; format?: string };
          expect(stored.rows[0]).toEqual({ title: sent.title.replace(BIDI_CONTROLS, ''), body: canonicalise(sent.body, sent.format ?? 'markdown').body });
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.body.error.code).toEqual(expect.any(String));
          expect(await stateSnapshot(ctx)).toEqual(before);
        }
        // Everything the invalidations produce breaks the contract, and the contract check agrees.
        if (breaking) expect(res.status).not.toBe(201);
        if (!breaking) expect(res.status).toBe(201);
      }),
      { numRuns: 400, interruptAfterTimeLimit: 2 * GROUP_MS },
    );
  });
});
