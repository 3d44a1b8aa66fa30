import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Asset, ContentNote, MediaRef, Origin } from '../domain/content';
import type { FindingSource, SourceSpan } from '../domain/findings';

const id = () => uuid('id').primaryKey().default(sql`gen_random_uuid()`);
const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const units = pgTable('units', {
  id: id(),
  name: text('name').notNull().unique(),
  code: text('code').notNull().unique(),
  createdAt: createdAt(),
});

export const platforms = pgTable('platforms', {
  id: id(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  level: text('level').notNull(),
  unitId: uuid('unit_id').notNull().references(() => units.id),
  createdAt: createdAt(),
  // 备案 (migration 0010): lifecycle and the fields of the office's 备案表.
  status: text('status').notNull().default('registered'),
  accountName: text('account_name'),
  accountId: text('account_id'),
  responsibleId: uuid('responsible_id'),
  admins: jsonb('admins').$type<PlatformAdmin[]>().notNull().default(sql`'[]'::jsonb`),
  correspondents: jsonb('correspondents').$type<PlatformCorrespondent[]>().notNull().default(sql`'[]'::jsonb`),
  positioning: text('positioning'),
  openedOn: date('opened_on', { mode: 'string' }),
  partner: text('partner'),
  registeredAt: ts('registered_at'),
  deregisteredAt: ts('deregistered_at'),
});

/** A 后台管理人员 as filed: a staff member (by user id) with the name and 工号 they had when filed, and a phone. */
export interface PlatformAdmin {
  userId: string;
  name: string;
  staffId: string | null;
  phone: string;
}

/** A 通讯员 (often a student): a name and optionally a phone. */
export interface PlatformCorrespondent {
  name: string;
  phone?: string | undefined;
}

/** 备案 filings: an application, a 变更 or a 注销 request, decided by 宣传部 (migration 0010). */
export const platformFilings = pgTable(
  'platform_filings',
  {
    id: id(),
    platformId: uuid('platform_id').notNull().references(() => platforms.id),
    kind: text('kind').notNull(),
    status: text('status').notNull().default('pending'),
    form: jsonb('form').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    diff: jsonb('diff').$type<Array<{ field: string; before: unknown; after: unknown }>>().notNull().default(sql`'[]'::jsonb`),
    reason: text('reason').notNull().default(''),
    changedOn: date('changed_on', { mode: 'string' }),
    dueOn: date('due_on', { mode: 'string' }),
    late: boolean('late').notNull().default(false),
    filedBy: uuid('filed_by').notNull().references(() => users.id),
    filedAt: ts('filed_at').notNull().defaultNow(),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: ts('decided_at'),
    decisionComment: text('decision_comment'),
  },
  (t) => [index('platform_filings_platform_idx').on(t.platformId, t.filedAt), index('platform_filings_pending_idx').on(t.status, t.filedAt)],
);

export const users = pgTable('users', {
  id: id(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull(),
  staffId: text('staff_id'),
  unitId: uuid('unit_id').references(() => units.id),
  isStaff: boolean('is_staff').notNull().default(false),
  roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
  passwordHash: text('password_hash').notNull(),
  failedLogins: integer('failed_logins').notNull().default(0),
  lockedUntil: ts('locked_until'),
  disabled: boolean('disabled').notNull().default(false),
  /** Optional; where e-mail notifications go (issue 14). */
  email: text('email'),
  createdAt: createdAt(),
  /** After an admin's password reset: the session may only change its password (0007). */
  mustChangePassword: boolean('must_change_password').notNull().default(false),
  /** A 工号 this account shared with an older one before 0007 made 工号 unique (the account was disabled). */
  staffIdConflict: text('staff_id_conflict'),
});

/** Failed sign-ins of names without an account, counted like an account's own (0007). */
export const loginThrottle = pgTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  lockedUntil: ts('locked_until'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id').notNull().references(() => users.id),
    createdAt: createdAt(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const draftCounters = pgTable('draft_counters', {
  year: integer('year').primaryKey(),
  last: integer('last').notNull(),
});

export const drafts = pgTable(
  'drafts',
  {
    id: id(),
    number: text('number').notNull().unique(),
    title: text('title').notNull(),
    platformId: uuid('platform_id').notNull().references(() => platforms.id),
    unitId: uuid('unit_id').notNull().references(() => units.id),
    authorId: uuid('author_id').notNull().references(() => users.id),
    major: boolean('major').notNull().default(false),
    /** 体裁 from src/shared/genres.ts, or null (issue 11). */
    genre: text('genre'),
    escalated: boolean('escalated').notNull().default(false),
    status: text('status').notNull(),
    stage: text('stage'),
    round: integer('round').notNull().default(1),
    version: integer('version').notNull().default(1),
    currentRevisionId: uuid('current_revision_id'),
    everReleased: boolean('ever_released').notNull().default(false),
    releasedHash: text('released_hash'),
    releasedAt: ts('released_at'),
    stageEnteredAt: ts('stage_entered_at').notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('drafts_status_idx').on(t.status, t.stage),
    index('drafts_unit_idx').on(t.unitId, t.createdAt),
    index('drafts_author_idx').on(t.authorId),
  ],
);

export const revisions = pgTable(
  'revisions',
  {
    id: id(),
    draftId: uuid('draft_id').notNull().references(() => drafts.id),
    number: integer('number').notNull(),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    format: text('format').notNull(),
    origin: jsonb('origin').$type<Origin>().notNull(),
    assets: jsonb('assets').$type<Asset[]>().notNull(),
    media: jsonb('media').$type<MediaRef[]>().notNull().default([]),
    docNotes: jsonb('doc_notes').$type<ContentNote[]>().notNull().default([]),
    contentHash: text('content_hash').notNull(),
    diff: jsonb('diff').$type<unknown>(),
    note: text('note'),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('revisions_draft_number_idx').on(t.draftId, t.number)],
);

export const checkRuns = pgTable(
  'check_runs',
  {
    revisionId: uuid('revision_id').notNull().references(() => revisions.id),
    checkId: text('check_id').notNull(),
    draftId: uuid('draft_id').notNull().references(() => drafts.id),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    rulesetVersion: text('ruleset_version'),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.revisionId, t.checkId] }), index('check_runs_pending_idx').on(t.status, t.updatedAt)],
);

export const findings = pgTable(
  'findings',
  {
    id: id(),
    draftId: uuid('draft_id').notNull().references(() => drafts.id),
    revisionId: uuid('revision_id').notNull().references(() => revisions.id),
    checkId: text('check_id').notNull(),
    category: text('category').notNull(),
    severity: text('severity').notNull(),
    startOffset: integer('start_offset').notNull(),
    endOffset: integer('end_offset').notNull(),
    source: jsonb('source').$type<FindingSource>().notNull(),
    matched: text('matched').notNull(),
    ruleId: text('rule_id').notNull(),
    rulesetVersion: text('ruleset_version').notNull(),
    message: text('message').notNull(),
    suggestion: text('suggestion'),
    escalate: boolean('escalate').notNull().default(false),
    evidence: jsonb('evidence').$type<Record<string, unknown>>(),
    waivedBy: uuid('waived_by').references(() => users.id),
    waivedAt: ts('waived_at'),
    waiveReason: text('waive_reason'),
    /** never | propaganda | stage (config/waivers.ts), decided when the finding is recorded. */
    waiverPolicy: text('waiver_policy'),
    createdAt: createdAt(),
  },
  (t) => [index('findings_revision_idx').on(t.revisionId, t.checkId)],
);

export const decisions = pgTable(
  'decisions',
  {
    id: id(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    draftId: uuid('draft_id').notNull().references(() => drafts.id),
    revisionId: uuid('revision_id').notNull().references(() => revisions.id),
    revisionHash: text('revision_hash').notNull(),
    round: integer('round').notNull(),
    stage: text('stage').notNull(),
    action: text('action').notNull(),
    actorId: uuid('actor_id').notNull().references(() => users.id),
    /** The reviewer's 工号 (upper-cased) when deciding: separation of duties compares people (0007). */
    actorStaffId: text('actor_staff_id'),
    comment: text('comment').notNull().default(''),
    marks: jsonb('marks').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [index('decisions_draft_idx').on(t.draftId, t.seq)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id').notNull().references(() => users.id),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    draftId: uuid('draft_id').references(() => drafts.id),
    response: jsonb('response').$type<unknown>(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chain: text('chain').notNull(),
    seq: integer('seq').notNull(),
    draftId: uuid('draft_id'),
    revisionId: uuid('revision_id'),
    actorId: uuid('actor_id'),
    actorName: text('actor_name').notNull(),
    type: text('type').notNull(),
    outcome: text('outcome').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: ts('created_at').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [uniqueIndex('audit_events_chain_seq_idx').on(t.chain, t.seq), index('audit_events_draft_idx').on(t.draftId)],
);

/**
 * Admin changes to the shipped dictionaries (the files in dictionaries/ stay the baseline). One row per
 * (list, term): `added` puts the term in the list, `removed` takes a baseline term out. The effective dictionary
 * is files + these rows; its version is the content hash of the composed files.
 */
export const dictionaryTerms = pgTable(
  'dictionary_terms',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    list: text('list').notNull(),
    term: text('term').notNull(),
    state: text('state').notNull(),
    severity: text('severity').notNull().default('-'),
    note: text('note').notNull().default(''),
    flags: text('flags').notNull().default(''),
    changeId: bigint('change_id', { mode: 'number' }).notNull(),
    updatedBy: uuid('updated_by').references(() => users.id),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('dictionary_terms_list_term_idx').on(t.list, t.term)],
);

/** Append-only log of dictionary changes (who, what, version before → after); the audit event mirrors it. */
export const dictionaryChanges = pgTable('dictionary_changes', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  action: text('action').notNull(),
  list: text('list').notNull(),
  terms: jsonb('terms').$type<string[]>().notNull(),
  versionBefore: text('version_before').notNull(),
  versionAfter: text('version_after').notNull(),
  actorId: uuid('actor_id').references(() => users.id),
  createdAt: createdAt(),
});

/** 回溯检查: one scan of every released draft for the terms a change added, with progress for the board. */
export const dictionaryRescans = pgTable(
  'dictionary_rescans',
  {
    id: id(),
    changeId: bigint('change_id', { mode: 'number' }).notNull(),
    status: text('status').notNull().default('pending'),
    terms: jsonb('terms').$type<Array<{ list: string; term: string }>>().notNull(),
    rulesetVersion: text('ruleset_version'),
    total: integer('total').notNull().default(0),
    processed: integer('processed').notNull().default(0),
    matched: integer('matched').notNull().default(0),
    cursors: jsonb('cursors').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    partitions: integer('partitions').notNull().default(0),
    claimedBy: text('claimed_by'),
    heartbeatAt: ts('heartbeat_at'),
    error: text('error'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('dictionary_rescans_status_idx').on(t.status, t.createdAt)],
);

/** A released draft that now has findings from the terms a rescan looked for (a record, not a state change). */
export const dictionaryRescanHits = pgTable(
  'dictionary_rescan_hits',
  {
    rescanId: uuid('rescan_id').notNull().references(() => dictionaryRescans.id),
    draftId: uuid('draft_id').notNull().references(() => drafts.id),
    revisionId: uuid('revision_id').notNull().references(() => revisions.id),
    findings: jsonb('findings').$type<unknown[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.rescanId, t.draftId] })],
);

/**
 * 校对标记: a reviewer's proofreading mark on one revision — a plain-text span (the offsets every check uses)
 * with its source span, and either a correction (replacement) or a comment. Marks are records, not draft state:
 * the content columns are written once; only the resolution columns change (open → accepted / rejected, and an
 * accepted correction → applied with the revision that carries it).
 */
export const proofMarks = pgTable(
  'proof_marks',
  {
    id: id(),
    draftId: uuid('draft_id').notNull().references(() => drafts.id),
    revisionId: uuid('revision_id').notNull().references(() => revisions.id),
    stage: text('stage').notNull(),
    kind: text('kind').notNull(),
    startOffset: integer('start_offset').notNull(),
    endOffset: integer('end_offset').notNull(),
    source: jsonb('source').$type<FindingSource>().notNull(),
    original: text('original').notNull(),
    replacement: text('replacement'),
    note: text('note').notNull().default(''),
    findingId: uuid('finding_id').references(() => findings.id),
    status: text('status').notNull().default('open'),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: createdAt(),
    resolvedBy: uuid('resolved_by').references(() => users.id),
    resolvedAt: ts('resolved_at'),
    resolutionNote: text('resolution_note'),
    appliedRevisionId: uuid('applied_revision_id').references(() => revisions.id),
  },
  (t) => [index('proof_marks_draft_idx').on(t.draftId, t.revisionId)],
);

/** Stored media files (issue 9), content-addressed by SHA-256; the bytes live behind the media storage port. */
export const media = pgTable('media', {
  hash: text('hash').primaryKey(),
  kind: text('kind').notNull(),
  mime: text('mime').notNull(),
  bytes: integer('bytes').notNull(),
  width: integer('width'),
  height: integer('height'),
  durationMs: integer('duration_ms'),
  createdBy: uuid('created_by').notNull().references(() => users.id),
  createdAt: createdAt(),
});

export const mediaUploads = pgTable(
  'media_uploads',
  {
    hash: text('hash').notNull().references(() => media.hash),
    userId: uuid('user_id').notNull().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.hash, t.userId] })],
);

/** What each release handed out: the rendered bytes, their SHA-256 and the media manifest. */
export const releases = pgTable(
  'releases',
  {
    id: id(),
    draftId: uuid('draft_id').notNull().references(() => drafts.id),
    revisionId: uuid('revision_id').notNull().references(() => revisions.id),
    contentHash: text('content_hash').notNull(),
    renditionSha256: text('rendition_sha256').notNull(),
    rendition: text('rendition').notNull(),
    media: jsonb('media').$type<MediaRef[]>().notNull(),
    releasedBy: uuid('released_by').references(() => users.id),
    releasedAt: ts('released_at').notNull().defaultNow(),
  },
  (t) => [index('releases_draft_idx').on(t.draftId, t.releasedAt)],
);

/** Where notifications are posted besides people: e-mail lists, 企业微信/钉钉 robots, campus OA webhooks. */
export const notificationChannels = pgTable('notification_channels', {
  id: id(),
  kind: text('kind').notNull(),
  name: text('name').notNull(),
  url: text('url').notNull(),
  secret: text('secret'),
  unitId: uuid('unit_id').references(() => units.id),
  events: text('events').array(),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: createdAt(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  deletedAt: ts('deleted_at'),
});

/** The outbox: one row per thing that happened and is worth telling, written in the transition's transaction. */
export const notifications = pgTable('notifications', {
  id: id(),
  event: text('event').notNull(),
  draftId: uuid('draft_id').references(() => drafts.id),
  dedupKey: text('dedup_key'),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
});

export const notificationInbox = pgTable(
  'notification_inbox',
  {
    notificationId: uuid('notification_id').notNull().references(() => notifications.id),
    userId: uuid('user_id').notNull().references(() => users.id),
    createdAt: createdAt(),
    readAt: ts('read_at'),
  },
  (t) => [primaryKey({ columns: [t.notificationId, t.userId] })],
);

/** One delivery per (notification, channel) or (notification, person); its id is the webhook's X-Sanshen-Delivery. */
export const notificationDeliveries = pgTable('notification_deliveries', {
  id: id(),
  notificationId: uuid('notification_id').notNull().references(() => notifications.id),
  channelId: uuid('channel_id').references(() => notificationChannels.id),
  userId: uuid('user_id').references(() => users.id),
  kind: text('kind').notNull(),
  status: text('status').notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  notBefore: ts('not_before').notNull().defaultNow(),
  createdAt: createdAt(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  sentAt: ts('sent_at'),
});

export const notificationPreferences = pgTable('notification_preferences', {
  userId: uuid('user_id').primaryKey().references(() => users.id),
  emailEnabled: boolean('email_enabled').notNull().default(true),
  digest: boolean('digest').notNull().default(false),
  quietStart: text('quiet_start'),
  quietEnd: text('quiet_end'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** 报告误报: a reviewer's report that a finding is a false alarm (issue 11); with waivers, the labelled false alarms. */
export const findingReports = pgTable(
  'finding_reports',
  {
    id: id(),
    findingId: uuid('finding_id').notNull().references(() => findings.id),
    draftId: uuid('draft_id').notNull().references(() => drafts.id),
    ruleId: text('rule_id').notNull(),
    reporterId: uuid('reporter_id').notNull().references(() => users.id),
    comment: text('comment').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('finding_reports_finding_reporter_idx').on(t.findingId, t.reporterId), index('finding_reports_rule_idx').on(t.ruleId, t.createdAt)],
);

/** 影子规则 (issue 11): a term that runs silently until an admin switches it on (status shadow → promoted | discarded). */
export const shadowTerms = pgTable('shadow_terms', {
  id: id(),
  list: text('list').notNull(),
  term: text('term').notNull(),
  severity: text('severity').notNull().default('-'),
  note: text('note').notNull().default(''),
  flags: text('flags').notNull().default(''),
  status: text('status').notNull().default('shadow'),
  baseVersion: text('base_version').notNull(),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: createdAt(),
  decidedBy: uuid('decided_by').references(() => users.id),
  decidedAt: ts('decided_at'),
  changeId: bigint('change_id', { mode: 'number' }),
});

/**
 * A whitelist phrase for one unit's drafts or one genre's drafts only (issue 11; exactly one of unitId / genre);
 * applied to the findings of those revisions.
 */
export const scopedWhitelist = pgTable(
  'scoped_whitelist',
  {
    id: id(),
    phrase: text('phrase').notNull(),
    unitId: uuid('unit_id').references(() => units.id),
    genre: text('genre'),
    ruleId: text('rule_id'),
    note: text('note').notNull().default(''),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('scoped_whitelist_unit_phrase_idx').on(t.unitId, t.phrase)],
);

/** What a shadow term would have flagged on a revision, recorded by the check worker as drafts arrive (issue 11). */
export const shadowHits = pgTable(
  'shadow_hits',
  {
    id: id(),
    shadowId: uuid('shadow_id').notNull().references(() => shadowTerms.id),
    draftId: uuid('draft_id').notNull().references(() => drafts.id),
    revisionId: uuid('revision_id').notNull().references(() => revisions.id),
    checkId: text('check_id').notNull(),
    severity: text('severity').notNull(),
    start: integer('start').notNull(),
    end: integer('end').notNull(),
    matched: text('matched').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('shadow_hits_once_idx').on(t.shadowId, t.revisionId, t.start, t.end), index('shadow_hits_shadow_idx').on(t.shadowId, t.createdAt)],
);
