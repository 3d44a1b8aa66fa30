import { getPlatform, listUnits, usersByIds } from '../db/directory.repository';
import { blockingByRevision, chainsByName, draftEventsIn, draftFlags, lastReleases, platformsInPeriod, type PlatformEventRow } from '../db/records.repository';
import type { PlatformRecord } from '../db/registry.repository';
import { unitScope, type AuthUser } from '../domain/access';
import { median, monthKey, periodMonths, reviewsOfReleases, stageDurations, type PeriodKind } from '../domain/annual';
import { draftChain, verifyChain } from '../domain/audit';
import { forbidden, notFound } from '../domain/errors';
import { localDay, platformChain } from '../domain/registry';
import { csvCell } from './audit-trail.service';
import { recordsConfig, type ServiceDeps } from './deps';

export interface AnnualQuery {
  platformId?: string | undefined;
  year: number;
  period: PeriodKind;
}

export interface PlatformAnnual {
  platformId: string;
  name: string;
  unit: string;
  kind: string;
  level: string;
  status: string;
  months: Array<{ month: string; releases: number; counted: boolean }>;
  releases: number;
  silentMonths: number;
  silentMonthList: string[];
  minimum: number;
  meetsMinimum: boolean;
  zombie: boolean;
  lastReleaseAt: string | null;
  blocked: { drafts: number; reasons: Array<{ checkId: string; category: string; findings: number }> };
  waivers: Array<{ draftNumber: string; title: string; checkId: string; ruleId: string; matched: string; reason: string; by: string; at: string }>;
  corrections: number;
  retractions: number;
  review: { releases: number; complete: number; incomplete: Array<{ draftNumber: string; releasedAt: string; problems: string[] }> };
  medianHoursInStage: Record<string, number | null>;
  registryChanges: Array<{ filingId: string; filedAt: string; changedOn: string; dueOn: string; late: boolean; fields: string[]; decision: 'approved' | 'returned' | 'pending' }>;
  lateChanges: number;
  adminsAllStaff: boolean;
  nonStaffAdmins: string[];
}

export interface AnnualReport {
  scope: 'platform' | 'school';
  period: { kind: PeriodKind; year: number; from: string; to: string; timeZone: string; label: string };
  generatedAt: string;
  rules: { minimum: number; noSilentMonth: true; zombieMonths: number; changeDeadlineWorkingDays: number };
  months: Array<{ month: string; releases: number; counted?: boolean }>;
  releases: number;
  silentMonths: number;
  meetsMinimum: boolean;
  zombie: boolean;
  platforms: PlatformAnnual[];
  /** School-wide only. */
  summary?: { platforms: number; meetingMinimum: number; zombies: string[]; lateChanges: number; waivers: number; incompleteReviews: number };
}

const DRAFT_TYPES = ['draft.released', 'draft.retracted', 'draft.correction_submitted', 'finding.waived', 'checks.completed'];

/**
 * 年检 for one platform or the whole school over a calendar year or a 学年 ending in June, computed from the trail:
 * releases per month in TZ_REVIEW, silent months, the minimum, 僵尸号, blocks and why, waivers, corrections and
 * retractions, review completeness verified from each released draft's chain, median time per stage, registry
 * changes and whether they were filed in time, and whether every 后台管理人员 is still staff.
 * @throws DomainError forbidden | not_found
 */
export async function annualReport(deps: ServiceDeps, actor: AuthUser, query: AnnualQuery, now = new Date()): Promise<AnnualReport> {
  const config = recordsConfig(deps);
  const tz = config.timeZone;
  const scope = unitScope(actor);
  if (query.platformId) {
    const platform = await getPlatform(deps.db, query.platformId);
    if (!platform) throw notFound('平台');
    if (scope !== null && !scope.includes(platform.unitId)) throw forbidden('只能查看本单位账号的年检报告');
  } else if (scope !== null) {
    throw forbidden('全校年检报告仅限宣传部、审计和管理员');
  }
  const months = periodMonths(query.year, query.period, tz);
  const from = months[0]!.start;
  const to = months[months.length - 1]!.end;
  const platforms = await platformsInPeriod(deps.db, from, to, query.platformId);
  if (query.platformId && platforms.length === 0) {
    const platform = await getPlatform(deps.db, query.platformId);
    if (platform) platforms.push(platform);
  }
  const ids = platforms.map((p) => p.id);
  const evaluatedTo = new Date(Math.min(to.getTime(), now.getTime()));

  const events = await draftEventsIn(deps.db, ids, DRAFT_TYPES, from, to);
  const last = await lastReleases(deps.db, ids, evaluatedTo);
  const releasedDrafts = [...new Set(events.filter((e) => e.type === 'draft.released').map((e) => e.draftId))];
  const blockedEvents = events.filter((e) => e.type === 'checks.completed' && e.data.autoReturned === true);
  const waivedEvents = events.filter((e) => e.type === 'finding.waived');
  const flags = await draftFlags(deps.db, [...new Set([...releasedDrafts, ...waivedEvents.map((e) => e.draftId)])]);
  const chains = await chainsByName(deps.db, releasedDrafts.map(draftChain));
  const blocking = await blockingByRevision(
    deps.db,
    blockedEvents.map((e) => e.revisionId).filter((x): x is string => !!x),
  );
  const registryChains = await chainsByName(deps.db, ids.map(platformChain));
  const unitNames = new Map((await listUnits(deps.db)).map((u) => [u.id, u.name]));
  const adminUsers = new Map((await usersByIds(deps.db, [...new Set(platforms.flatMap((p) => p.admins.map((a) => a.userId)))])).map((u) => [u.id, u]));

  const perPlatform = platforms.map((platform) => {
    const mine = events.filter((e) => e.platformId === platform.id);
    const releases = mine.filter((e) => e.type === 'draft.released');
    const counts = new Map<string, number>();
    for (const r of releases) counts.set(monthKey(r.createdAt, tz), (counts.get(monthKey(r.createdAt, tz)) ?? 0) + 1);
    const registeredAt = platform.registeredAt ?? platform.createdAt;
    const monthRows = months.map((m) => ({
      month: m.key,
      releases: counts.get(m.key) ?? 0,
      // A month counts once it is over, and only while the account was on the register.
      counted: m.end.getTime() <= now.getTime() && m.end.getTime() > registeredAt.getTime() && (!platform.deregisteredAt || m.start.getTime() < platform.deregisteredAt.getTime()),
    }));
    const silent = monthRows.filter((m) => m.counted && m.releases === 0).map((m) => m.month);
    const lastAt = last.get(platform.id) ?? null;
    const zombieSince = new Date(evaluatedTo);
    zombieSince.setUTCMonth(zombieSince.getUTCMonth() - config.zombieMonths);
    const zombie = platform.status === 'registered' && registeredAt.getTime() <= zombieSince.getTime() && (!lastAt || lastAt.getTime() < zombieSince.getTime());

    const reasons = new Map<string, { checkId: string; category: string; findings: number }>();
    const blockedHere = blockedEvents.filter((e) => e.platformId === platform.id);
    for (const b of blocking.filter((x) => blockedHere.some((e) => e.revisionId === x.revisionId))) {
      const key = `${b.checkId}/${b.category}`;
      const r = reasons.get(key) ?? { checkId: b.checkId, category: b.category, findings: 0 };
      r.findings += b.n;
      reasons.set(key, r);
    }

    const reviews = releasedDrafts
      .filter((id) => releases.some((r) => r.draftId === id))
      .flatMap((draftId) => {
        const chain = chains.get(draftChain(draftId)) ?? [];
        const flag = flags.get(draftId);
        const needsPropaganda = !!flag && (flag.major || flag.escalated || platform.level === 'school');
        return reviewsOfReleases(chain, needsPropaganda, verifyChain(draftChain(draftId), chain).ok)
          .filter((r) => r.releasedAt >= from && r.releasedAt < to)
          .map((r) => ({ ...r, number: flag?.number ?? '' }));
      });
    const durations = releasedDrafts.filter((id) => releases.some((r) => r.draftId === id)).flatMap((id) => stageDurations(chains.get(draftChain(id)) ?? []));
    const medianHoursInStage: Record<string, number | null> = {};
    for (const stage of ['first', 'second', 'final', 'propaganda']) {
      const m = median(durations.filter((d) => d.stage === stage).map((d) => d.seconds));
      medianHoursInStage[stage] = m === null ? null : Math.round((m / 3600) * 100) / 100;
    }

    const registryEvents = registryChains.get(platformChain(platform.id)) ?? [];
    const decisions = new Map<string, 'approved' | 'returned'>();
    for (const e of registryEvents) {
      if (e.type === 'registry.change_approved') decisions.set(String(e.data.filingId), 'approved');
      if (e.type === 'registry.change_returned') decisions.set(String(e.data.filingId), 'returned');
    }
    const registryChanges = registryEvents
      .filter((e) => e.type === 'registry.change_filed' && e.createdAt >= from && e.createdAt < to)
      .map((e) => {
        const d = e.data as { filingId: string; changedOn: string; dueOn: string; diff: Array<{ field: string }> };
        return {
          filingId: d.filingId,
          filedAt: e.createdAt.toISOString(),
          changedOn: d.changedOn,
          dueOn: d.dueOn,
          // Late is read off the chain: the filing's own (database) time against the deadline it recorded.
          late: localDay(e.createdAt, tz) > d.dueOn,
          fields: d.diff.map((x) => x.field),
          decision: decisions.get(d.filingId) ?? ('pending' as const),
        };
      });
    const nonStaffAdmins = platform.admins.filter((a) => !adminUsers.get(a.userId)?.isStaff || adminUsers.get(a.userId)?.disabled).map((a) => a.name);

    const total = releases.length;
    const row: PlatformAnnual = {
      platformId: platform.id,
      name: platform.name,
      unit: unitNames.get(platform.unitId) ?? '',
      kind: platform.kind,
      level: platform.level,
      status: platform.status,
      months: monthRows,
      releases: total,
      silentMonths: silent.length,
      silentMonthList: silent,
      minimum: config.annualMinimum,
      meetsMinimum: total >= config.annualMinimum && silent.length === 0,
      zombie,
      lastReleaseAt: lastAt?.toISOString() ?? null,
      blocked: { drafts: new Set(blockedHere.map((e) => e.draftId)).size, reasons: [...reasons.values()] },
      waivers: waiversOf(mine, flags),
      corrections: mine.filter((e) => e.type === 'draft.correction_submitted').length,
      retractions: mine.filter((e) => e.type === 'draft.retracted').length,
      review: {
        releases: reviews.length,
        complete: reviews.filter((r) => r.complete).length,
        incomplete: reviews.filter((r) => !r.complete).map((r) => ({ draftNumber: r.number, releasedAt: r.releasedAt.toISOString(), problems: r.problems })),
      },
      medianHoursInStage,
      registryChanges,
      lateChanges: registryChanges.filter((c) => c.late).length,
      adminsAllStaff: nonStaffAdmins.length === 0,
      nonStaffAdmins,
    };
    return row;
  });

  const label = query.period === 'calendar' ? `${query.year} 年度` : `${query.year - 1}—${query.year} 学年`;
  const period = { kind: query.period, year: query.year, from: from.toISOString(), to: to.toISOString(), timeZone: tz, label };
  const rules = { minimum: config.annualMinimum, noSilentMonth: true as const, zombieMonths: config.zombieMonths, changeDeadlineWorkingDays: config.changeDeadlineWorkingDays };
  const base = { period, generatedAt: now.toISOString(), rules, platforms: perPlatform };
  if (query.platformId) {
    const p = perPlatform[0]!;
    return { scope: 'platform', ...base, months: p.months, releases: p.releases, silentMonths: p.silentMonths, meetsMinimum: p.meetsMinimum, zombie: p.zombie };
  }
  const schoolMonths = months.map((m, i) => ({ month: m.key, releases: perPlatform.reduce((n, p) => n + (p.months[i]?.releases ?? 0), 0), counted: m.end.getTime() <= now.getTime() }));
  return {
    scope: 'school',
    ...base,
    months: schoolMonths,
    releases: perPlatform.reduce((n, p) => n + p.releases, 0),
    silentMonths: schoolMonths.filter((m) => m.counted && m.releases === 0).length,
    meetsMinimum: perPlatform.every((p) => p.meetsMinimum),
    zombie: perPlatform.some((p) => p.zombie),
    summary: {
      platforms: perPlatform.length,
      meetingMinimum: perPlatform.filter((p) => p.meetsMinimum).length,
      zombies: perPlatform.filter((p) => p.zombie).map((p) => p.name),
      lateChanges: perPlatform.reduce((n, p) => n + p.lateChanges, 0),
      waivers: perPlatform.reduce((n, p) => n + p.waivers.length, 0),
      incompleteReviews: perPlatform.reduce((n, p) => n + p.review.incomplete.length, 0),
    },
  };
}

function waiversOf(events: readonly PlatformEventRow[], flags: Map<string, { number: string; title: string }>): PlatformAnnual['waivers'] {
  return events
    .filter((e) => e.type === 'finding.waived')
    .map((e) => ({
      draftNumber: flags.get(e.draftId)?.number ?? '',
      title: flags.get(e.draftId)?.title ?? '',
      checkId: String(e.data.checkId ?? ''),
      ruleId: String(e.data.ruleId ?? ''),
      matched: String(e.data.matched ?? ''),
      reason: String(e.data.reason ?? ''),
      by: e.actorName,
      at: e.createdAt.toISOString(),
    }));
}

/** One row per platform: the months, the totals and every finding of the inspection. */
export function annualCsv(report: AnnualReport): string {
  const monthKeys = report.months.map((m) => m.month);
  const header = [
    '平台',
    '主管单位',
    '类型',
    '级别',
    '状态',
    ...monthKeys,
    '发布总数',
    '最低要求',
    '空白月数',
    '空白月份',
    '达标',
    '僵尸号',
    '最后发布',
    '阻断稿件',
    '豁免',
    '纠错',
    '撤稿',
    '发布数',
    '审核完整',
    '审核不完整',
    '变更报备',
    '逾期报备',
    '管理人员均为在编',
  ];
  const rows = report.platforms.map((p) => [
    p.name,
    p.unit,
    p.kind,
    p.level,
    p.status,
    ...p.months.map((m) => m.releases),
    p.releases,
    p.minimum,
    p.silentMonths,
    p.silentMonthList.join(' '),
    p.meetsMinimum ? '是' : '否',
    p.zombie ? '是' : '否',
    p.lastReleaseAt ?? '',
    p.blocked.drafts,
    p.waivers.length,
    p.corrections,
    p.retractions,
    p.review.releases,
    p.review.complete,
    p.review.incomplete.length,
    p.registryChanges.length,
    p.lateChanges,
    p.adminsAllStaff ? '是' : '否',
  ]);
  return `\ufeff${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

export type { PlatformRecord };
