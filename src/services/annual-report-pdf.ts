import { PLATFORM_KIND_LABELS, PLATFORM_LEVEL_LABELS, type PlatformKind, type PlatformLevel } from '../domain/registry';
import { STAGE_LABELS, type StageId } from '../domain/workflow';
import type { AnnualReport, PlatformAnnual } from './annual-report.service';
import type { RecordsConfig } from './deps';
import { A4, fields, formatLocal, heading, newPdf, pageNumbers, pdfBuffer, table } from './pdf';

const yes = (b: boolean) => (b ? '是' : '否');

/** The printable 年检 report: figures from the trail, then the office's conclusion and signature lines. */
export async function annualReportPdf(report: AnnualReport, config: RecordsConfig): Promise<Buffer> {
  const tz = config.timeZone;
  const width = A4.width - A4.margin * 2;
  const subject = report.scope === 'platform' ? (report.platforms[0]?.name ?? '') : '全校';
  const doc = newPdf(config, { title: `${report.period.label}新媒体平台年检报告 ${subject}` });
  doc.fontSize(10).fillColor('#444444').text(config.schoolName, { width, align: 'center' });
  doc.fontSize(17).fillColor('#000000').text(`${report.period.label}新媒体平台年检报告`, { width, align: 'center' });
  doc.fontSize(11).text(report.scope === 'platform' ? subject : '全校汇总', { width, align: 'center' });
  doc.moveDown(0.6);
  fields(doc, [
    ['统计期间', `${formatLocal(report.period.from, tz).slice(0, 10)} 至 ${formatLocal(new Date(new Date(report.period.to).getTime() - 1), tz).slice(0, 10)}（${tz}）`],
    ['生成时间', formatLocal(report.generatedAt, tz)],
    ['年度最低发布', `≥ ${report.rules.minimum} 篇，且每个自然月均有更新`],
    ['僵尸号标准', `连续 ${report.rules.zombieMonths} 个月无发布`],
    ['发布总数', String(report.releases)],
    ['空白月数', String(report.silentMonths)],
    ['是否达标', yes(report.meetsMinimum)],
    ['僵尸号', report.scope === 'platform' ? yes(report.zombie) : report.summary?.zombies.join('、') || '无'],
  ]);

  heading(doc, '一、各平台发布情况（按月，TZ_REVIEW 月界）');
  const monthW = 24;
  const nameW = width - monthW * 12 - 34;
  table(
    doc,
    [{ header: '平台', width: nameW }, ...report.months.map((m) => ({ header: m.month.slice(5), width: monthW })), { header: '合计', width: 34 }],
    report.platforms.map((p) => [p.name, ...p.months.map((m) => String(m.releases)), String(p.releases)]),
    { fontSize: 8 },
  );

  heading(doc, '二、年检要点');
  table(
    doc,
    [
      { header: '平台 / 单位', width: 120 },
      { header: '空白月', width: 60 },
      { header: '达标', width: 32 },
      { header: '僵尸号', width: 38 },
      { header: '阻断 / 豁免', width: 50 },
      { header: '纠错 / 撤稿', width: 50 },
      { header: '审核完整', width: 50 },
      { header: '变更（逾期）', width: 50 },
      { header: '管理员均在编', width: width - 450 },
    ],
    report.platforms.map((p) => [
      `${p.name}\n${p.unit}　${PLATFORM_KIND_LABELS[p.kind as PlatformKind] ?? p.kind}　${PLATFORM_LEVEL_LABELS[p.level as PlatformLevel] ?? p.level}`,
      p.silentMonthList.map((m) => m.slice(5)).join(' ') || '无',
      yes(p.meetsMinimum),
      yes(p.zombie),
      `${p.blocked.drafts} / ${p.waivers.length}`,
      `${p.corrections} / ${p.retractions}`,
      `${p.review.complete} / ${p.review.releases}`,
      `${p.registryChanges.length}（${p.lateChanges}）`,
      p.adminsAllStaff ? '是' : `否：${p.nonStaffAdmins.join('、')}`,
    ]),
    { fontSize: 8 },
  );

  for (const p of report.scope === 'platform' ? report.platforms : report.platforms.filter(hasDetail)) details(doc, p, tz, width);

  if (doc.y + 260 > A4.height - A4.margin) doc.addPage();
  heading(doc, '三、宣传部年检结论');
  const top = doc.y;
  doc.rect(A4.margin, top, width, 150).lineWidth(0.8).stroke('#333333');
  doc
    .fontSize(9)
    .fillColor('#666666')
    .text('□ 合格　　□ 限期整改　　□ 不合格（建议注销）', A4.margin + 8, top + 8, { width: width - 16 });
  doc.fillColor('#000000');
  doc.y = top + 165;
  doc.fontSize(10).text('主管单位负责人（签字）：________________　　日期：____年__月__日', A4.margin, doc.y, { width });
  doc.moveDown(1.2).text('宣传部审核人（签字）：__________________　　日期：____年__月__日', { width });
  doc.moveDown(1.2).text('宣传部（盖章）　　　　　　　　　　　　　　 日期：____年__月__日', { width });
  pageNumbers(doc, `${report.period.label}年检报告 ${subject}`);
  return pdfBuffer(doc);
}

const hasDetail = (p: PlatformAnnual) => p.waivers.length > 0 || p.review.incomplete.length > 0 || p.registryChanges.length > 0 || p.blocked.drafts > 0;

function details(doc: PDFKit.PDFDocument, p: PlatformAnnual, tz: string, width: number): void {
  heading(doc, `${p.name}：明细`, 10);
  const stageTimes = Object.entries(p.medianHoursInStage)
    .filter(([, v]) => v !== null)
    .map(([s, v]) => `${STAGE_LABELS[s as StageId] ?? s} ${v} 小时`)
    .join('；');
  doc.fontSize(8.5).text(`各环节用时中位数：${stageTimes || '无'}；最后发布：${formatLocal(p.lastReleaseAt, tz)}`, { width });
  doc.moveDown(0.3);
  if (p.blocked.reasons.length) doc.fontSize(8.5).text(`被阻断稿件 ${p.blocked.drafts} 篇，原因：${p.blocked.reasons.map((r) => `${r.checkId}/${r.category} ${r.findings} 处`).join('；')}`, { width });
  if (p.waivers.length) {
    table(
      doc,
      [
        { header: '稿件', width: 90 },
        { header: '规则', width: 100 },
        { header: '原文', width: 70 },
        { header: '理由', width: 120 },
        { header: '豁免人 / 时间', width: width - 380 },
      ],
      p.waivers.map((w) => [`${w.draftNumber}\n${w.title}`, `${w.checkId} / ${w.ruleId}`, w.matched, w.reason, `${w.by}\n${formatLocal(w.at, tz)}`]),
      { fontSize: 8 },
    );
  }
  if (p.review.incomplete.length) {
    table(
      doc,
      [
        { header: '审核不完整的发布', width: 120 },
        { header: '问题', width: width - 120 },
      ],
      p.review.incomplete.map((r) => [`${r.draftNumber}\n${formatLocal(r.releasedAt, tz)}`, r.problems.join('；')]),
      { fontSize: 8 },
    );
  }
  if (p.registryChanges.length) {
    table(
      doc,
      [
        { header: '变更事项', width: 120 },
        { header: '变更日期', width: 70 },
        { header: '报备期限', width: 70 },
        { header: '报备时间', width: 90 },
        { header: '逾期', width: 40 },
        { header: '审批', width: width - 390 },
      ],
      p.registryChanges.map((c) => [
        c.fields.join('、'),
        c.changedOn,
        c.dueOn,
        formatLocal(c.filedAt, tz),
        yes(c.late),
        c.decision === 'approved' ? '已通过' : c.decision === 'returned' ? '已退回' : '待审批',
      ]),
      { fontSize: 8 },
    );
  }
}
