/**
 * The audit-event catalog: every event type the system writes, which chain it goes on, and the payload its `data`
 * carries. Writers take an `AuditEvent` (a discriminated union on `type`), so a new event is added here first; the
 * trail reads `data` through `auditPayload()` with the same types. Payload fields are the ones the writers set; a
 * field marked optional is absent on some writers' events (older events, or a variant of the action).
 */

/** A draft's workflow state before and after a change, and the draft's version after it. */
export type TransitionData = {
  from: { status: string; stage: string | null };
  to: { status: string; stage: string | null };
  version: number;
};

/** One check's result summary. */
export type CheckSummary = {
  check: string;
  rulesetVersion: string;
  /** Hash of the unit/genre whitelist entries applied (issue 11); absent when none applied. */
  scopedWhitelistVersion?: string;
  findings: number;
  blocking: number;
};

/** A nested value the writer copies from another layer's record (a diff, a form, a policy); the trail shows it as stored. */
type Stored = unknown;

/** What a review decision records (approve, return and reject alike). */
export type DecisionData = {
  decisionId: string;
  stage: string;
  action: string;
  comment: string | null;
  marks: Stored;
  revisionHash: string;
  round: number;
  staffId: string | null;
};

/** What a new revision records: its number and hash, the one before it, and the diff. */
export type RevisionData = {
  revisionNumber: number;
  contentHash: string;
  previousHash: string;
  diff: Stored;
  marks: Stored;
  note: string | null;
  stage: string | null;
  proofreadBound?: Stored;
};

/** A 校对标记 as its audit events record it. */
type MarkData = { markId: string; kind: string; stage: string | null; note: string | null; version: number; staffId: string | null };

/** A platform's 备案 form as the trail keeps it. */
type FilingData = { platformId: string; filingId: string };

/** An admin change to a user account. */
type UserData = { userId: string; username: string };

/** Payloads of events on a draft's chain (`draft-<id>`). */
export interface DraftEventPayloads {
  'draft.submitted': { number: string; platformId: string; major: boolean; genre?: string; contentHash: string; origin: string; checks: readonly string[] };
  'check.completed': CheckSummary;
  'checks.completed': CheckSummary & TransitionData & { totalFindings: number; blockingFindings: number; escalated: boolean; autoReturned: boolean };
  'check.failed': TransitionData & { check: string; reason: string };
  'checks.retried': TransitionData & { checks: readonly string[] };
  'review.approved': TransitionData & DecisionData;
  'review.returned': TransitionData & DecisionData;
  'review.rejected': TransitionData & DecisionData;
  'finding.waived': TransitionData & {
    findingId: string;
    checkId: string;
    ruleId: string;
    category: string;
    matched: string;
    message: string;
    policy: Stored;
    reason: string;
    stage: string | null;
  };
  'draft.revised': TransitionData & RevisionData;
  'revision.proofread': TransitionData & RevisionData;
  'draft.resubmitted': TransitionData & { statement: string };
  'draft.withdrawn': TransitionData & { reason: string | null };
  'draft.released': TransitionData & { contentHash: string; revisionNumber: number; renditionSha256: string | null; media: readonly string[] };
  'draft.retracted': TransitionData & { reason: string };
  'draft.correction_submitted': TransitionData & { reason: string; contentHash: string; previousHash: string; diff: Stored };
  'mark.created': Omit<MarkData, 'note'> & {
    original: string;
    note: string | null;
    /** A mark on a picture or a video timecode. */
    media?: string;
    timeMs?: number | null;
    /** A mark on a span of the text. */
    start?: number;
    end?: number;
    replacement?: string | null;
    findingId?: string | null;
  };
  'mark.accepted': MarkData;
  'mark.rejected': MarkData;
  'finding.false_alarm_reported': { findingId: string; checkId: string; ruleId: string; matched: string; comment: string | null };
}

/** Payloads of events on a platform's 备案 chain (`platform-<id>`); every one names its platform. */
export interface PlatformEventPayloads {
  'registry.applied': FilingData & { form: Stored; again?: boolean };
  'registry.approved': FilingData & { comment: string };
  'registry.returned': FilingData & { comment: string };
  'registry.registered': { platformId: string; form: Stored; direct: boolean };
  'registry.change_filed': FilingData & { diff: Stored; changedOn: string; dueOn: string; late: boolean; reason: string | null };
  'registry.change_approved': FilingData & { comment: string; diff: Stored; late: boolean };
  'registry.change_returned': FilingData & { comment: string; diff: Stored; late: boolean };
  'registry.deregistration_filed': FilingData & { reason: string };
  'registry.deregistration_returned': FilingData & { comment: string };
  /** Deregistered directly (`direct`, `reason`, `from`) or by an approved filing (`filingId`, `comment`). */
  'registry.deregistered': { platformId: string; filingId?: string; comment?: string; reason?: string; direct?: boolean; from?: string };
}

/** Payloads of events on the `security` chain: sign-in, denials, exports, administration, dictionaries. */
export interface SecurityEventPayloads {
  'auth.login': { ip: string };
  'auth.logout': Record<string, never>;
  'auth.login_failed': { ip: string; failures: number; reason: string };
  'auth.login_locked': { ip: string; lockedUntil: string | null; reason?: string };
  'auth.account_locked': { ip: string; failures: number; reason: string };
  'auth.login_refused': { ip: string; reason: string };
  'auth.password_changed': { ip: string; wasForced: boolean };
  /** A denied HTTP request (`method`, `path`, `details`) or socket message (`channel`, `event`, `input`). */
  'access.denied': { reason: string; method?: string; path?: string; details?: Stored; channel?: 'socket'; event?: string; input?: Stored };
  'security.cross_site_refused': { ip: string; method: string; path: string; origin: string | null; secFetchSite: string | null };
  /** A draft's trail or 审稿单 (`draftId`, `number`), a month's 审稿单 (`platformId`, `month`, `sheets`), or the annual report. */
  'audit.exported': {
    format: string;
    draftId?: string;
    number?: string;
    events?: number;
    report?: string;
    platformId?: string | null;
    year?: number;
    period?: string;
    month?: string;
    sheets?: number;
  };
  'draft.claimed': { number: string; stage: string | null; version: number };
  'draft.unclaimed': { number: string; stage: string | null; version: number };
  'admin.queue_action': { method: string; path: string; queue: string | null; action: string; ip: string };
  'admin.unit_created': { unitId: string; name: string; code: string };
  'admin.unit_updated': { unitId: string; from: { name: string; code: string }; to: { name: string; code: string } };
  'admin.platform_created': { platformId: string; name: string; kind: string; level: string; unitId: string };
  'admin.platform_updated': { platformId: string; from: Stored; to: Stored };
  'admin.user_created': UserData & { roles: readonly string[]; unitId: string | null; isStaff: boolean };
  'admin.user_updated': UserData & { changed: Record<string, { from: unknown; to: unknown }> };
  'admin.user_disabled': UserData & { reason: string | null; sessionsEnded: number };
  'admin.user_enabled': UserData & { reason: string | null; sessionsEnded: number };
  'admin.user_unlocked': UserData & { wasLockedUntil: string | null };
  'admin.password_reset': UserData & { sessionsEnded: number };
  'admin.sessions_revoked': UserData & { sessionsEnded: number };
  'admin.roles_changed': { userId: string; roles: readonly string[] };
  'admin.user_email_changed': { userId: string; hasEmail: boolean };
  'admin.notification_channel_created': { channelId: string; kind: string; name: string; url: string; hasSecret: boolean; unitId: string | null; events: readonly string[] | null };
  'admin.notification_channel_updated': { channelId: string; changed: readonly string[]; url: string; kind: string; unitId: string | null; events: readonly string[] | null };
  'admin.notification_channel_deleted': { channelId: string; name: string; kind: string };
  'admin.notification_retried': { deliveryId: string };
  'admin.gallery_added': { entryId: string; media: string; list: string; dhash: string | null; holder: string | null };
  'admin.gallery_removed': { entryId: string; media: string | null; list: string | null };
  'dictionary.terms_added': DictionaryChangeData;
  'dictionary.terms_removed': DictionaryChangeData;
  'dictionary.imported': DictionaryChangeData;
  'dictionary.unit_whitelist_added': { id: string; phrase: string; unitId: string; ruleId: string; findingId: string };
  'dictionary.genre_whitelist_added': { id: string; phrase: string; genre: string | null; ruleId: string; findingId: string };
  'dictionary.shadow_added': { shadowId: string; list: string; term: string; severity: string; baseVersion: string };
  'dictionary.shadow_promoted': { shadowId: string; list: string; term: string; changeId: number | null; version: string };
  'dictionary.shadow_discarded': { shadowId: string; list: string; term: string };
}

/** A change to a dictionary list: what was added or removed, the versions around it and the rescan it started. */
type DictionaryChangeData = {
  list: string;
  changeId: number;
  added: number;
  removed: number;
  terms: readonly string[];
  termsTruncated: boolean;
  versionBefore: string;
  versionAfter: string;
  rescanId: string | null;
};

export type AuditEventPayloads = DraftEventPayloads & PlatformEventPayloads & SecurityEventPayloads;

/** What the writer of a state change sets; the transition core adds `from`, `to` and `version` (distributes over a union of types). */
export type TransitionPayload<T extends DraftEventType> = T extends DraftEventType ? Omit<DraftEventPayloads[T], keyof TransitionData> : never;
export type AuditEventType = keyof AuditEventPayloads;
export type DraftEventType = keyof DraftEventPayloads;
export type PlatformEventType = keyof PlatformEventPayloads;
export type SecurityEventType = keyof SecurityEventPayloads;

/** One event as a writer hands it over: its type and the payload that type carries. */
export type AuditEvent = { [T in AuditEventType]: { type: T; data: AuditEventPayloads[T] } }[AuditEventType];

/** Builds an event whose type is a variable of a known subset (`disabled ? 'admin.user_disabled' : …`). */
export function auditEvent<T extends AuditEventType>(type: T, data: AuditEventPayloads[T]): AuditEvent {
  return { type, data } as AuditEvent;
}

const CATALOG: Record<AuditEventType, true> = {
  'draft.submitted': true,
  'check.completed': true,
  'checks.completed': true,
  'check.failed': true,
  'checks.retried': true,
  'review.approved': true,
  'review.returned': true,
  'review.rejected': true,
  'finding.waived': true,
  'draft.revised': true,
  'revision.proofread': true,
  'draft.resubmitted': true,
  'draft.withdrawn': true,
  'draft.released': true,
  'draft.retracted': true,
  'draft.correction_submitted': true,
  'mark.created': true,
  'mark.accepted': true,
  'mark.rejected': true,
  'finding.false_alarm_reported': true,
  'registry.applied': true,
  'registry.approved': true,
  'registry.returned': true,
  'registry.registered': true,
  'registry.change_filed': true,
  'registry.change_approved': true,
  'registry.change_returned': true,
  'registry.deregistration_filed': true,
  'registry.deregistration_returned': true,
  'registry.deregistered': true,
  'auth.login': true,
  'auth.logout': true,
  'auth.login_failed': true,
  'auth.login_locked': true,
  'auth.account_locked': true,
  'auth.login_refused': true,
  'auth.password_changed': true,
  'access.denied': true,
  'security.cross_site_refused': true,
  'audit.exported': true,
  'draft.claimed': true,
  'draft.unclaimed': true,
  'admin.queue_action': true,
  'admin.unit_created': true,
  'admin.unit_updated': true,
  'admin.platform_created': true,
  'admin.platform_updated': true,
  'admin.user_created': true,
  'admin.user_updated': true,
  'admin.user_disabled': true,
  'admin.user_enabled': true,
  'admin.user_unlocked': true,
  'admin.password_reset': true,
  'admin.sessions_revoked': true,
  'admin.roles_changed': true,
  'admin.user_email_changed': true,
  'admin.notification_channel_created': true,
  'admin.notification_channel_updated': true,
  'admin.notification_channel_deleted': true,
  'admin.notification_retried': true,
  'admin.gallery_added': true,
  'admin.gallery_removed': true,
  'dictionary.terms_added': true,
  'dictionary.terms_removed': true,
  'dictionary.imported': true,
  'dictionary.unit_whitelist_added': true,
  'dictionary.genre_whitelist_added': true,
  'dictionary.shadow_added': true,
  'dictionary.shadow_promoted': true,
  'dictionary.shadow_discarded': true,
};

/** Every catalogued event type (the trail and the tests enumerate them). */
export const AUDIT_EVENT_TYPES = Object.keys(CATALOG) as AuditEventType[];

export const isAuditEventType = (type: string): type is AuditEventType => Object.hasOwn(CATALOG, type);

/** A stored event's payload, typed by its catalogued type (undefined for a type the catalog does not know). */
export function auditPayload<T extends AuditEventType>(event: { type: string; data: Record<string, unknown> }, type: T): AuditEventPayloads[T] | undefined {
  return event.type === type ? (event.data as AuditEventPayloads[T]) : undefined;
}

/** A stored event as the catalog types it (narrow on `type`), or undefined for a type the catalog does not know. */
export function catalogued(event: { type: string; data: Record<string, unknown> }): AuditEvent | undefined {
  return isAuditEventType(event.type) ? ({ type: event.type, data: event.data } as AuditEvent) : undefined;
}

/**
 * The stage and the opinion (comment, else reason, else statement) a trail row shows in their own columns. A
 * catalogued event is read through its payload type; an uncatalogued one by the same field names, as stored.
 */
export function trailColumns(event: { type: string; data: Record<string, unknown> }): { stage: unknown; opinion: unknown } {
  const d: AuditEvent['data'] | Record<string, unknown> = catalogued(event)?.data ?? event.data;
  const comment = 'comment' in d ? d.comment : undefined;
  const reason = 'reason' in d ? d.reason : undefined;
  const statement = 'statement' in d ? d.statement : undefined;
  return { stage: ('stage' in d ? d.stage : undefined) ?? '', opinion: comment ?? reason ?? statement ?? '' };
}
