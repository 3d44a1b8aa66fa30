/**
 * The authorization matrix (GUARANTEES 12, 15): role × unit × stage × endpoint, every cell asserting allow or
 * deny. The endpoint list comes from the OpenAPI document, so an endpoint without a row here fails the first test
 * with its name: add a row to MATRIX (helpers: `only`, `signedIn`, `everyone`, `readersOf`).
 *
 * Every denial must change nothing and leave exactly one `access.denied` event on the security chain.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import request from 'supertest';
import sharp from 'sharp';
import { sql } from 'drizzle-orm';
import { createApp } from '../../src/http/app';
import { createUser } from '../../src/services/admin.service';
import { login } from '../../src/services/auth.service';
import { currentRevision, draftIn, stateSnapshot, type DraftFixture, type DraftState, type StateOptions } from '../helpers/draft-states';
import { createTestContext, PASSWORD, type TestContext } from '../helpers/test-context';

const ACTORS = ['editor', 'editor2', 'foreign', 'r1', 'r2', 'r3', 'multi', 'temp', 'prop', 'auditor', 'admin', 'anon'] as const;
type Actor = (typeof ACTORS)[number];

/** `allow`: a 2xx answer. Otherwise the status, the error code and optionally what `error.details` must contain. */
type Outcome = 'allow' | readonly [status: number, code: string, details?: Record<string, unknown>];
type Expect = Record<Actor, Outcome>;

const FORBIDDEN = [403, 'forbidden'] as const;
const UNAUTHENTICATED = [401, 'unauthenticated'] as const;

const table = (f: (a: Actor) => Outcome): Expect => Object.fromEntries(ACTORS.map((a) => [a, f(a)])) as Expect;
/** These actors are allowed; every other signed-in actor is forbidden, and nobody gets in without a session. */
const only = (...allowed: Actor[]): Expect => table((a) => (a === 'anon' ? UNAUTHENTICATED : allowed.includes(a) ? 'allow' : FORBIDDEN));
const signedIn = (): Expect => table((a) => (a === 'anon' ? UNAUTHENTICATED : 'allow'));
const everyone = (): Expect => table(() => 'allow');

const SCHOOL_WIDE: Actor[] = ['prop', 'auditor', 'admin'];
const UNIT_PEOPLE: Actor[] = ['editor', 'editor2', 'r1', 'r2', 'r3', 'multi', 'temp'];
/** Who may read a draft of our unit (U) or of the other unit (O): its unit's people and the school-wide roles. */
const readersOf = (unit: 'U' | 'O'): Actor[] => (unit === 'U' ? [...UNIT_PEOPLE, ...SCHOOL_WIDE] : ['foreign', ...SCHOOL_WIDE]);
/** Readers get `outcome` (e.g. 409 for a move the workflow refuses to everyone); the rest are denied. */
const readersGet = (unit: 'U' | 'O', outcome: Outcome): Expect => table((a) => (a === 'anon' ? UNAUTHENTICATED : readersOf(unit).includes(a) ? outcome : FORBIDDEN));

interface Fixture {
  draft?: DraftFixture;
  [key: string]: unknown;
}

interface Req {
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** A multipart upload (field `file`) instead of a JSON body. */
  file?: { data: Buffer; name: string };
}

interface Scenario {
  name: string;
  /** What the request needs; built once for the denied cells and, when `mutates`, afresh for every allowed one. */
  setup?: () => Promise<Fixture>;
  mutates?: boolean;
  /** A token of its own for each actor (logout revokes the one it is given). */
  freshToken?: boolean;
  send: (f: Fixture, actor: Actor) => Req | Promise<Req>;
  expect: Expect;
  /** More assertions on an allowed answer (scoping: no other unit's drafts in a list). */
  verify?: (body: any, actor: Actor, f: Fixture) => void | Promise<void>;
}

const uniquePng = () =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: { r: randomBytes(1)[0]!, g: randomBytes(1)[0]!, b: randomBytes(1)[0]! } } })
    .png()
    .toBuffer();

let imageDraft: Promise<Fixture> | undefined;
/** One draft of our unit (by `editor`) referencing an image `editor` uploaded. */
const draftWithImage = () =>
  (imageDraft ??= (async () => {
    const up = await request(server)
      .post('/api/media')
      .set('Authorization', `Bearer ${ctx.people.tokens.editor}`)
      .attach('file', await uniquePng(), 'x.png');
    if (up.status !== 201) throw new Error(`upload: ${up.status} ${JSON.stringify(up.body)}`);
    const hash = up.body.hash as string;
    const res = await ctx.api('editor').post('/api/drafts', { platformId: ctx.people.platformId, title: '配图稿件', body: `![图](media:${hash})`, assets: [{ media: hash, licence: 'own_work' }] });
    if (res.status !== 201) throw new Error(`submit: ${res.status} ${JSON.stringify(res.body)}`);
    return { hash, draft: { id: res.body.id, unitId: ctx.people.unitId, author: 'editor' } };
  })());

let ctx: TestContext;
let app: Express;
/** One listening server for the whole matrix (supertest would otherwise start one per request). */
let server: Server;
const ids: Record<string, string> = {};
const unique = () => randomBytes(4).toString('hex');
/** A picture of its own (random colours) uploaded by the editor: its hash. */
async function uploadedPicture(): Promise<string> {
  const [r, g, b] = randomBytes(3);
  const png = await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: r!, g: g!, b: b! } } })
    .composite([{ input: { create: { width: 16, height: 24, channels: 3, background: { r: 255 - r!, g: 255 - g!, b: 255 - b! } } }, left: 0, top: 0 }])
    .png()
    .toBuffer();
  const res = await request(ctx.app).post('/api/media').set('Authorization', `Bearer ${ctx.people.tokens.editor}`).attach('file', png, 'p.png');
  if (res.status !== 201 && res.status !== 200) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.hash as string;
}

const draft = (state: DraftState, options?: StateOptions) => async (): Promise<Fixture> => ({ draft: await draftIn(ctx, state, options) });
/** One fixture per state for rows that only read it or are denied everything: nothing they do may change it. */
const readOnly = new Map<string, Promise<Fixture>>();
const sharedDraft = (state: DraftState, options?: StateOptions) => () => {
  const key = `${state} ${JSON.stringify(options ?? {})}`;
  if (!readOnly.has(key)) readOnly.set(key, draft(state, options)());
  return readOnly.get(key)!;
};
const version = async (f: Fixture) => (await currentRevision(ctx, f.draft!.id)).version;
const dpath = (f: Fixture, rest = '') => `/api/drafts/${f.draft!.id}${rest}`;

/** A draft at 初审 whose picture carries GPS and author metadata. */
async function photoDraft(): Promise<Fixture> {
  const [r, g, b] = randomBytes(3);
  const jpeg = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: r!, g: g!, b: b! } } })
    .jpeg()
    .withExif({ IFD0: { Artist: '张三' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 54/1 2700/100', GPSLongitudeRef: 'E', GPSLongitude: '116/1 23/1 3000/100' } })
    .toBuffer();
  const res = await request(ctx.app).post('/api/media').set('Authorization', `Bearer ${ctx.people.tokens.editor}`).attach('file', jpeg, 'photo.jpg');
  if (res.status !== 201 && res.status !== 200) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  const media = res.body.hash as string;
  return { media, draft: await draftIn(ctx, 'first', { extra: { body: `运动会剪影。\n\n![照片](media:${media})`, assets: [{ kind: 'image', media, licence: 'own_work' }] } }) };
}

async function blockingFinding(draftId: string): Promise<string> {
  const rows = await ctx.runtime.deps.db.execute<{ id: string }>(sql`SELECT id FROM findings WHERE draft_id = ${draftId} AND severity = 'block' LIMIT 1`);
  if (!rows.rows[0]) throw new Error('fixture has no blocking finding');
  return rows.rows[0].id;
}

async function markOn(f: Fixture, by = 'r1'): Promise<string> {
  const { revisionId } = await currentRevision(ctx, f.draft!.id);
  const res = await ctx.api(by).post(dpath(f, '/marks'), { revisionId, start: 0, end: 2, replacement: '本校' });
  if (res.status !== 201) throw new Error(`mark: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function whitelistTerm(): Promise<string> {
  const term = `白名单${unique()}`;
  const res = await ctx.api('admin').post('/api/admin/dictionaries/whitelist/terms', { terms: [{ term }] });
  if (res.status !== 201) throw new Error(`add term: ${res.status} ${JSON.stringify(res.body)}`);
  return term;
}

/** A list shows only drafts the actor may read: their unit's, their own, or all for school-wide roles. */
function scoped(unitIdOf: (item: any) => string) {
  return (body: any, actor: Actor) => {
    const units = new Set<string>((body.items as any[]).map(unitIdOf));
    if (SCHOOL_WIDE.includes(actor)) return;
    const own = actor === 'foreign' ? ctx.people.otherUnitId : ctx.people.unitId;
    expect([...units].filter((u) => u !== own)).toEqual([]);
  };
}

async function notificationChannel(): Promise<Fixture> {
  const res = await ctx.api('admin').post('/api/admin/notification-channels', { kind: 'wecom', name: `群${unique()}`, url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' });
  if (res.status !== 201) throw new Error(`channel: ${res.status} ${JSON.stringify(res.body)}`);
  return { channelId: res.body.id as string };
}

/** A delivery that used up its attempts (written as the worker would leave it). */
async function failedDelivery(): Promise<Fixture> {
  const { channelId } = await notificationChannel();
  const [n] = await ctx.superuser<{ id: string }>(`INSERT INTO notifications (event, payload) VALUES ('draft.approved', '{}'::jsonb) RETURNING id`);
  const [d] = await ctx.superuser<{ id: string }>(
    `INSERT INTO notification_deliveries (notification_id, channel_id, kind, status, attempts, last_error) VALUES ($1, $2, 'wecom', 'failed', 6, 'HTTP 500') RETURNING id`,
    [n!.id, channelId],
  );
  return { deliveryId: d!.id };
}

const registryForm = () => ({
  name: `备案${unique()}`,
  kind: 'wechat',
  level: 'unit',
  unitId: ctx.people.unitId,
  accountName: '学院号',
  accountId: `gh_${unique()}`,
  responsibleId: ctx.people.ids.r3,
  admins: [{ userId: ctx.people.ids.r1, phone: '13800138000' }],
  positioning: '学院新闻',
  openedOn: '2024-09-01',
});
async function pendingApplication(): Promise<Fixture> {
  const res = await ctx.api('admin').post('/api/registry/applications', registryForm());
  if (res.status !== 201) throw new Error(`apply: ${res.status} ${JSON.stringify(res.body)}`);
  return { platform: res.body.id, filing: res.body.filings[0].id };
}
async function returnedApplication(): Promise<Fixture> {
  const f = await pendingApplication();
  const res = await ctx.api('prop').post(`/api/registry/filings/${f.filing}/decision`, { action: 'return', comment: '请补充' });
  if (res.status !== 200) throw new Error(`return: ${res.status} ${JSON.stringify(res.body)}`);
  return f;
}
async function registeredPlatform(): Promise<Fixture> {
  const res = await ctx.api('admin').post('/api/admin/platforms', { name: `平台${unique()}`, kind: 'weibo', level: 'unit', unitId: ctx.people.unitId });
  if (res.status !== 201) throw new Error(`platform: ${res.status} ${JSON.stringify(res.body)}`);
  return { platform: res.body.id };
}

const correction = { action: 'correct', reason: '更正日期', title: '我校举办2026年秋季运动会（更正）', body: '11月21日，我校第五十届秋季田径运动会开幕。' };

/** The table. Keys are `METHOD /openapi/path`; rows outside the OpenAPI document say so with `outsideOpenApi`. */
const MATRIX: Record<string, { outsideOpenApi?: boolean; scenarios: Scenario[] }> = {
  'POST /api/auth/login': { scenarios: [{ name: 'anyone may try to sign in', send: () => ({ path: '/api/auth/login', body: { username: 'auditor', password: PASSWORD } }), expect: everyone() }] },
  'POST /api/auth/logout': { scenarios: [{ name: 'own session', freshToken: true, mutates: true, send: () => ({ path: '/api/auth/logout' }), expect: signedIn() }] },
  'POST /api/auth/password': {
    scenarios: [
      {
        name: 'own password (wrong current password: refused for everyone who is signed in)',
        send: () => ({ path: '/api/auth/password', body: { currentPassword: 'not-it', newPassword: 'New-Pass-2026!' } }),
        expect: table((a) => (a === 'anon' ? UNAUTHENTICATED : [400, 'validation_failed'])),
      },
    ],
  },
  'GET /api/auth/me': {
    scenarios: [{ name: 'own account', send: () => ({ path: '/api/auth/me' }), expect: signedIn(), verify: (body, actor) => expect(body.username).toBe(actor) }],
  },

  'POST /api/admin/units': {
    scenarios: [{ name: 'new unit', mutates: true, send: () => ({ path: '/api/admin/units', body: { name: `单位${unique()}`, code: `C${unique()}` } }), expect: only('admin') }],
  },
  'GET /api/admin/units': { scenarios: [{ name: 'reference data', send: () => ({ path: '/api/admin/units' }), expect: signedIn() }] },
  'POST /api/admin/platforms': {
    scenarios: [
      {
        name: 'new platform',
        mutates: true,
        send: () => ({ path: '/api/admin/platforms', body: { name: `平台${unique()}`, kind: 'wechat', level: 'unit', unitId: ctx.people.unitId } }),
        expect: only('admin'),
      },
    ],
  },
  'GET /api/admin/platforms': { scenarios: [{ name: 'reference data', send: () => ({ path: '/api/admin/platforms' }), expect: signedIn() }] },
  'POST /api/admin/users': {
    scenarios: [
      {
        name: 'new account',
        mutates: true,
        send: () => ({ path: '/api/admin/users', body: { username: `u${unique()}`, displayName: '新用户', password: PASSWORD, roles: ['editor'], unitId: ctx.people.unitId } }),
        expect: only('admin'),
      },
    ],
  },
  'GET /api/admin/users': { scenarios: [{ name: 'accounts', send: () => ({ path: '/api/admin/users' }), expect: only('admin', 'auditor') }] },
  'POST /api/admin/media-gallery': {
    scenarios: [
      {
        name: 'picture into the gallery',
        mutates: true,
        setup: async () => ({ media: await uploadedPicture() }),
        send: (f) => ({ path: '/api/admin/media-gallery', body: { media: f.media, list: 'forbidden', note: '测试' } }),
        expect: only('admin'),
      },
    ],
  },
  'GET /api/admin/media-gallery': { scenarios: [{ name: 'gallery', send: () => ({ path: '/api/admin/media-gallery' }), expect: only('admin', 'prop') }] },
  'DELETE /api/admin/media-gallery/{id}': {
    scenarios: [
      {
        name: 'out of the gallery',
        mutates: true,
        setup: async () => ({
          entryId: (
            await request(ctx.app)
              .post('/api/admin/media-gallery')
              .set('Authorization', `Bearer ${ctx.people.tokens.admin}`)
              .send({ media: await uploadedPicture(), list: 'licensed' })
          ).body.id,
        }),
        send: (f) => ({ path: `/api/admin/media-gallery/${f.entryId as string}` }),
        expect: only('admin'),
      },
    ],
  },
  'PUT /api/admin/users/{id}/roles': {
    scenarios: [
      {
        name: 'role change',
        mutates: true,
        setup: async () => ({
          userId: (await createUser(ctx.runtime.deps.db, null, { username: `t${unique()}`, displayName: '临时', password: PASSWORD, roles: [], isStaff: false, unitId: ctx.people.unitId })).id,
        }),
        send: (f) => ({ path: `/api/admin/users/${f.userId as string}/roles`, body: { roles: ['admin'] } }),
        expect: only('admin'),
      },
    ],
  },

  // People management (issue 10 item 8): admins only; each allowed cell acts on an account, unit or platform of its own.
  ...Object.fromEntries(
    (['disable', 'enable', 'unlock', 'reset-password', 'revoke-sessions'] as const).map((action) => [
      `POST /api/admin/users/{id}/${action}`,
      {
        scenarios: [
          {
            name: action,
            mutates: true,
            setup: async () => ({
              userId: (await createUser(ctx.runtime.deps.db, null, { username: `p${unique()}`, displayName: '临时', password: PASSWORD, roles: [], isStaff: false, unitId: ctx.people.unitId })).id,
            }),
            send: (f: Fixture) => ({ path: `/api/admin/users/${f.userId as string}/${action}`, body: action === 'disable' ? { reason: '离职' } : {} }),
            expect: only('admin'),
          },
        ],
      },
    ]),
  ),
  'PATCH /api/admin/users/{id}': {
    scenarios: [
      {
        name: 'profile edit',
        mutates: true,
        setup: async () => ({
          userId: (await createUser(ctx.runtime.deps.db, null, { username: `e${unique()}`, displayName: '临时', password: PASSWORD, roles: [], isStaff: false, unitId: ctx.people.unitId })).id,
        }),
        send: (f) => ({ path: `/api/admin/users/${f.userId as string}`, body: { displayName: '改名', staffId: `W${unique()}` } }),
        expect: only('admin'),
      },
    ],
  },
  'PATCH /api/admin/units/{id}': {
    scenarios: [
      {
        name: 'unit edit',
        mutates: true,
        setup: async () => ({ unitId: (await ctx.api('admin').post('/api/admin/units', { name: `单位${unique()}`, code: `K${unique()}` })).body.id }),
        send: (f) => ({ path: `/api/admin/units/${f.unitId as string}`, body: { name: `改名${unique()}` } }),
        expect: only('admin'),
      },
    ],
  },
  'PATCH /api/admin/platforms/{id}': {
    scenarios: [
      {
        name: 'platform edit',
        mutates: true,
        setup: async () => ({ platformId: (await ctx.api('admin').post('/api/admin/platforms', { name: `平台${unique()}`, kind: 'wechat', level: 'unit', unitId: ctx.people.unitId })).body.id }),
        send: (f) => ({ path: `/api/admin/platforms/${f.platformId as string}`, body: { name: `改名${unique()}` } }),
        expect: only('admin'),
      },
    ],
  },

  'POST /api/drafts': {
    scenarios: [
      {
        name: "to our unit's platform",
        mutates: true,
        send: () => ({ path: '/api/drafts', body: { platformId: ctx.people.platformId, title: '矩阵测试稿件', body: '正文内容。' } }),
        // Another unit's editor is told why (issue 10): not their unit's platform.
        expect: table((a) => (a === 'anon' ? UNAUTHENTICATED : a === 'editor' || a === 'editor2' ? 'allow' : a === 'foreign' ? [403, 'platform_not_allowed'] : FORBIDDEN)),
      },
      {
        name: 'to the school-level platform',
        mutates: true,
        send: () => ({ path: '/api/drafts', body: { platformId: ctx.people.schoolPlatformId, title: '矩阵测试稿件', body: '正文内容。' } }),
        expect: only('editor', 'editor2', 'foreign'),
      },
      {
        // Issue 10: a unit's editors never write for another unit's platform; the refusal has its own code.
        name: "to another unit's platform",
        mutates: true,
        send: () => ({ path: '/api/drafts', body: { platformId: ctx.people.otherPlatformId, title: '矩阵测试稿件', body: '正文内容。' } }),
        expect: table((a) => (a === 'anon' ? UNAUTHENTICATED : a === 'foreign' ? 'allow' : a === 'editor' || a === 'editor2' ? [403, 'platform_not_allowed'] : FORBIDDEN)),
      },
    ],
  },
  'GET /api/drafts': {
    scenarios: [{ name: 'list is scoped to what one may read', send: () => ({ path: '/api/drafts', query: { pageSize: '200' } }), expect: signedIn(), verify: scoped((d) => d.unitId) }],
  },
  'GET /api/drafts/{id}': {
    scenarios: [
      { name: 'our unit, at 初审', setup: sharedDraft('first'), send: (f) => ({ path: dpath(f) }), expect: only(...readersOf('U')) },
      { name: 'other unit, at 初审', setup: sharedDraft('first', { author: 'foreign' }), send: (f) => ({ path: dpath(f) }), expect: only(...readersOf('O')) },
      { name: 'our unit, released', setup: sharedDraft('released'), send: (f) => ({ path: dpath(f) }), expect: only(...readersOf('U')) },
    ],
  },
  'POST /api/drafts/{id}/revisions': {
    scenarios: [
      {
        name: "author's revision",
        setup: draft('first'),
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/revisions'), body: { version: await version(f), title: '我校举办2026年秋季运动会', body: '修改后的正文。' } }),
        expect: only('editor'),
      },
      {
        name: 'proofreading edit at 初审',
        setup: draft('first'),
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/revisions'), body: { version: await version(f), stage: 'first', title: '我校举办2026年秋季运动会', body: '校对后的正文。' } }),
        expect: only('r1', 'multi'),
      },
    ],
  },
  'POST /api/drafts/{id}/media/{hash}/strip-metadata': {
    scenarios: [
      {
        name: "author strips a photo's metadata",
        setup: photoDraft,
        mutates: true,
        send: async (f) => ({ path: dpath(f, `/media/${f.media as string}/strip-metadata`), body: { version: await version(f) } }),
        expect: only('editor'),
      },
      {
        name: 'proofreading edit at 初审',
        setup: photoDraft,
        mutates: true,
        send: async (f) => ({ path: dpath(f, `/media/${f.media as string}/strip-metadata`), body: { version: await version(f), stage: 'first' } }),
        expect: only('r1', 'multi'),
      },
    ],
  },
  'POST /api/drafts/{id}/decisions': {
    scenarios: [
      ...(['first', 'second', 'final'] as const).map((stage): Scenario => ({
        name: `approve at ${stage}`,
        setup: draft(stage),
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/decisions'), body: { stage, action: 'approve', comment: '同意', version: await version(f) } }),
        expect: {
          ...only(({ first: 'r1', second: 'r2', final: 'r3' } as const)[stage], 'multi'),
          editor: [403, 'forbidden', { violations: expect.arrayContaining(['self_review']) }],
          temp: [403, 'forbidden', { violations: stage === 'first' ? ['not_staff'] : expect.arrayContaining(['not_staff', 'missing_role']) }],
          foreign: FORBIDDEN,
        },
      })),
      {
        name: 'approve at 宣传部 (major matter)',
        setup: draft('propaganda', { major: true }),
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/decisions'), body: { stage: 'propaganda', action: 'approve', comment: '同意', version: await version(f) } }),
        expect: only('prop'),
      },
      {
        name: 'one person, one stage: multi approved 初审 and may not act at 复审',
        setup: draft('second', { approvers: { first: 'multi' } }),
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/decisions'), body: { stage: 'second', action: 'approve', comment: '同意', version: await version(f) } }),
        expect: { ...only('r2'), multi: [403, 'forbidden', { violations: ['acted_at_other_stage'] }] },
      },
      {
        name: "no self-review: the other unit's author holds every reviewer role",
        setup: sharedDraft('first', { author: 'foreign' }),
        send: async (f) => ({ path: dpath(f, '/decisions'), body: { stage: 'first', action: 'approve', comment: '同意', version: await version(f) } }),
        expect: { ...only(), foreign: [403, 'forbidden', { violations: ['self_review'] }] },
      },
      {
        name: 'no skipping: naming a stage the draft is not at',
        setup: sharedDraft('first'),
        send: async (f) => ({ path: dpath(f, '/decisions'), body: { stage: 'second', action: 'approve', comment: '同意', version: await version(f) } }),
        expect: readersGet('U', [409, 'conflict']),
      },
      {
        name: 'nothing to decide once approved',
        setup: sharedDraft('approved'),
        send: async (f) => ({ path: dpath(f, '/decisions'), body: { stage: 'final', action: 'approve', comment: '同意', version: await version(f) } }),
        expect: readersGet('U', [409, 'invalid_transition']),
      },
    ],
  },
  'POST /api/drafts/{id}/findings/{fid}/waive': {
    scenarios: [
      {
        // A gambling term is a `propaganda` finding (config/waivers.ts): only 宣传部 may waive it, at any stage.
        name: 'waive a blocking finding at 初审',
        setup: async () => {
          const f = await draft('blocked_review')();
          return { ...f, findingId: await blockingFinding(f.draft!.id) };
        },
        mutates: true,
        send: async (f) => ({ path: dpath(f, `/findings/${f.findingId as string}/waive`), body: { reason: '属于警示通报，非宣传', version: await version(f) } }),
        expect: table((a) => (a === 'anon' ? UNAUTHENTICATED : a === 'prop' ? 'allow' : a === 'editor' || a === 'foreign' ? FORBIDDEN : [403, 'waiver_not_allowed', { policy: 'propaganda' }])),
      },
    ],
  },
  'GET /api/drafts/{id}/waivers': { scenarios: [{ name: 'waivers of a draft', setup: sharedDraft('first'), send: (f) => ({ path: dpath(f, '/waivers') }), expect: only(...readersOf('U')) }] },
  'GET /api/drafts/{id}/marks': { scenarios: [{ name: 'marks of a draft', setup: sharedDraft('first'), send: (f) => ({ path: dpath(f, '/marks') }), expect: only(...readersOf('U')) }] },
  'POST /api/drafts/{id}/marks': {
    scenarios: [
      {
        name: 'a correction mark at 初审',
        setup: draft('first'),
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/marks'), body: { revisionId: (await currentRevision(ctx, f.draft!.id)).revisionId, start: 0, end: 2, replacement: '本校' } }),
        expect: only('r1', 'multi'),
      },
    ],
  },
  'POST /api/drafts/{id}/marks/{mid}/resolve': {
    scenarios: [
      {
        name: 'accept a mark at 初审',
        setup: async () => {
          const f = await draft('first')();
          return { ...f, markId: await markOn(f) };
        },
        mutates: true,
        send: (f) => ({ path: dpath(f, `/marks/${f.markId as string}/resolve`), body: { decision: 'accept' } }),
        expect: only('r1', 'multi'),
      },
    ],
  },
  'POST /api/drafts/{id}/marks/apply': {
    scenarios: [
      {
        name: 'apply accepted marks at 初审',
        setup: async () => {
          const f = await draft('first')();
          const markId = await markOn(f);
          const accepted = await ctx.api('r1').post(dpath(f, `/marks/${markId}/resolve`), { decision: 'accept' });
          if (accepted.status !== 200) throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.body)}`);
          return f;
        },
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/marks/apply'), body: { version: await version(f) } }),
        expect: only('r1', 'multi'),
      },
    ],
  },
  'GET /api/drafts/{id}/diff': {
    scenarios: [{ name: 'diff of revisions', setup: sharedDraft('first'), send: (f) => ({ path: dpath(f, '/diff'), query: { from: '1', to: '1' } }), expect: only(...readersOf('U')) }],
  },
  'POST /api/drafts/{id}/resubmit': {
    scenarios: [
      {
        name: 'resubmit after a return',
        setup: draft('returned'),
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/resubmit'), body: { statement: '已按意见说明', version: await version(f) } }),
        expect: only('editor'),
      },
      {
        // A stale version must not tell an outsider the draft's current state (409 details carry it).
        name: 'with a stale version',
        setup: sharedDraft('returned'),
        send: () => ({ path: '/api/drafts/__/resubmit', body: { statement: '说明', version: 999 } }),
        expect: readersGet('U', [409, 'conflict']),
      },
    ],
  },
  'POST /api/drafts/{id}/withdraw': {
    scenarios: [
      { name: 'withdraw at 初审', setup: draft('first'), mutates: true, send: async (f) => ({ path: dpath(f, '/withdraw'), body: { version: await version(f) } }), expect: only('editor') },
      { name: 'with a stale version', setup: sharedDraft('first'), send: () => ({ path: '/api/drafts/__/withdraw', body: { version: 999 } }), expect: readersGet('U', [409, 'conflict']) },
    ],
  },
  'POST /api/drafts/{id}/release': {
    scenarios: [
      {
        name: 'release an approved draft',
        setup: draft('approved'),
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/release'), body: { version: await version(f) } }),
        expect: only('editor', 'prop'),
      },
    ],
  },
  'POST /api/drafts/{id}/corrections': {
    scenarios: [
      {
        name: 'correct a released draft',
        setup: draft('released'),
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/corrections'), body: { ...correction, version: await version(f) } }),
        expect: only('editor', 'prop', 'r3', 'multi'),
      },
      {
        name: 'retract a released draft',
        setup: draft('released'),
        mutates: true,
        send: async (f) => ({ path: dpath(f, '/corrections'), body: { action: 'retract', reason: '撤稿', version: await version(f) } }),
        expect: only('prop', 'r3', 'multi'),
      },
    ],
  },
  'POST /api/drafts/{id}/checks/retry': {
    scenarios: [{ name: 'retry failed checks', setup: draft('checks_failed'), mutates: true, send: (f) => ({ path: dpath(f, '/checks/retry') }), expect: only('admin') }],
  },
  'GET /api/drafts/{id}/trail': {
    scenarios: [
      { name: 'trail as JSON', setup: sharedDraft('first'), send: (f) => ({ path: dpath(f, '/trail') }), expect: only(...readersOf('U')) },
      { name: 'trail of the other unit', setup: sharedDraft('first', { author: 'foreign' }), send: (f) => ({ path: dpath(f, '/trail') }), expect: only(...readersOf('O')) },
      { name: 'trail exported as CSV', setup: sharedDraft('first'), send: (f) => ({ path: dpath(f, '/trail'), query: { format: 'csv' } }), expect: only(...readersOf('U')) },
    ],
  },
  'GET /api/drafts/{id}/trail/verify': { scenarios: [{ name: 'verify the chain', setup: sharedDraft('first'), send: (f) => ({ path: dpath(f, '/trail/verify') }), expect: only(...readersOf('U')) }] },
  // Issue 9: media and the canonical rendering. A file is served to its uploader and to readers of a draft that
  // references it; anyone else gets 404 (no hint that the file exists).
  'POST /api/media': {
    scenarios: [
      { name: 'upload an image', mutates: true, send: async () => ({ path: '/api/media', file: { data: await uniquePng(), name: 'a.png' } }), expect: only('editor', 'editor2', 'foreign', 'admin') },
    ],
  },
  'GET /api/media/{hash}': {
    scenarios: [
      {
        name: 'an image a draft of our unit references',
        setup: draftWithImage,
        send: (f) => ({ path: `/api/media/${f.hash as string}` }),
        expect: table((a) => (a === 'anon' ? UNAUTHENTICATED : readersOf('U').includes(a) ? 'allow' : [404, 'not_found'])),
      },
    ],
  },
  'GET /api/media/{hash}/analysis': {
    scenarios: [
      {
        name: 'what the analysers found in an image of our unit',
        setup: draftWithImage,
        send: (f) => ({ path: `/api/media/${f.hash as string}/analysis` }),
        expect: table((a) => (a === 'anon' ? UNAUTHENTICATED : readersOf('U').includes(a) ? 'allow' : [404, 'not_found'])),
      },
    ],
  },
  'GET /api/media/{hash}/keyframes/{ms}': {
    scenarios: [
      {
        name: 'a frame of a picture (only video has frames)',
        setup: draftWithImage,
        send: (f) => ({ path: `/api/media/${f.hash as string}/keyframes/0` }),
        expect: table((a) => (a === 'anon' ? UNAUTHENTICATED : readersOf('U').includes(a) ? [400, 'validation_failed'] : [404, 'not_found'])),
      },
    ],
  },
  'GET /api/media/{hash}/thumbnail': {
    scenarios: [
      {
        name: 'its thumbnail',
        setup: draftWithImage,
        send: (f) => ({ path: `/api/media/${f.hash as string}/thumbnail` }),
        expect: table((a) => (a === 'anon' ? UNAUTHENTICATED : readersOf('U').includes(a) ? 'allow' : [404, 'not_found'])),
      },
    ],
  },
  'GET /api/drafts/{id}/preview': {
    scenarios: [{ name: 'preview of the current revision', setup: sharedDraft('first'), send: (f) => ({ path: dpath(f, '/preview') }), expect: only(...readersOf('U')) }],
  },
  'GET /api/drafts/{id}/released': {
    scenarios: [{ name: 'what release handed out', setup: sharedDraft('released'), send: (f) => ({ path: dpath(f, '/released') }), expect: only(...readersOf('U')) }],
  },
  'GET /api/drafts/{id}/review-sheet': {
    scenarios: [
      { name: '审稿单', setup: sharedDraft('approved'), send: (f) => ({ path: dpath(f, '/review-sheet') }), expect: only(...readersOf('U')) },
      { name: '审稿单 of the other unit', setup: sharedDraft('first', { author: 'foreign' }), send: (f) => ({ path: dpath(f, '/review-sheet') }), expect: only(...readersOf('O')) },
    ],
  },

  'GET /api/admin/rule-feedback': { scenarios: [{ name: 'per-rule precision', send: () => ({ path: '/api/admin/rule-feedback', query: { days: '90' } }), expect: only('admin', 'prop', 'auditor') }] },
  'POST /api/admin/rule-feedback/whitelist': {
    scenarios: [
      {
        name: 'whitelist the phrase of a waived finding',
        setup: async () => {
          const f = await sharedDraft('blocked_review')();
          return { ...f, findingId: await blockingFinding(f.draft!.id) };
        },
        mutates: true,
        send: (f) => ({ path: '/api/admin/rule-feedback/whitelist', body: { findingId: f.findingId, phrase: `赌博${unique()}` } }),
        expect: only('admin'),
      },
    ],
  },
  'POST /api/drafts/{id}/findings/{fid}/report': {
    scenarios: [
      {
        // Once per person and finding: one fixture serves every reader.
        name: '报告误报 on a finding',
        setup: async () => {
          const f = await draft('blocked_review')();
          return { ...f, findingId: await blockingFinding(f.draft!.id) };
        },
        send: (f) => ({ path: dpath(f, `/findings/${f.findingId as string}/report`), body: { comment: '误报' } }),
        expect: only(...readersOf('U')),
      },
    ],
  },
  'GET /api/admin/shadow-terms': { scenarios: [{ name: 'shadow terms', send: () => ({ path: '/api/admin/shadow-terms' }), expect: only('admin', 'prop', 'auditor') }] },
  'POST /api/admin/shadow-terms': {
    scenarios: [
      { name: 'add a shadow term', mutates: true, send: () => ({ path: '/api/admin/shadow-terms', body: { list: 'sensitive.rumour-safety', term: `影子${unique()}` } }), expect: only('admin') },
    ],
  },
  'GET /api/admin/shadow-terms/{id}/preview': {
    scenarios: [
      {
        name: 'preview a shadow term',
        setup: async () => ({ shadowId: (await ctx.api('admin').post('/api/admin/shadow-terms', { list: 'sensitive.rumour-safety', term: `预览${unique()}` })).body.id }),
        send: (f) => ({ path: `/api/admin/shadow-terms/${f.shadowId as string}/preview`, query: { limit: '50' } }),
        expect: only('admin', 'prop', 'auditor'),
      },
    ],
  },
  'POST /api/admin/shadow-terms/{id}/promote': {
    scenarios: [
      {
        name: 'switch a shadow term on',
        setup: async () => ({ shadowId: (await ctx.api('admin').post('/api/admin/shadow-terms', { list: 'sensitive.rumour-safety', term: `启用${unique()}` })).body.id }),
        mutates: true,
        send: (f) => ({ path: `/api/admin/shadow-terms/${f.shadowId as string}/promote` }),
        expect: only('admin'),
      },
    ],
  },
  'POST /api/admin/shadow-terms/{id}/discard': {
    scenarios: [
      {
        name: 'discard a shadow term',
        setup: async () => ({ shadowId: (await ctx.api('admin').post('/api/admin/shadow-terms', { list: 'sensitive.rumour-safety', term: `放弃${unique()}` })).body.id }),
        mutates: true,
        send: (f) => ({ path: `/api/admin/shadow-terms/${f.shadowId as string}/discard` }),
        expect: only('admin'),
      },
    ],
  },
  'GET /api/admin/dictionaries': { scenarios: [{ name: 'overview', send: () => ({ path: '/api/admin/dictionaries' }), expect: only('admin', 'prop', 'auditor') }] },
  'GET /api/admin/dictionaries/{category}/terms': {
    scenarios: [{ name: 'terms of a list', send: () => ({ path: '/api/admin/dictionaries/whitelist/terms' }), expect: only('admin', 'prop', 'auditor') }],
  },
  'POST /api/admin/dictionaries/{category}/terms': {
    scenarios: [{ name: 'add a term', mutates: true, send: () => ({ path: '/api/admin/dictionaries/whitelist/terms', body: { terms: [{ term: `白名单${unique()}` }] } }), expect: only('admin') }],
  },
  'POST /api/admin/dictionaries/proofreading.pairs/terms': {
    scenarios: [
      {
        name: 'add a proofreading pair',
        mutates: true,
        send: () => ({ path: '/api/admin/dictionaries/proofreading.pairs/terms', body: { terms: [{ wrong: `错${unique()}`, right: `对${unique()}` }] } }),
        expect: only('admin'),
      },
    ],
  },
  'POST /api/admin/dictionaries/proofreading.titles/terms': {
    scenarios: [
      {
        name: 'add a name and titles',
        mutates: true,
        send: () => ({ path: '/api/admin/dictionaries/proofreading.titles/terms', body: { terms: [{ name: `张${unique()}`, titles: ['院长'] }] } }),
        expect: only('admin'),
      },
    ],
  },
  'POST /api/admin/dictionaries/cooccurrence/terms': {
    scenarios: [
      {
        name: 'add a co-occurrence rule',
        mutates: true,
        send: () => ({
          path: '/api/admin/dictionaries/cooccurrence/terms',
          body: { terms: [{ id: `rule-${unique()}`, category: 'politics', severity: 'review', termsA: [`甲${unique()}`], termsB: [`乙${unique()}`], window: 10 }] },
        }),
        expect: only('admin'),
      },
    ],
  },
  'POST /api/admin/dictionaries/{category}/terms/remove': {
    scenarios: [
      {
        name: 'remove a term',
        mutates: true,
        setup: async () => ({ term: await whitelistTerm() }),
        send: (f) => ({ path: '/api/admin/dictionaries/whitelist/terms/remove', body: { terms: [f.term] } }),
        expect: only('admin'),
      },
    ],
  },
  'DELETE /api/admin/dictionaries/{category}/terms/{term}': {
    scenarios: [
      {
        name: 'delete a term',
        mutates: true,
        setup: async () => ({ term: await whitelistTerm() }),
        send: (f) => ({ path: `/api/admin/dictionaries/whitelist/terms/${encodeURIComponent(f.term as string)}` }),
        expect: only('admin'),
      },
    ],
  },
  'POST /api/admin/dictionaries/{category}/import': {
    scenarios: [{ name: 'import a list', mutates: true, send: () => ({ path: '/api/admin/dictionaries/whitelist/import', body: { text: `导入${unique()}\n` } }), expect: only('admin') }],
  },
  'GET /api/admin/rescans': { scenarios: [{ name: '回溯检查 list', send: () => ({ path: '/api/admin/rescans' }), expect: only('admin', 'prop', 'auditor') }] },
  'GET /api/admin/rescans/{id}': { scenarios: [{ name: '回溯检查 progress', send: () => ({ path: `/api/admin/rescans/${ids.rescan}` }), expect: only('admin', 'prop', 'auditor') }] },

  'GET /api/board': { scenarios: [{ name: 'board is scoped to what one may read', send: () => ({ path: '/api/board' }), expect: signedIn(), verify: scoped((d) => d.unitId) }] },
  'POST /api/drafts/{id}/claim': { scenarios: [{ name: 'claim at 初审', setup: draft('first'), mutates: true, send: (f) => ({ path: dpath(f, '/claim'), body: {} }), expect: only('r1', 'multi') }] },
  'POST /api/drafts/{id}/unclaim': {
    scenarios: [
      {
        name: 'only the claimant drops a claim',
        setup: async () => {
          const f = await draft('first')();
          const claimed = await ctx.api('r1').post(dpath(f, '/claim'), {});
          if (claimed.status !== 200) throw new Error(`claim: ${claimed.status} ${JSON.stringify(claimed.body)}`);
          return f;
        },
        mutates: true,
        send: (f) => ({ path: dpath(f, '/unclaim'), body: {} }),
        expect: { ...readersGet('U', [409, 'conflict']), r1: 'allow' },
      },
    ],
  },
  'GET /api/presence': {
    scenarios: [
      {
        name: "no other unit's claims",
        // Claims expire with their holder's presence: this one is taken right before the requests.
        setup: async () => {
          const f = await draft('first', { author: 'foreign' })();
          const claim = await request(server).post(dpath(f, '/claim')).set('Authorization', `Bearer ${ids.r1o}`).send({});
          if (claim.status !== 200) throw new Error(`claim: ${claim.status} ${JSON.stringify(claim.body)}`);
          return f;
        },
        send: () => ({ path: '/api/presence' }),
        expect: signedIn(),
        verify: (body, actor, f) => {
          const listed = (body.items as Array<{ draftId: string }>).map((p) => p.draftId);
          if (readersOf('O').includes(actor)) expect(listed).toContain(f.draft!.id);
          else expect(listed).not.toContain(f.draft!.id);
        },
      },
    ],
  },
  'GET /api/dashboards': { scenarios: [{ name: 'school-wide figures', send: () => ({ path: '/api/dashboards' }), expect: only('prop', 'auditor', 'admin') }] },

  'POST /api/admin/notification-channels': {
    scenarios: [
      {
        name: 'new channel',
        mutates: true,
        send: () => ({ path: '/api/admin/notification-channels', body: { kind: 'webhook', name: `OA${unique()}`, url: 'https://oa.school.test/hook', secret: 's3cret' } }),
        expect: only('admin'),
      },
    ],
  },
  'GET /api/admin/notification-channels': { scenarios: [{ name: 'channels', send: () => ({ path: '/api/admin/notification-channels' }), expect: only('admin') }] },
  'PATCH /api/admin/notification-channels/{id}': {
    scenarios: [
      {
        name: 'rename a channel',
        mutates: true,
        setup: notificationChannel,
        send: (f) => ({ path: `/api/admin/notification-channels/${f.channelId as string}`, body: { name: `改名${unique()}` } }),
        expect: only('admin'),
      },
    ],
  },
  'DELETE /api/admin/notification-channels/{id}': {
    scenarios: [{ name: 'retire a channel', mutates: true, setup: notificationChannel, send: (f) => ({ path: `/api/admin/notification-channels/${f.channelId as string}` }), expect: only('admin') }],
  },
  'GET /api/admin/notifications': { scenarios: [{ name: 'deliveries', send: () => ({ path: '/api/admin/notifications' }), expect: only('admin') }] },
  'POST /api/admin/notifications/{id}/retry': {
    scenarios: [{ name: 'retry a failed delivery', mutates: true, setup: failedDelivery, send: (f) => ({ path: `/api/admin/notifications/${f.deliveryId as string}/retry` }), expect: only('admin') }],
  },
  'PUT /api/admin/users/{id}/email': {
    scenarios: [
      {
        name: 'notification e-mail of an account',
        mutates: true,
        setup: async () => ({
          userId: (await createUser(ctx.runtime.deps.db, null, { username: `m${unique()}`, displayName: '邮箱', password: PASSWORD, roles: [], isStaff: false, unitId: ctx.people.unitId })).id,
        }),
        send: (f) => ({ path: `/api/admin/users/${f.userId as string}/email`, body: { email: `x${unique()}@school.test` } }),
        expect: only('admin'),
      },
    ],
  },
  'GET /api/notifications': { scenarios: [{ name: 'own inbox', send: () => ({ path: '/api/notifications' }), expect: signedIn() }] },
  'GET /api/notifications/unread-count': { scenarios: [{ name: 'own bell', send: () => ({ path: '/api/notifications/unread-count' }), expect: signedIn() }] },
  'POST /api/notifications/read': { scenarios: [{ name: 'mark own read', mutates: true, send: () => ({ path: '/api/notifications/read', body: { all: true } }), expect: signedIn() }] },
  'GET /api/me/notification-preferences': { scenarios: [{ name: 'own preferences', send: () => ({ path: '/api/me/notification-preferences' }), expect: signedIn() }] },
  'PUT /api/me/notification-preferences': {
    scenarios: [
      {
        name: 'own preferences',
        mutates: true,
        send: () => ({ path: '/api/me/notification-preferences', body: { email: true, digest: false, quietHours: { start: '22:00', end: '07:00' } } }),
        expect: signedIn(),
      },
    ],
  },

  // 备案 registry (issue 15): units file for their own accounts, 宣传部 and admins decide; reads for everyone signed in,
  // the trail for the office, auditors and the owning unit.
  'GET /api/registry/platforms': { scenarios: [{ name: 'the register', send: () => ({ path: '/api/registry/platforms', query: { status: 'registered' } }), expect: signedIn() }] },
  'GET /api/registry/staff': {
    scenarios: [
      { name: 'staff of our unit', send: () => ({ path: '/api/registry/staff', query: { unit: ctx.people.unitId } }), expect: only('editor', 'editor2', 'prop', 'admin') },
      { name: 'staff of the other unit', send: () => ({ path: '/api/registry/staff', query: { unit: ctx.people.otherUnitId } }), expect: only('foreign', 'prop', 'admin') },
    ],
  },
  'GET /api/registry/platforms/{id}': { scenarios: [{ name: 'one entry', send: () => ({ path: `/api/registry/platforms/${ctx.people.platformId}` }), expect: signedIn() }] },
  'POST /api/registry/applications': {
    scenarios: [{ name: 'apply for our unit', mutates: true, send: () => ({ path: '/api/registry/applications', body: registryForm() }), expect: only('editor', 'editor2', 'prop', 'admin') }],
  },
  'POST /api/registry/platforms/{id}/application': {
    scenarios: [
      {
        name: 'file a returned application again',
        setup: returnedApplication,
        mutates: true,
        send: (f) => ({ path: `/api/registry/platforms/${f.platform}/application`, body: registryForm() }),
        expect: only('editor', 'editor2', 'prop', 'admin'),
      },
    ],
  },
  'POST /api/registry/platforms/{id}/changes': {
    scenarios: [
      {
        name: 'file a 变更',
        setup: registeredPlatform,
        mutates: true,
        send: (f) => ({ path: `/api/registry/platforms/${f.platform}/changes`, body: { name: `变更${unique()}`, changedOn: '2025-03-03', reason: '更名' } }),
        expect: only('editor', 'editor2', 'prop', 'admin'),
      },
    ],
  },
  'POST /api/registry/platforms/{id}/deregister': {
    scenarios: [
      {
        name: '注销 (office directly, unit by request)',
        setup: registeredPlatform,
        mutates: true,
        send: (f) => ({ path: `/api/registry/platforms/${f.platform}/deregister`, body: { reason: '停止运营' } }),
        expect: only('editor', 'editor2', 'prop', 'admin'),
      },
    ],
  },
  'POST /api/registry/filings/{id}/decision': {
    scenarios: [
      {
        name: 'approve an application',
        setup: pendingApplication,
        mutates: true,
        send: (f) => ({ path: `/api/registry/filings/${f.filing}/decision`, body: { action: 'approve', comment: '同意' } }),
        expect: only('prop', 'admin'),
      },
    ],
  },
  'GET /api/registry/platforms/{id}/trail': {
    scenarios: [{ name: 'registry trail', send: () => ({ path: `/api/registry/platforms/${ctx.people.platformId}/trail` }), expect: only(...readersOf('U')) }],
  },
  'GET /api/registry/platforms/{id}/trail/verify': {
    scenarios: [{ name: 'verify the registry chain', send: () => ({ path: `/api/registry/platforms/${ctx.people.platformId}/trail/verify` }), expect: only(...readersOf('U')) }],
  },
  'GET /api/reports/annual': {
    scenarios: [
      { name: 'the school', send: () => ({ path: '/api/reports/annual', query: { year: '2026' } }), expect: only('prop', 'auditor', 'admin') },
      { name: 'one platform of our unit', send: () => ({ path: '/api/reports/annual', query: { year: '2026', platformId: ctx.people.platformId } }), expect: only(...readersOf('U')) },
      { name: 'one platform as CSV', send: () => ({ path: '/api/reports/annual', query: { year: '2026', platformId: ctx.people.otherPlatformId, format: 'csv' } }), expect: only(...readersOf('O')) },
    ],
  },
  'GET /api/drafts/{id}/review-sheet.pdf': {
    scenarios: [
      { name: '审稿单 PDF', setup: sharedDraft('approved'), send: (f) => ({ path: dpath(f, '/review-sheet.pdf') }), expect: only(...readersOf('U')) },
      { name: '审稿单 PDF of the other unit', setup: sharedDraft('first', { author: 'foreign' }), send: (f) => ({ path: dpath(f, '/review-sheet.pdf') }), expect: only(...readersOf('O')) },
    ],
  },
  'GET /api/reports/review-sheets.pdf': {
    scenarios: [
      {
        name: 'batch print of our platform',
        send: () => ({ path: '/api/reports/review-sheets.pdf', query: { platformId: ctx.people.platformId, month: '2026-01' } }),
        expect: only(...readersOf('U')),
      },
    ],
  },
  'GET /api/drafts/{id}/release-verification': {
    scenarios: [
      { name: 'QR verification page', setup: sharedDraft('approved'), send: (f) => ({ path: dpath(f, '/release-verification'), query: { hash: '0'.repeat(64) } }), expect: only(...readersOf('U')) },
    ],
  },

  'GET /api/health': { outsideOpenApi: true, scenarios: [{ name: 'health probe', send: () => ({ path: '/api/health' }), expect: everyone() }] },
  'GET /api/openapi.json': { outsideOpenApi: true, scenarios: [{ name: 'API description', send: () => ({ path: '/api/openapi.json' }), expect: everyone() }] },
  'GET /admin/queues': { outsideOpenApi: true, scenarios: [{ name: 'bull-board', send: () => ({ path: '/admin/queues/' }), expect: only('admin') }] },
};

beforeAll(async () => {
  ctx = await createTestContext();
  // The matrix runs against an app with the queue board mounted (only admins may see it).
  app = createApp({ ...ctx.runtime.deps, checkpoints: ctx.checkpoints, health: ctx.runtime.health, queues: [ctx.runtime.queue.queue] });
  const rescan = await ctx.api('admin').post('/api/admin/dictionaries/sensitive.politics/terms', { terms: [{ term: `矩阵测试词${unique()}` }] });
  if (rescan.status !== 201 || !rescan.body.rescanId) throw new Error(`rescan: ${rescan.status} ${JSON.stringify(rescan.body)}`);
  ids.rescan = rescan.body.rescanId;
  // A reviewer of the other unit, so that unit has claims our unit must not see.
  await createUser(ctx.runtime.deps.db, null, { username: 'r1o', displayName: '外院初审', staffId: 'S-r1o', isStaff: true, roles: ['reviewer1'], unitId: ctx.people.otherUnitId, password: PASSWORD });
  ids.r1o = (await login(ctx.runtime.deps.db, { username: 'r1o', password: PASSWORD, ip: '127.0.0.1', absoluteHours: 1 })).token;
  server = createServer(app);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
});
afterAll(async () => {
  if (server) await new Promise((done) => server.close(done));
  await ctx?.close();
});

async function tokenFor(actor: Actor, fresh: boolean): Promise<string | undefined> {
  if (actor === 'anon') return undefined;
  if (!fresh) return ctx.people.tokens[actor];
  return (await login(ctx.runtime.deps.db, { username: actor, password: PASSWORD, ip: '127.0.0.1', absoluteHours: 1 })).token;
}

function send(method: string, req: Req, token: string | undefined): request.Test {
  const m = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  let test = request(server)[m](req.path);
  if (token) test = test.set('Authorization', `Bearer ${token}`);
  if (req.query) test = test.query(req.query);
  if (req.file) return test.attach('file', req.file.data, req.file.name);
  return req.body === undefined ? test : test.send(req.body as object);
}

/** Everything a denied request must leave as it was. */
const snapshot = () => stateSnapshot(ctx);

type DenialKey = string;
const expectedDenials = new Map<DenialKey, number>();
const denialKey = (actorId: string, method: string, path: string) => `${actorId} ${method} ${path}`;

/** Each 403 leaves exactly one access.denied event naming the actor, method and path (written after the answer). */
async function expectDenialsAudited(): Promise<void> {
  const deadline = Date.now() + 5_000;
  let seen = new Map<DenialKey, number>();
  for (;;) {
    const rows = await ctx.runtime.deps.db.execute<{ actor_id: string; method: string; path: string; outcome: string; n: number }>(sql`
      SELECT actor_id, data->>'method' AS method, data->>'path' AS path, outcome, count(*)::int AS n
      FROM audit_events WHERE chain = 'security' AND type = 'access.denied' GROUP BY 1, 2, 3, 4`);
    seen = new Map(rows.rows.map((r) => [denialKey(r.actor_id, r.method, r.path), r.n]));
    expect(rows.rows.every((r) => r.outcome === 'denied')).toBe(true);
    const complete = [...expectedDenials].every(([k, n]) => (seen.get(k) ?? 0) >= n);
    if (complete || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const missing = [...expectedDenials].filter(([k, n]) => (seen.get(k) ?? 0) !== n).map(([k, n]) => `${k}: expected ${n}, audited ${seen.get(k) ?? 0}`);
  expect(missing).toEqual([]);
}

async function runCell(method: string, scenario: Scenario, actor: Actor, f: Fixture): Promise<string | null> {
  let req = await scenario.send(f, actor);
  if (req.path.includes('/__/')) req = { ...req, path: req.path.replace('/__/', `/${f.draft!.id}/`) };
  const outcome = scenario.expect[actor];
  const res = await send(method, req, await tokenFor(actor, scenario.freshToken ?? false));
  const where = `${actor} ${method} ${req.path} [${scenario.name}]`;
  if (outcome === 'allow') {
    if (res.status < 200 || res.status >= 300) return `${where}: expected 2xx, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
    await scenario.verify?.(res.body, actor, f);
    return null;
  }
  const [status, code, details] = outcome;
  if (res.status !== status || res.body?.error?.code !== code) return `${where}: expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
  if (details) expect(res.body.error.details).toMatchObject(details);
  if (status === 403) {
    const key = denialKey(ctx.people.ids[actor]!, method, req.path);
    expectedDenials.set(key, (expectedDenials.get(key) ?? 0) + 1);
  }
  return null;
}

describe('authorization matrix', () => {
  it('has a row for every endpoint in the OpenAPI document (add missing ones to MATRIX in this file)', async () => {
    const doc = await request(server).get('/api/openapi.json');
    const operations = Object.entries<Record<string, unknown>>(doc.body.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const missing = operations.filter((op) => !MATRIX[op]);
    const stale = Object.keys(MATRIX).filter((op) => !MATRIX[op]!.outsideOpenApi && !operations.includes(op));
    if (missing.length > 0) {
      throw new Error(
        `No authorization row for ${missing.length} endpoint(s):\n  ${missing.join('\n  ')}\nAdd one to MATRIX in test/integration/authz-matrix.test.ts: who is allowed, and what everyone else gets.`,
      );
    }
    expect(stale).toEqual([]);
  });

  const cases = Object.entries(MATRIX).flatMap(([key, row]) => row.scenarios.map((s) => [key, s.name, s] as const));
  it.each(cases)('%s — %s', async (key, _name, scenario) => {
    const method = key.split(' ')[0]!;
    const allowed = ACTORS.filter((a) => scenario.expect[a] === 'allow');
    const denied = ACTORS.filter((a) => scenario.expect[a] !== 'allow');
    // The denied cells share one fixture; allowed cells of a mutating row each get their own. Built concurrently.
    const setup = scenario.setup ?? (async () => ({}));
    const [shared, ...own] = await Promise.all([setup(), ...(scenario.mutates ? allowed.map(() => setup()) : [])]);
    // All denied requests at once (none may change anything, racing or not), then the allowed ones.
    const before = method !== 'GET' ? await snapshot() : undefined;
    const problems = (await Promise.all(denied.map((actor) => runCell(method, scenario, actor, shared!)))).filter((p): p is string => p !== null);
    if (before) {
      const after = await snapshot();
      if (JSON.stringify(after) !== JSON.stringify(before)) problems.push(`denied requests changed state: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    }
    const outcomes = await Promise.all(allowed.map((actor, i) => runCell(method, scenario, actor, scenario.mutates ? own[i]! : shared!)));
    problems.push(...outcomes.filter((p): p is string => p !== null));
    expect(problems).toEqual([]);
    await expectDenialsAudited();
  });
});
