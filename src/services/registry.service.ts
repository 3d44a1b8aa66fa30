import { auditActor } from '../domain/audit';
import { auditEvent, type PlatformEventType } from '../domain/audit-events';
import { appendAuditEvent } from '../db/audit.repository';
import { getPlatform, getUnit, insertPlatform, usersByIds, type UserRow } from '../db/directory.repository';
import type { Db, Executor, Tx } from '../db/pool';
import {
  decideFilingRow,
  filingsOf,
  getFiling,
  insertFiling,
  listRegistry,
  lockPlatform,
  pendingFilingOf,
  staffOfUnit,
  updatePlatform,
  type FilingRow,
  type PlatformRecord,
  type RegistryFilter,
} from '../db/registry.repository';
import type { PlatformAdmin, PlatformCorrespondent } from '../db/schema';
import { hasRole, unitScope, type AuthUser } from '../domain/access';
import { conflict, DomainError, forbidden, invalidTransition, notFound, validationFailed } from '../domain/errors';
import { acceptsDrafts, filingDeadline, localDay, platformChain, registryDiff, type FieldChange, type PlatformKind, type PlatformLevel } from '../domain/registry';
import { recordsConfig, type ServiceDeps } from './deps';

/** What a 备案表 asks for. `admins` name people by user id; their name and 工号 come from the directory. */
export interface RegistryForm {
  name: string;
  kind: PlatformKind;
  level: PlatformLevel;
  unitId: string;
  accountName?: string | undefined;
  accountId?: string | undefined;
  responsibleId?: string | undefined;
  admins?: Array<{ userId: string; phone: string }> | undefined;
  correspondents?: PlatformCorrespondent[] | undefined;
  positioning?: string | undefined;
  openedOn?: string | undefined;
  partner?: string | null | undefined;
}

/** The 备案 columns of a form, with every person checked against the directory. */
export type RegistryColumns = Pick<
  PlatformRecord,
  'name' | 'kind' | 'level' | 'unitId' | 'accountName' | 'accountId' | 'responsibleId' | 'admins' | 'correspondents' | 'positioning' | 'openedOn' | 'partner'
>;

/** Office roles: 宣传部 and admins decide filings and may deregister directly. */
const isOffice = (user: AuthUser) => hasRole(user, 'propaganda', 'admin');

/** Editors of the owning unit file for its accounts; the office files for any. */
function mayFileFor(user: AuthUser, unitId: string): boolean {
  return isOffice(user) || (hasRole(user, 'editor') && user.unitId === unitId);
}

/**
 * Checks a form: the unit exists, the 责任人 and every 后台管理人员 are enabled staff; with `complete`, every
 * field of the 备案表 is present (a unit's application), otherwise the 备案 fields are optional (an admin's record).
 * @throws DomainError validation_failed
 */
export async function registryColumns(db: Executor, form: RegistryForm, complete: boolean): Promise<RegistryColumns> {
  if (!(await getUnit(db, form.unitId))) throw validationFailed('所属单位不存在', { field: 'unitId' });
  if (complete) {
    const missing = (['accountName', 'accountId', 'responsibleId', 'positioning', 'openedOn'] as const).filter((f) => !form[f]);
    if (!form.admins || form.admins.length === 0) missing.push('admins' as never);
    if (missing.length > 0) throw validationFailed('备案表未填写完整', { missing });
  }
  const admins = await staffAdmins(db, form.admins ?? []);
  if (form.responsibleId) await requireStaff(db, form.responsibleId, 'responsibleId', '责任人');
  return {
    name: form.name,
    kind: form.kind,
    level: form.level,
    unitId: form.unitId,
    accountName: form.accountName ?? null,
    accountId: form.accountId ?? null,
    responsibleId: form.responsibleId ?? null,
    admins,
    correspondents: form.correspondents ?? [],
    positioning: form.positioning ?? null,
    openedOn: form.openedOn ?? null,
    partner: form.partner ?? null,
  };
}

async function requireStaff(db: Executor, userId: string, field: string, what: string) {
  const [user] = await usersByIds(db, [userId]);
  if (!user || user.disabled) throw validationFailed(`${what}不存在`, { field });
  if (!user.isStaff) throw validationFailed(`${what}须为在编教职工`, { field, userId });
  return user;
}

async function staffAdmins(db: Executor, admins: ReadonlyArray<{ userId: string; phone: string }>): Promise<PlatformAdmin[]> {
  if (new Set(admins.map((a) => a.userId)).size !== admins.length) throw validationFailed('后台管理人员重复', { field: 'admins' });
  const users = new Map(
    (
      await usersByIds(
        db,
        admins.map((a) => a.userId),
      )
    ).map((u) => [u.id, u]),
  );
  return admins.map((a, i) => {
    const user = users.get(a.userId);
    if (!user || user.disabled) throw validationFailed('后台管理人员不存在', { field: `admins.${i}.userId` });
    if (!user.isStaff) throw validationFailed('后台管理人员须为在编教职工', { field: `admins.${i}.userId`, userId: a.userId });
    return { userId: user.id, name: user.displayName, staffId: user.staffId, phone: a.phone };
  });
}

/** What the trail keeps of a record: no phone numbers (personal data stays in the record itself). */
function trailForm(c: Partial<RegistryColumns>): Record<string, unknown> {
  const { admins, correspondents, ...rest } = c;
  return {
    ...rest,
    ...(admins ? { admins: admins.map((a) => ({ userId: a.userId, name: a.name, staffId: a.staffId })) } : {}),
    ...(correspondents ? { correspondents: correspondents.map((p) => p.name) } : {}),
  };
}

const trailDiff = (diff: readonly FieldChange[]) =>
  diff.map((d) =>
    d.field === 'admins' ? { field: d.field, before: trailForm({ admins: d.before as PlatformAdmin[] }).admins ?? null, after: trailForm({ admins: d.after as PlatformAdmin[] }).admins } : d,
  );

async function chainEvent(tx: Tx, actor: AuthUser | null, platformId: string, type: PlatformEventType, data: Record<string, unknown>) {
  return appendAuditEvent(tx, { chain: platformChain(platformId), actorId: actor?.id ?? null, actorName: auditActor(actor), ...auditEvent(type, { platformId, ...data }) });
}

/**
 * An admin's record: `registered` at once, 备案 fields optional; its first event opens the platform's chain.
 * @throws DomainError validation_failed
 */
export async function registerDirectly(tx: Tx, actor: AuthUser | null, columns: RegistryColumns): Promise<PlatformRecord> {
  const platform = await insertPlatform(tx, { ...columns, status: 'registered', registeredAt: new Date() });
  await chainEvent(tx, actor, platform.id, 'registry.registered', { form: trailForm(columns), direct: true });
  return platform;
}

/**
 * A unit applies with the full 备案表; the account is `pending` until 宣传部 decides.
 * @throws DomainError forbidden | validation_failed
 */
export async function applyForPlatform(deps: ServiceDeps, actor: AuthUser, form: RegistryForm): Promise<{ platform: PlatformRecord; filing: FilingRow }> {
  if (!mayFileFor(actor, form.unitId)) throw forbidden('只能为本单位的账号申请备案');
  const columns = await registryColumns(deps.db, form, true);
  return deps.db.transaction(async (tx) => {
    const platform = await insertPlatform(tx, { ...columns, status: 'pending' });
    const filing = await insertFiling(tx, { platformId: platform.id, kind: 'application', form: trailForm(columns), filedBy: actor.id });
    await chainEvent(tx, actor, platform.id, 'registry.applied', { filingId: filing.id, form: trailForm(columns) });
    return { platform, filing };
  });
}

/**
 * A returned application filed again with a corrected form.
 * @throws DomainError not_found | forbidden | invalid_transition | validation_failed
 */
export async function reapplyForPlatform(deps: ServiceDeps, actor: AuthUser, platformId: string, form: RegistryForm): Promise<{ platform: PlatformRecord; filing: FilingRow }> {
  const columns = await registryColumns(deps.db, form, true);
  return deps.db.transaction(async (tx) => {
    const current = await lockPlatform(tx, platformId);
    if (!current) throw notFound('平台');
    if (!mayFileFor(actor, current.unitId) || !mayFileFor(actor, columns.unitId)) throw forbidden('只能为本单位的账号申请备案');
    if (current.status !== 'returned') throw invalidTransition('只有被退回的备案申请可以重新提交', { status: current.status });
    const platform = await updatePlatform(tx, platformId, { ...columns, status: 'pending' });
    const filing = await insertFiling(tx, { platformId, kind: 'application', form: trailForm(columns), filedBy: actor.id });
    await chainEvent(tx, actor, platformId, 'registry.applied', { filingId: filing.id, form: trailForm(columns), again: true });
    return { platform, filing };
  });
}

export interface ChangeInput {
  name?: string | undefined;
  responsibleId?: string | undefined;
  admins?: Array<{ userId: string; phone: string }> | undefined;
  changedOn: string;
  reason: string;
}

/**
 * Files a 变更 of name, 后台管理人员 or 责任人 with its diff; the deadline is counted in working days from the day of
 * the change, and a filing after it is flagged late. The record changes only once 宣传部 approves.
 * @throws DomainError not_found | forbidden | invalid_transition | validation_failed | conflict
 */
export async function fileChange(deps: ServiceDeps, actor: AuthUser, platformId: string, input: ChangeInput): Promise<FilingRow> {
  const config = recordsConfig(deps);
  const today = localDay(new Date(), config.timeZone);
  if (input.changedOn > today) throw validationFailed('变更日期不能晚于今天', { field: 'changedOn' });
  const admins = input.admins ? await staffAdmins(deps.db, input.admins) : undefined;
  if (input.responsibleId) await requireStaff(deps.db, input.responsibleId, 'responsibleId', '责任人');
  return deps.db.transaction(async (tx) => {
    const platform = await lockPlatform(tx, platformId);
    if (!platform) throw notFound('平台');
    if (!mayFileFor(actor, platform.unitId)) throw forbidden('只能为本单位的账号报备变更');
    if (platform.status !== 'registered') throw invalidTransition('只有已备案的账号可以报备变更', { status: platform.status });
    if (await pendingFilingOf(tx, platformId, 'change')) throw conflict('该账号已有待审批的变更，请等待宣传部处理');
    const diff = registryDiff(platform, { name: input.name, responsibleId: input.responsibleId, admins });
    if (diff.length === 0) throw validationFailed('变更内容与现有备案一致', { field: 'name' });
    const { dueOn, late } = filingDeadline(input.changedOn, today, config.changeDeadlineWorkingDays);
    const filing = await insertFiling(tx, { platformId, kind: 'change', diff, reason: input.reason, changedOn: input.changedOn, dueOn, late, filedBy: actor.id });
    await chainEvent(tx, actor, platformId, 'registry.change_filed', { filingId: filing.id, diff: trailDiff(diff), changedOn: input.changedOn, dueOn, late, reason: input.reason });
    return filing;
  });
}

/**
 * 注销: the office deregisters at once; a unit files a request that 宣传部 decides. A deregistered account takes
 * no drafts; its record, filings and history stay.
 * @throws DomainError not_found | forbidden | invalid_transition | conflict
 */
export async function deregisterPlatform(deps: ServiceDeps, actor: AuthUser, platformId: string, reason: string): Promise<{ platform: PlatformRecord; filing: FilingRow | null }> {
  return deps.db.transaction(async (tx) => {
    const platform = await lockPlatform(tx, platformId);
    if (!platform) throw notFound('平台');
    if (!mayFileFor(actor, platform.unitId)) throw forbidden('只能为本单位的账号申请注销');
    if (platform.status === 'deregistered') throw invalidTransition('该账号已注销', { status: platform.status });
    if (isOffice(actor)) {
      const saved = await updatePlatform(tx, platformId, { status: 'deregistered', deregisteredAt: new Date() });
      await chainEvent(tx, actor, platformId, 'registry.deregistered', { reason, direct: true, from: platform.status });
      return { platform: saved, filing: null };
    }
    if (platform.status !== 'registered') throw invalidTransition('只有已备案的账号可以申请注销', { status: platform.status });
    if (await pendingFilingOf(tx, platformId, 'deregistration')) throw conflict('该账号已有待审批的注销申请');
    const filing = await insertFiling(tx, { platformId, kind: 'deregistration', reason, filedBy: actor.id });
    await chainEvent(tx, actor, platformId, 'registry.deregistration_filed', { filingId: filing.id, reason });
    return { platform, filing };
  });
}

/**
 * 宣传部 approves or returns a pending filing: an application registers the account (or sends it back), a 变更 is
 * applied to the record exactly as filed, a 注销 request deregisters it.
 * @throws DomainError not_found | forbidden | invalid_transition | validation_failed
 */
export async function decideFiling(
  deps: ServiceDeps,
  actor: AuthUser,
  filingId: string,
  input: { action: 'approve' | 'return'; comment: string },
): Promise<{ platform: PlatformRecord; filing: FilingRow }> {
  if (!isOffice(actor)) throw forbidden('只有宣传部可以审批备案');
  if (input.action === 'return' && input.comment.trim().length === 0) throw validationFailed('退回须说明理由', { field: 'comment' });
  const found = await getFiling(deps.db, filingId);
  if (!found) throw notFound('备案申请');
  return deps.db.transaction(async (tx) => {
    const platform = await lockPlatform(tx, found.platformId);
    if (!platform) throw notFound('平台');
    const filing = await getFiling(tx, filingId);
    if (!filing || filing.status !== 'pending') throw invalidTransition('该申请已处理', { status: filing?.status });
    const decided = await decideFilingRow(tx, filingId, { status: input.action === 'approve' ? 'approved' : 'returned', decidedBy: actor.id, decisionComment: input.comment });
    const approve = input.action === 'approve';
    let saved = platform;
    let type: PlatformEventType;
    const data: Record<string, unknown> = { filingId, comment: input.comment };
    if (filing.kind === 'application') {
      if (platform.status !== 'pending') throw invalidTransition('账号不在待审批状态', { status: platform.status });
      saved = await updatePlatform(tx, platform.id, approve ? { status: 'registered', registeredAt: new Date() } : { status: 'returned' });
      type = approve ? 'registry.approved' : 'registry.returned';
    } else if (filing.kind === 'change') {
      if (approve) {
        if (platform.status !== 'registered') throw invalidTransition('账号已不在备案状态', { status: platform.status });
        const values: Partial<PlatformRecord> = {};
        for (const change of filing.diff) (values as Record<string, unknown>)[change.field] = change.after;
        saved = await updatePlatform(tx, platform.id, values);
      }
      data.diff = trailDiff(filing.diff as FieldChange[]);
      data.late = filing.late;
      type = approve ? 'registry.change_approved' : 'registry.change_returned';
    } else {
      if (approve) saved = await updatePlatform(tx, platform.id, { status: 'deregistered', deregisteredAt: new Date() });
      type = approve ? 'registry.deregistered' : 'registry.deregistration_returned';
    }
    await chainEvent(tx, actor, platform.id, type, data);
    return { platform: saved, filing: decided };
  });
}

/** Phone numbers are shown to the office, auditors and the owning unit only. */
export function maySeeContacts(user: AuthUser, platform: Pick<PlatformRecord, 'unitId'>): boolean {
  const scope = unitScope(user);
  return scope === null || user.unitId === platform.unitId;
}

export async function registryList(db: Db, filter: RegistryFilter): Promise<PlatformRecord[]> {
  return listRegistry(db, filter);
}

export async function registryDetail(db: Db, platformId: string): Promise<{ platform: PlatformRecord; filings: FilingRow[] }> {
  const platform = await getPlatform(db, platformId);
  if (!platform) throw notFound('平台');
  return { platform, filings: await filingsOf(db, [platformId]) };
}

/**
 * Drafts go only to registered accounts: submission and release both ask.
 * @throws DomainError platform_not_registered
 */
export async function requireRegisteredPlatform(db: Executor, platformId: string): Promise<void> {
  const platform = await getPlatform(db, platformId);
  if (platform && !acceptsDrafts(platform)) {
    throw new DomainError('platform_not_registered', platform.status === 'deregistered' ? '该平台已注销，不能投稿或发布' : '该平台尚未完成备案，不能投稿或发布', {
      platformId,
      status: platform.status,
    });
  }
}

/** The people named by a registry page (responsible person, admins, filers), by id. */
export function registryPeople(db: Db, ids: readonly string[]): Promise<UserRow[]> {
  return usersByIds(db, ids);
}

/**
 * The 备案表's pickers: enabled staff of one unit; editors may list their own unit only, the office any.
 * @throws DomainError forbidden
 */
export async function registryStaff(db: Db, viewer: AuthUser, unitId: string) {
  if (!hasRole(viewer, 'propaganda', 'admin') && viewer.unitId !== unitId) throw forbidden('只能查看本单位的人员');
  return staffOfUnit(db, unitId);
}
