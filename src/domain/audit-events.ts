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

type Loose = Record<string, unknown>;

/** Payloads of events on a draft's chain (`draft-<id>`). */
export interface DraftEventPayloads {
  'draft.submitted': Loose;
  'check.completed': CheckSummary;
  'checks.completed': CheckSummary & TransitionData & { totalFindings: number; blockingFindings: number; escalated: boolean; autoReturned: boolean };
  'check.failed': TransitionData & { check: string; reason: string };
  'checks.retried': TransitionData & Loose;
  'review.approved': TransitionData & Loose;
  'review.returned': TransitionData & Loose;
  'review.rejected': TransitionData & Loose;
  'finding.waived': TransitionData & Loose;
  'draft.revised': TransitionData & Loose;
  'revision.proofread': TransitionData & Loose;
  'draft.resubmitted': TransitionData & { statement: string };
  'draft.withdrawn': TransitionData & { reason: string | null };
  'draft.released': TransitionData & Loose;
  'draft.retracted': TransitionData & { reason: string };
  'draft.correction_submitted': TransitionData & Loose;
  'mark.created': Loose & { markId: string; version: number };
  'mark.accepted': Loose;
  'mark.rejected': Loose;
  'finding.false_alarm_reported': { findingId: string; checkId: string; ruleId: string; matched: string; comment: string | null };
}

/** Payloads of events on a platform's 备案 chain (`platform-<id>`); every one names its platform. */
export interface PlatformEventPayloads {
  'registry.applied': { platformId: string } & Loose;
  'registry.approved': { platformId: string } & Loose;
  'registry.returned': { platformId: string } & Loose;
  'registry.registered': { platformId: string } & Loose;
  'registry.change_filed': { platformId: string } & Loose;
  'registry.change_approved': { platformId: string } & Loose;
  'registry.change_returned': { platformId: string } & Loose;
  'registry.deregistration_filed': { platformId: string } & Loose;
  'registry.deregistration_returned': { platformId: string } & Loose;
  'registry.deregistered': { platformId: string } & Loose;
}

/** Payloads of events on the `security` chain: sign-in, denials, exports, administration, dictionaries. */
export interface SecurityEventPayloads {
  'auth.login': { ip: string };
  'auth.logout': Loose;
  'auth.login_failed': { ip: string } & Loose;
  'auth.login_locked': { ip: string } & Loose;
  'auth.account_locked': { ip: string } & Loose;
  'auth.login_refused': { ip: string; reason: string };
  'auth.password_changed': { ip: string; wasForced: boolean };
  'access.denied': Loose;
  'security.cross_site_refused': { ip: string; method: string; path: string; origin: string | null; secFetchSite: string | null };
  'audit.exported': Loose;
  'draft.claimed': Loose;
  'draft.unclaimed': Loose;
  'admin.queue_action': { method: string; path: string; queue: string | null; action: string; ip: string };
  'admin.unit_created': { unitId: string } & Loose;
  'admin.unit_updated': { unitId: string } & Loose;
  'admin.platform_created': { platformId: string } & Loose;
  'admin.platform_updated': { platformId: string } & Loose;
  'admin.user_created': { userId: string; username: string } & Loose;
  'admin.user_updated': { userId: string; username: string } & Loose;
  'admin.user_disabled': { userId: string; username: string } & Loose;
  'admin.user_enabled': { userId: string; username: string } & Loose;
  'admin.user_unlocked': { userId: string; username: string } & Loose;
  'admin.password_reset': { userId: string; username: string } & Loose;
  'admin.sessions_revoked': { userId: string; username: string } & Loose;
  'admin.roles_changed': { userId: string; roles: readonly string[] };
  'admin.user_email_changed': { userId: string; hasEmail: boolean };
  'admin.notification_channel_created': { channelId: string } & Loose;
  'admin.notification_channel_updated': { channelId: string } & Loose;
  'admin.notification_channel_deleted': { channelId: string } & Loose;
  'admin.notification_retried': { deliveryId: string };
  'admin.gallery_added': { entryId: string } & Loose;
  'admin.gallery_removed': { entryId: string } & Loose;
  'dictionary.terms_added': { list: string; changeId: number } & Loose;
  'dictionary.terms_removed': { list: string; changeId: number } & Loose;
  'dictionary.imported': { list: string; changeId: number } & Loose;
  'dictionary.unit_whitelist_added': Loose;
  'dictionary.genre_whitelist_added': Loose;
  'dictionary.shadow_added': Loose;
  'dictionary.shadow_promoted': Loose;
  'dictionary.shadow_discarded': Loose;
}

export type AuditEventPayloads = DraftEventPayloads & PlatformEventPayloads & SecurityEventPayloads;
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
