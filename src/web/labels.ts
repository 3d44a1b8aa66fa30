import { STATUS_LABELS as SHARED_STATUS_LABELS } from '../shared/labels';

/** Chinese labels and colours of the board. */
export const ROLE_LABELS: Record<string, string> = {
  editor: '编辑',
  reviewer1: '初审',
  reviewer2: '复审',
  reviewer3: '终审',
  propaganda: '宣传部',
  auditor: '审计',
  admin: '管理员',
};

export const STATUS_LABELS: Readonly<Record<string, string>> = SHARED_STATUS_LABELS;

export const STAGE_LABELS: Record<string, string> = { first: '初审', second: '复审', final: '终审', propaganda: '宣传部' };

export const ACTION_LABELS: Record<string, string> = { approve: '通过', return: '退回', reject: '否决' };

const CATEGORY_LABELS: Record<string, string> = {
  politics: '政治有害', porn: '色情', violence: '暴力恐怖', 'violence-terror': '暴力恐怖', gambling: '赌博', drugs: '毒品',
  religion: '宗教', vulgar: '低俗辱骂', 'rumour-safety': '不实信息', 'illegal-services': '非法服务', 'school-misuse': '冒用校名',
  'banned-name': '禁用人名', 'secrecy.marking': '密级标识', 'secrecy.exam': '考试保密', 'secrecy.document-number': '文号',
  'secrecy.internal': '内部事项', 'secrecy.personnel': '人事信息', 'personal.phone': '手机号', 'personal.id-card': '身份证号',
  'personal.bank-card': '银行卡号', 'personal.student-number': '学号',
};
const GROUP_LABELS: Record<string, string> = {
  secrecy: '保密', advertising: '广告', proofreading: '校对', personal: '个人信息', escalation: '重大事项', copyright: '版权',
  similarity: '重复', sensitive: '敏感词',
};

export function categoryLabel(category: string): string {
  return CATEGORY_LABELS[category] ?? GROUP_LABELS[category.split('.')[0] ?? ''] ?? category;
}

/** A colour family per category group (CSS class `cat-<group>`). */
export function categoryClass(category: string): string {
  const group = category.split('.')[0] ?? category;
  if (['secrecy', 'advertising', 'proofreading', 'personal', 'escalation', 'copyright', 'similarity'].includes(group)) return `cat-${group}`;
  return 'cat-sensitive';
}

export const SEVERITY_LABELS: Record<string, string> = { block: '阻断', review: '需复核', info: '提示' };

export function formatTime(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} 分钟`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} 小时 ${minutes % 60} 分`;
  return `${Math.floor(hours / 24)} 天 ${hours % 24} 小时`;
}

/** One board chip: a category as the reviewer reads it (广告, 毒品, 保密 …) with how many findings fall in it. */
export interface RiskChip {
  label: string;
  className: string;
  block: number;
  review: number;
  categories: string[];
}

/**
 * Board chips, one per category label with a count — not one per finding kind: advertising.wechat,
 * advertising.price and advertising.mobile are one 「广告 5」 chip (issue 11). Most severe first, then by count.
 */
export function riskChips(risks: ReadonlyArray<{ category: string; block: number; review: number }>): RiskChip[] {
  const byLabel = new Map<string, RiskChip>();
  for (const r of risks) {
    const label = categoryLabel(r.category);
    const chip = byLabel.get(label);
    if (chip) {
      chip.block += r.block;
      chip.review += r.review;
      chip.categories.push(r.category);
    } else byLabel.set(label, { label, className: categoryClass(r.category), block: r.block, review: r.review, categories: [r.category] });
  }
  return [...byLabel.values()].sort((a, b) => (b.block > 0 ? 1 : 0) - (a.block > 0 ? 1 : 0) || b.block + b.review - (a.block + a.review) || (a.label < b.label ? -1 : 1));
}
