import { buildRevisionText } from '../checks/text/extract';
import { listChain } from '../db/audit.repository';
import { getPlatform, getUnit } from '../db/directory.repository';
import { listFindings, type FindingRow } from '../db/finding.repository';
import { releasedDraftIds } from '../db/records.repository';
import { unitScope, type AuthUser } from '../domain/access';
import { periodMonths } from '../domain/annual';
import { draftChain, verifyChain } from '../domain/audit';
import { forbidden, notFound, validationFailed } from '../domain/errors';
import { PLATFORM_KIND_LABELS, PLATFORM_LEVEL_LABELS, type PlatformKind, type PlatformLevel } from '../domain/registry';
import { STAGE_LABELS, STATUS_LABELS, type DraftStatus, type StageId } from '../domain/workflow';
import type { CheckpointStore } from './audit-trail.service';
import { verifyChains } from './audit-trail.service';
import { recordsConfig, type RecordsConfig, type ServiceDeps } from './deps';
import { draftDetail, peopleById } from './draft-queries.service';
import sharp from 'sharp';
import { mediaStore } from './media.service';
import { A4, drawQr, fields, formatLocal, heading, newPdf, pageNumbers, pdfBuffer, table, type Pdf } from './pdf';

const ACTION_LABELS: Record<string, string> = { approve: '同意', return: '退回修改', reject: '否决' };
const CHECK_LABELS: Record<string, string> = { sensitive: '敏感词', advertising: '商业广告', secrecy: '涉密与个人信息', copyright: '版权与稿源', proofreading: '文字校对', escalation: '重大事项识别' };

export interface ReviewSheetData {
  draftId: string;
  number: string;
  title: string;
  status: string;
  school: string;
  unit: string;
  platform: string;
  platformKind: string;
  author: { name: string; staffId: string | null; unit: string };
  submittedAt: Date;
  release: { at: Date; by: string; staffId: string | null } | null;
  hash: string;
  text: string;
  /** Thumbnails (PNG, ≤ 360 px wide) of the pictures the printed revision references, in document order. */
  images: Array<{ hash: string; png: Buffer; width: number; height: number }>;
  checks: Array<{ checkId: string; status: string; findings: number; block: number; review: number; info: number }>;
  waivers: Array<{ checkId: string; ruleId: string; matched: string; message: string; reason: string; by: string; staffId: string | null; at: Date }>;
  stages: Array<{ stage: string; action: string; comment: string; name: string; staffId: string | null; at: Date }>;
}

/**
 * Everything a 审稿单 prints, read for a reader of the draft: the released revision (or the current one before
 * release), its checks and waivers, the decisive decision of each stage in the last round, and the release event.
 * @throws DomainError not_found | forbidden
 */
export async function reviewSheetData(deps: ServiceDeps, user: AuthUser, draftId: string): Promise<ReviewSheetData> {
  const config = recordsConfig(deps);
  const detail = await draftDetail(deps.db, user, draftId);
  const { draft } = detail;
  const released = draft.releasedHash ? [...detail.revisions].reverse().find((r) => r.contentHash === draft.releasedHash) : undefined;
  const revision = released ?? detail.aggregate.revision;
  const findings: FindingRow[] = revision.id === detail.aggregate.revision.id ? detail.findings : await listFindings(deps.db, revision.id);
  const chain = await listChain(deps.db, draftChain(draft.id));
  const releaseEvent = [...chain].reverse().find((e) => e.type === 'draft.released');
  const platform = await getPlatform(deps.db, draft.platformId);
  const unit = await getUnit(deps.db, draft.unitId);
  const author = detail.people.get(draft.authorId);
  const authorUnit = author?.unitId ? await getUnit(deps.db, author.unitId) : undefined;
  const people = await peopleById(deps.db, [...findings.flatMap((f) => (f.waivedBy ? [f.waivedBy] : [])), ...(releaseEvent?.actorId ? [releaseEvent.actorId] : [])]);
  const round = draft.round;
  const stages = new Map<string, ReviewSheetData['stages'][number]>();
  for (const d of detail.decisions.filter((x) => x.round === round)) {
    const who = detail.people.get(d.actorId);
    stages.set(d.stage, {
      stage: STAGE_LABELS[d.stage as StageId] ?? d.stage,
      action: ACTION_LABELS[d.action] ?? d.action,
      comment: d.comment,
      name: who?.displayName ?? '',
      staffId: who?.staffId ?? null,
      at: d.createdAt,
    });
  }
  const checks = detail.runs.map((r) => {
    const mine = findings.filter((f) => f.checkId === r.checkId);
    return {
      checkId: r.checkId,
      status: r.status,
      findings: mine.length,
      block: mine.filter((f) => f.severity === 'block').length,
      review: mine.filter((f) => f.severity === 'review').length,
      info: mine.filter((f) => f.severity === 'info').length,
    };
  });
  const releaser = releaseEvent?.actorId ? people.get(releaseEvent.actorId) : undefined;
  return {
    draftId: draft.id,
    number: draft.number,
    title: revision.title,
    status: STATUS_LABELS[draft.status as DraftStatus] ?? draft.status,
    school: config.schoolName,
    unit: unit?.name ?? '',
    platform: platform?.name ?? '',
    platformKind: platform ? `${PLATFORM_KIND_LABELS[platform.kind as PlatformKind] ?? platform.kind} · ${PLATFORM_LEVEL_LABELS[platform.level as PlatformLevel] ?? platform.level}` : '',
    author: { name: author?.displayName ?? '', staffId: author?.staffId ?? null, unit: authorUnit?.name ?? '' },
    submittedAt: draft.createdAt,
    release: releaseEvent ? { at: releaseEvent.createdAt, by: releaser?.displayName ?? releaseEvent.actorName, staffId: releaser?.staffId ?? null } : null,
    hash: draft.releasedHash ?? revision.contentHash,
    text: buildRevisionText({ title: revision.title, body: revision.body, format: revision.format as never }).text,
    images: await sheetImages(deps, revision.media ?? []),
    checks,
    waivers: findings
      .filter((f) => f.waivedAt)
      .map((f) => {
        const who = f.waivedBy ? people.get(f.waivedBy) : undefined;
        return {
          checkId: f.checkId,
          ruleId: f.ruleId,
          matched: f.matched,
          message: f.message,
          reason: f.waiveReason ?? '',
          by: who?.displayName ?? '',
          staffId: who?.staffId ?? null,
          at: f.waivedAt!,
        };
      }),
    stages: [...stages.entries()].sort(([a], [b]) => ['first', 'second', 'final', 'propaganda'].indexOf(a) - ['first', 'second', 'final', 'propaganda'].indexOf(b)).map(([, v]) => v),
  };
}

/** The pictures of a revision as small PNGs for print (pdfkit embeds PNG and JPEG only); a missing file is skipped. */
async function sheetImages(deps: ServiceDeps, refs: ReadonlyArray<{ hash: string; kind: string }>): Promise<ReviewSheetData['images']> {
  const store = mediaStore(deps);
  const out: ReviewSheetData['images'] = [];
  for (const ref of refs.filter((r) => r.kind === 'image').slice(0, 60)) {
    const bytes = await store.get(ref.hash);
    if (!bytes) continue;
    try {
      const { data, info } = await sharp(bytes, { limitInputPixels: 50_000_000 })
        .rotate()
        .flatten({ background: '#ffffff' })
        .resize({ width: 360, withoutEnlargement: true })
        .png()
        .toBuffer({ resolveWithObject: true });
      out.push({ hash: ref.hash, png: data, width: info.width, height: info.height });
    } catch {
      // A picture that cannot be decoded was already a blocking finding; the sheet prints its hash only.
      out.push({ hash: ref.hash, png: Buffer.alloc(0), width: 0, height: 0 });
    }
  }
  return out;
}

/** The verification page a 审稿单's QR code opens (hash routing: sign-in first, then the page). */
export const verificationUrl = (base: string, draftId: string, hash: string) => `${base.replace(/\/+$/, '')}/#/verify/${draftId}/${hash}`;

/** Draws one 审稿单, starting on the current page. */
export async function drawReviewSheet(doc: Pdf, data: ReviewSheetData, verifyUrl: string, config: RecordsConfig): Promise<void> {
  const tz = config.timeZone;
  const width = A4.width - A4.margin * 2;
  doc.fontSize(10).fillColor('#444444').text(data.school, A4.margin, A4.margin, { width, align: 'center' });
  doc.fontSize(18).fillColor('#000000').text('稿 件 审 稿 单', { width, align: 'center' });
  doc.moveDown(0.6);
  fields(doc, [
    ['学校', data.school],
    ['稿件编号', data.number],
    ['主管单位', data.unit],
    ['发布平台', `${data.platform}（${data.platformKind}）`],
    ['标题', data.title],
    ['状态', data.status],
    ['撰稿人', `${data.author.name}（工号 ${data.author.staffId ?? '—'}）`],
    ['撰稿人单位', data.author.unit || '—'],
    ['提交时间', formatLocal(data.submittedAt, tz)],
    ['发布时间', data.release ? formatLocal(data.release.at, tz) : '未发布'],
    ['发布人', data.release ? `${data.release.by}（工号 ${data.release.staffId ?? '—'}）` : '—'],
    ['时区', tz],
  ]);

  heading(doc, data.release ? '一、发布内容（与发布哈希一致的版本）' : '一、稿件内容（当前版本）');
  doc.fontSize(9.5).fillColor('#000000').text(data.text, A4.margin, doc.y, { width, lineGap: 2 });
  doc.moveDown(0.5);
  if (data.images.length > 0) {
    heading(doc, `稿件图片（${data.images.length} 张，缩略图；以内容哈希标识）`, 10);
    // A grid of thumbnails, four to a row, each captioned with the start of its SHA-256.
    const cell = (width - 3 * 10) / 4;
    let x = A4.margin;
    let rowTop = doc.y;
    let rowHeight = 0;
    for (const [i, img] of data.images.entries()) {
      const h = img.width ? Math.min(cell * 1.4, (cell * img.height) / img.width) : 20;
      if (i % 4 === 0 && i > 0) {
        rowTop += rowHeight + 16;
        x = A4.margin;
        rowHeight = 0;
      }
      if (rowTop + h + 14 > A4.height - A4.margin) {
        doc.addPage();
        rowTop = A4.margin;
        x = A4.margin;
        rowHeight = 0;
      }
      if (img.png.length) doc.image(img.png, x, rowTop, { fit: [cell, h] });
      doc
        .fontSize(7)
        .fillColor('#555555')
        .text(`${img.hash.slice(0, 16)}…`, x, rowTop + h + 2, { width: cell, align: 'center' });
      rowHeight = Math.max(rowHeight, h);
      x += cell + 10;
    }
    doc.fillColor('#000000');
    doc.x = A4.margin;
    doc.y = rowTop + rowHeight + 18;
  }

  heading(doc, '二、机器初校');
  table(
    doc,
    [
      { header: '检查项', width: 130 },
      { header: '状态', width: 80 },
      { header: '问题数', width: 70 },
      { header: '阻断', width: 70 },
      { header: '需复核', width: 75 },
      { header: '提示', width: width - 425 },
    ],
    data.checks.map((c) => [CHECK_LABELS[c.checkId] ?? c.checkId, c.status === 'done' ? '已完成' : c.status, String(c.findings), String(c.block), String(c.review), String(c.info)]),
  );
  heading(doc, `豁免记录（${data.waivers.length} 条）`, 10);
  table(
    doc,
    [
      { header: '规则', width: 95 },
      { header: '原文', width: 85 },
      { header: '豁免理由', width: 150 },
      { header: '豁免人（工号）', width: 90 },
      { header: '时间', width: width - 420 },
    ],
    data.waivers.length ? data.waivers.map((w) => [`${w.checkId} / ${w.ruleId}`, w.matched, w.reason, `${w.by}（${w.staffId ?? '—'}）`, formatLocal(w.at, tz)]) : [['无', '', '', '', '']],
  );

  heading(doc, '三、审核意见');
  table(
    doc,
    [
      { header: '环节', width: 66 },
      { header: '意见', width: 109 },
      { header: '审核人', width: 60 },
      { header: '工号', width: 60 },
      { header: '时间', width: 90 },
      { header: '签字 / 日期', width: width - 385 },
    ],
    data.stages.length
      ? data.stages.map((s) => [s.stage, `${s.action}${s.comment ? `：${s.comment}` : ''}`, s.name, s.staffId ?? '—', formatLocal(s.at, tz), ''])
      : [['—', '尚无审核记录', '', '', '', '']],
    { minRowHeight: 26 },
  );

  const side = 88;
  if (doc.y + side + 20 > A4.height - A4.margin) doc.addPage();
  const top = doc.y + 4;
  await drawQr(doc, verifyUrl, A4.margin, top, side);
  doc
    .fontSize(9)
    .fillColor('#000000')
    .text('内容哈希（SHA-256）', A4.margin + side + 12, top, { width: width - side - 12 });
  doc.fontSize(8.5).text(data.hash, { width: width - side - 12 });
  doc
    .moveDown(0.4)
    .fontSize(8.5)
    .fillColor('#333333')
    .text(`扫码登录后核验：审计链完整，且此哈希即发布内容的哈希。\n${verifyUrl}`, { width: width - side - 12 });
  doc.fillColor('#000000');
  doc.x = A4.margin;
  doc.y = Math.max(doc.y, top + side) + 8;
}

/** The base URL the QR code names: PUBLIC_URL if set, else the host the request came to. */
export const baseUrlOf = (config: RecordsConfig, requestBase: string) => config.publicUrl ?? requestBase;

/**
 * One 审稿单 as an A4 PDF.
 * @throws DomainError not_found | forbidden | service_unavailable (font missing)
 */
export async function reviewSheetPdf(deps: ServiceDeps, user: AuthUser, draftId: string, base: string): Promise<{ pdf: Buffer; number: string }> {
  const config = recordsConfig(deps);
  const data = await reviewSheetData(deps, user, draftId);
  const doc = newPdf(config, { title: `审稿单 ${data.number}`, subject: data.title });
  await drawReviewSheet(doc, data, verificationUrl(baseUrlOf(config, base), data.draftId, data.hash), config);
  pageNumbers(doc, `审稿单 ${data.number}`);
  return { pdf: await pdfBuffer(doc), number: data.number };
}

/**
 * 批量打印: every 审稿单 of a platform released in one month (TZ_REVIEW), one per page group, for the archive.
 * @throws DomainError not_found | forbidden | validation_failed | service_unavailable
 */
export async function batchReviewSheetsPdf(deps: ServiceDeps, user: AuthUser, platformId: string, month: string, base: string): Promise<{ pdf: Buffer; count: number; name: string }> {
  const config = recordsConfig(deps);
  const platform = await getPlatform(deps.db, platformId);
  if (!platform) throw notFound('平台');
  const scope = unitScope(user);
  if (scope !== null && !scope.includes(platform.unitId)) throw forbidden('只能打印本单位账号的审稿单');
  const [y, m] = month.split('-').map(Number) as [number, number];
  if (!y || !m || m < 1 || m > 12) throw validationFailed('月份格式应为 YYYY-MM', { field: 'month' });
  const period = periodMonths(y, 'calendar', config.timeZone)[m - 1]!;
  const ids = await releasedDraftIds(deps.db, platformId, period.start, period.end);
  const doc = newPdf(config, { title: `${platform.name} ${month} 审稿单` });
  if (ids.length === 0) {
    doc.fontSize(14).text(`${platform.name}　${month}`, { align: 'center' }).moveDown().fontSize(11).text('本月没有发布的稿件。', { align: 'center' });
  }
  for (const [i, id] of ids.entries()) {
    if (i > 0) doc.addPage();
    const data = await reviewSheetData(deps, user, id);
    await drawReviewSheet(doc, data, verificationUrl(baseUrlOf(config, base), data.draftId, data.hash), config);
  }
  pageNumbers(doc, `${platform.name} ${month} 审稿单（共 ${ids.length} 份）`);
  return { pdf: await pdfBuffer(doc), count: ids.length, name: platform.name };
}

/**
 * What the QR code's page shows: the draft's chain verifies (against the signed checkpoints too) and the given
 * hash is the hash that was released (the draft's released hash and the last release event agree with it).
 * @throws DomainError not_found | forbidden
 */
export async function releaseVerification(deps: ServiceDeps, user: AuthUser, draftId: string, hash: string, checkpoints: CheckpointStore | null) {
  const data = await reviewSheetData(deps, user, draftId);
  const chain = await listChain(deps.db, draftChain(draftId));
  const report = await verifyChains(deps.db, checkpoints, [draftChain(draftId)]);
  const releases = chain.filter((e) => e.type === 'draft.released');
  const lastRelease = releases.at(-1);
  const releasedHash = lastRelease ? String((lastRelease.data as { contentHash?: string }).contentHash ?? '') : null;
  const local = verifyChain(draftChain(draftId), chain);
  return {
    draftId,
    number: data.number,
    title: data.title,
    unit: data.unit,
    platform: data.platform,
    hash,
    releasedHash,
    released: !!lastRelease,
    releasedAt: lastRelease?.createdAt ?? null,
    releasedBy: data.release?.by ?? null,
    hashMatches: !!releasedHash && releasedHash === hash && data.hash === hash,
    everReleasedWithHash: releases.some((e) => (e.data as { contentHash?: string }).contentHash === hash),
    trail: { ok: report.ok && local.ok, events: chain.length, firstBreak: report.firstBreak ?? null },
  };
}
