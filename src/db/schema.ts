import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
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
});

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
  createdAt: createdAt(),
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
