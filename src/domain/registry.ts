/**
 * 备案 (platform registry): the lifecycle of an official account and the rules of its filings. Pure: no I/O.
 *
 *   apply ──▶ pending ──approve──▶ registered ──注销──▶ deregistered
 *                │                    │  ▲
 *              return               变更 (approved: applied to the record; returned: record unchanged)
 *                ▼
 *             returned ──re-apply──▶ pending
 */

export const PLATFORM_STATUSES = ['pending', 'returned', 'registered', 'deregistered'] as const;
export type PlatformStatus = (typeof PLATFORM_STATUSES)[number];

/** Kinds keep the values earlier versions stored (wechat, weibo, douyin, channels, website, other). */
export const PLATFORM_KINDS = ['wechat', 'channels', 'weibo', 'douyin', 'kuaishou', 'website', 'qq', 'other'] as const;
export type PlatformKind = (typeof PLATFORM_KINDS)[number];

/** 'school' and 'unit' as before (routing reads them); 'student_org' for 学生组织 accounts. */
export const PLATFORM_LEVELS = ['school', 'unit', 'student_org'] as const;
export type PlatformLevel = (typeof PLATFORM_LEVELS)[number];

export const FILING_KINDS = ['application', 'change', 'deregistration'] as const;
export type FilingKind = (typeof FILING_KINDS)[number];
export const FILING_STATUSES = ['pending', 'approved', 'returned'] as const;
export type FilingStatus = (typeof FILING_STATUSES)[number];

export const PLATFORM_STATUS_LABELS: Record<PlatformStatus, string> = { pending: '待审批', returned: '已退回', registered: '已备案', deregistered: '已注销' };
export const PLATFORM_KIND_LABELS: Record<PlatformKind, string> = {
  wechat: '微信公众号',
  channels: '视频号',
  weibo: '微博',
  douyin: '抖音',
  kuaishou: '快手',
  website: '网站',
  qq: 'QQ',
  other: '其他',
};
export const PLATFORM_LEVEL_LABELS: Record<PlatformLevel, string> = { school: '学校（一级）', unit: '二级单位', student_org: '学生组织' };
export const FILING_KIND_LABELS: Record<FilingKind, string> = { application: '备案申请', change: '变更', deregistration: '注销' };

/** The record's fields a 变更 can change; each needs 宣传部's approval. */
export const CHANGEABLE_FIELDS = ['name', 'admins', 'responsibleId'] as const;
export type ChangeableField = (typeof CHANGEABLE_FIELDS)[number];
export const CHANGE_FIELD_LABELS: Record<ChangeableField, string> = { name: '账号名称', admins: '后台管理人员', responsibleId: '责任人' };

/** Platform audit chains sit beside the drafts' (`draft-<id>`). */
export const platformChain = (platformId: string) => `platform-${platformId}`;

/** Only a registered account accepts drafts. */
export const acceptsDrafts = (platform: { status: string }) => platform.status === 'registered';

export interface FieldChange {
  field: ChangeableField;
  before: unknown;
  after: unknown;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The fields of `proposed` that differ from `current` (a field left out is not a change). */
export function registryDiff(current: Partial<Record<ChangeableField, unknown>>, proposed: Partial<Record<ChangeableField, unknown>>): FieldChange[] {
  return CHANGEABLE_FIELDS.filter((f) => proposed[f] !== undefined && !same(current[f], proposed[f])).map((field) => ({ field, before: current[field] ?? null, after: proposed[field] }));
}

/** `YYYY-MM-DD` + n working days (Monday–Friday; public holidays are not modelled). */
export function addWorkingDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  let left = n;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}

/** The calendar day of an instant in a time zone, as `YYYY-MM-DD`. */
export function localDay(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** A 变更 filed on `filedDay` for a change on `changedOn`: its deadline and whether it came late. */
export function filingDeadline(changedOn: string, filedDay: string, workingDays: number): { dueOn: string; late: boolean } {
  const dueOn = addWorkingDays(changedOn, workingDays);
  return { dueOn, late: filedDay > dueOn };
}
