import type { AdEvidenceKind } from '../../../config/checks';
import type { Finding, Severity } from '../../domain/findings';
import type { Dictionaries } from '../dictionary/dictionary';
import { hasWordNear, makeFinding, matchAll, type CheckEnv, type CheckFn } from './common';
import { revisionContext } from './context';
import { compileTermLists } from './term-lists';
import { contactMatches } from '../text/digits';

export const ADVERTISING_CHECK = 'advertising';

/**
 * 学校平台严禁商业广告. Collects evidence — contact and traffic-diversion details, prices and promotion words,
 * 广告法 absolute terms, sponsorship markers, shop links — weighs it (config), and only when the score reaches
 * the review / block threshold reports every piece of evidence with the score. A campus notice with an office
 * phone number scores low: landlines weigh little, and a number next to office words (办公室, 联系人, 老师 …)
 * weighs a quarter.
 */

interface Evidence {
  kind: AdEvidenceKind;
  start: number;
  end: number;
  weight: number;
  what: string;
  /** Set when the evidence is a link in markup (not in the plain text). */
  href?: { start: number; end: number } | undefined;
}

const KIND_LABEL: Record<AdEvidenceKind, string> = {
  mobile: '手机号码',
  landline: '固定电话',
  wechat: '微信号',
  qq: 'QQ号',
  email: '电子邮箱',
  'shop-link': '购物链接',
  'external-link': '外部链接',
  diversion: '引流用语',
  price: '价格',
  promotion: '促销用语',
  absolute: '广告法禁用的绝对化用语',
  sponsorship: '赞助标识',
};

const AD_KINDS = new Set<string>(Object.keys(KIND_LABEL));

const MOBILE = /(?<![0-9a-z])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9a-z])/g;
const HOTLINE = /(?<![0-9a-z])[48]00[- ]?\d{3}[- ]?\d{4}(?![0-9a-z])/g;
const LANDLINE = /(?<![0-9a-z])\(?0\d{2,3}\)?[- ]?[2-8]\d{6,7}(?:-\d{1,5})?(?![0-9a-z])/g;
// Linear by construction (see test/unit/checks/redos.test.ts): no two adjacent quantifiers can take the same
// characters (`\s*(?:号\s*)?` rather than `\s*号?\s*`), and a match may only start where no longer one could (the
// lookbehinds), so a failed attempt never rescans a long run from each of its positions.
const WECHAT = /(?:微信|威信|薇信|徽信|维信|卫信|v信|vx|wx|weixin|wechat|加v|\+v)\s*(?:号\s*)?(?::\s*)?([a-z][-_a-z0-9]{5,19}|1[3-9]\d{9})(?![0-9a-z])/g;
// 微信咨询：id, 加微信 / 联系微信 …, 号码是 id — the id may follow in the next clause (bounded gap, no sentence end).
const WECHAT_CLAUSE = /(?:微信|v信|vx)(?:\s*(?:咨询|联系|号码|号))?[^。！？\n:]{0,10}?(?:号码|账号|id|号)?\s*(?:(?:是|为)\s*)?(?::\s*)?(?<![a-z0-9_-])([a-z][-_a-z0-9]{5,19})(?![0-9a-z])/g;
const WECHAT_BARE = /(?:威信|薇信|徽信|维信|卫信|v信|加v|\+v|➕v)(?![a-z])/g;
const QQ = /(?:qq|扣扣|企鹅|球球|q\s*q)\s*(?:(?:号|群)\s*)?(?::\s*)?([1-9]\d{4,10})(?!\d)/g;
const EMAIL = /(?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/g;
const URL =
  /(?:https?:\/\/|(?<![a-z0-9-]|[a-z0-9-]\.))(?:[a-z0-9-]+\.)+(?:com|cn|net|top|shop|store|xyz|vip|cc|me|io|org|info|tv|club|site|online|link|wang|ltd)(?![a-z0-9-])(?::\d+)?(?:\/[^\s，。；！？、"'<>）)]*)?/g;
const TAO_TOKEN = /[¥€₤$][a-z0-9]{8,12}[¥€₤$]/g;
const PRICE = /[¥￥]\s*\d+(?:\.\d+)?|(?<![\d.])\d+(?:\.\d+)?\s*(?:元|块钱|块|rmb)(?![\u4e00-\u9fa5]?(?:以上|左右)?(?:奖|资助|补助|经费))/g;
const ADMISSIONS_WORDS = ['招生', '报考', '专业介绍', '招生简章'];
const ADMISSIONS_TEXT_WORDS = ['招生简章', '欢迎报考', '欢迎广大考生报考'];
const PERSON_LIST_WORDS = ['公示', '名单'];
/** Campus services whose prices are information (menus, fees, tickets), not a sale. */
const SERVICE_WORDS = ['食堂', '餐厅', '窗口', '菜品', '菜谱', '菜单', '套餐', '早餐', '午餐', '晚餐', '校园卡', '收费标准', '每份', '每碗', '每位', '每人', '门票', '票价'];
const SERVICE_TITLE_WORDS = ['食堂', '餐厅', '菜单', '菜谱', '收费'];
const EMPLOYMENT_CLAIM = /(?:就业率|升学率|通过率|录取率)\s*(?:达到?|为|高达)?\s*100\s*%|百分之百就业|百分百就业|包就业|包分配/g;
const FUNDING_WORDS = ['奖学金', '助学金', '资助', '经费', '补助', '奖金', '投入', '拨款', '捐赠', '捐款', '学费', '住宿费', '罚款', '基金', '预算', '总额', '万元', '亿元', '收入'];

function hostOf(urlText: string): string {
  return urlText
    .replace(/^[a-z]+:\/\//, '')
    .split(/[/?#:]/)[0]!
    .toLowerCase();
}

function domainMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase().replace(/^\*\./, '');
  return host === p || host.endsWith(`.${p}`);
}

/**
 * What a link's host is to the advertising rules: a shop, somewhere outside the school's, the whitelisted sources'
 * and the allowed domains, or (undefined) one of those. Body links and decoded QR codes share it.
 */
export function linkHostClassifier(config: CheckEnv['config']): (host: string) => 'shop-link' | 'external-link' | undefined {
  const cfg = config.advertising;
  const allowed = [...cfg.allowedDomains, ...config.school.domains, ...config.sources.flatMap((s) => s.domains)];
  return (host) => {
    if (cfg.shopDomains.some((d) => domainMatches(host, d))) return 'shop-link';
    if (allowed.some((d) => domainMatches(host, d))) return undefined;
    return 'external-link';
  };
}

export function createAdvertisingCheck(dicts: Dictionaries, env: CheckEnv): CheckFn {
  const cfg = env.config.advertising;
  const compiled = compileTermLists(dicts.advertising, dicts.whitelist, env);
  const classifyHost: (host: string) => AdEvidenceKind | undefined = linkHostClassifier(env.config);

  return (p) => {
    const text = p.folded;
    const ev: Evidence[] = [];
    // Characters already claimed by a piece of evidence (or by an allowed address). A map rather than a list of
    // spans: checking each new match against every earlier one was quadratic in the number of matches.
    const claimed = new Uint8Array(text.length + 1);
    const overlaps = (s: number, e: number) => {
      for (let i = s; i < e; i++) if (claimed[i] === 1) return true;
      return false;
    };
    const claim = (s: number, e: number) => claimed.fill(1, s, e);
    const add = (e: Evidence) => {
      if (overlaps(e.start, e.end)) return;
      claim(e.start, e.end);
      ev.push(e);
    };
    const officeFactor = (start: number) => (hasWordNear(text, start - cfg.contextWindow, start, env.config.advertising.officeContextWords) ? cfg.officeFactor : 1);

    const ctx = revisionContext(p);
    // The kind of document: 招生 copy (absolute terms are 广告法 problems on their own), a 公示 / 名单 of people
    // (their phones are personal data — the secrecy check — not an advert), a menu or fee notice (prices are the
    // service's, not a sale).
    const admissions = ctx.titleHas(ADMISSIONS_WORDS) ?? ctx.textHas(ADMISSIONS_TEXT_WORDS);
    const personList = ctx.titleHas(PERSON_LIST_WORDS);
    const serviceFactor = (start: number, end: number) => {
      const s = ctx.sentence(start, end);
      return hasWordNear(text, Math.max(s.start, start - 40), Math.min(s.end, end + 20), SERVICE_WORDS) || ctx.titleHas(SERVICE_TITLE_WORDS) ? cfg.officeFactor : 1;
    };
    // Contact patterns also read the contact view (text/digits.ts): vх, ԛԛ, Q.Q, 138.0013.8000, 一三八….
    const contacts = (re: RegExp) => contactMatches(re, text, p.contact);
    for (const m of contacts(WECHAT)) add({ kind: 'wechat', start: m.start, end: m.end, weight: cfg.weights.wechat, what: m.value });
    for (const m of contacts(WECHAT_CLAUSE)) add({ kind: 'wechat', start: m.start, end: m.end, weight: cfg.weights.wechat, what: m.value });
    for (const m of contacts(QQ)) add({ kind: 'qq', start: m.start, end: m.end, weight: cfg.weights.qq, what: m.value });
    for (const m of contacts(EMAIL)) {
      const kind = classifyHost(m.value.split('@')[1]!);
      if (kind) add({ kind: 'email', start: m.start, end: m.end, weight: cfg.weights.email, what: m.value });
      else claim(m.start, m.end);
    }
    for (const m of matchAll(TAO_TOKEN, text)) add({ kind: 'shop-link', start: m.index, end: m.index + m[0].length, weight: cfg.weights['shop-link'], what: m[0] });
    for (const m of matchAll(URL, text)) {
      const kind = classifyHost(hostOf(m[0]));
      if (kind) add({ kind, start: m.index, end: m.index + m[0].length, weight: cfg.weights[kind], what: m[0] });
      else claim(m.index, m.index + m[0].length);
    }
    for (const m of contacts(HOTLINE)) add({ kind: 'mobile', start: m.start, end: m.end, weight: cfg.weights.mobile, what: m.value });
    for (const m of contacts(MOBILE)) {
      if (personList) {
        claim(m.start, m.end);
        continue;
      }
      add({ kind: 'mobile', start: m.start, end: m.end, weight: cfg.weights.mobile * officeFactor(m.start), what: m.value });
    }
    for (const m of contacts(LANDLINE)) {
      add({ kind: 'landline', start: m.start, end: m.end, weight: cfg.weights.landline * officeFactor(m.start), what: m.value });
    }
    for (const m of contacts(WECHAT_BARE)) add({ kind: 'diversion', start: m.start, end: m.end, weight: cfg.weights.diversion, what: m.value });
    for (const m of matchAll(PRICE, text)) {
      if (hasWordNear(text, m.index - 10, m.index + m[0].length + 2, FUNDING_WORDS)) continue;
      add({ kind: 'price', start: m.index, end: m.index + m[0].length, weight: cfg.weights.price * serviceFactor(m.index, m.index + m[0].length), what: m[0] });
    }
    const absolutes: Evidence[] = [];
    for (const h of compiled.match(p.text)) {
      const kind = (AD_KINDS.has(h.entry.category) ? h.entry.category : 'promotion') as AdEvidenceKind;
      // 刷单返利 in a 防诈骗 piece, 优惠 in a warning: the words of the scam being explained are not an advert.
      if (kind !== 'absolute' && ctx.sentenceCue(h.start, h.end)) {
        claim(h.start, h.end);
        continue;
      }
      const factor = kind === 'promotion' || kind === 'price' ? serviceFactor(h.start, h.end) : 1;
      const e: Evidence = { kind, start: h.start, end: h.end, weight: (h.entry.flags.weight ?? cfg.weights[kind]) * factor, what: h.entry.term };
      if (kind === 'absolute' && admissions && !overlaps(h.start, h.end)) absolutes.push(e);
      add(e);
    }
    if (admissions) {
      for (const m of matchAll(EMPLOYMENT_CLAIM, text)) {
        const e: Evidence = { kind: 'absolute', start: m.index, end: m.index + m[0].length, weight: cfg.weights.absolute, what: m[0] };
        if (!overlaps(e.start, e.end)) absolutes.push(e);
        add(e);
      }
    }
    // Links hidden in markup (href/src): they are not in the plain text, so the finding points at the markup.
    for (const link of p.rt.links) {
      const kind = /^(?:https?:)?\/\//i.test(link.href) ? classifyHost(hostOf(link.href.replace(/^\/\//, ''))) : undefined;
      if (!kind) continue;
      const at = plainOffsetOfBodySource(p, link.start);
      ev.push({ kind, start: at, end: at, weight: cfg.weights[kind], what: link.href, href: { start: link.start, end: link.end } });
    }

    // Score: per kind, the strongest `maxPerKind` items count.
    const byKind = new Map<AdEvidenceKind, number[]>();
    for (const e of ev) {
      const weights = byKind.get(e.kind);
      if (weights) weights.push(e.weight);
      else byKind.set(e.kind, [e.weight]);
    }
    let score = 0;
    for (const weights of byKind.values()) {
      score += weights
        .sort((a, b) => b - a)
        .slice(0, cfg.maxPerKind)
        .reduce((s, w) => s + w, 0);
    }
    score = Math.round(score * 100) / 100;
    if (score < cfg.reviewThreshold) {
      // 招生 copy: a 广告法 absolute claim (全省唯一, 排名第一, 就业率100%) is a problem on its own.
      return absolutes.map((e) =>
        makeFinding(ADVERTISING_CHECK, p, env, {
          category: 'advertising.absolute',
          severity: 'review',
          start: e.start,
          end: e.end,
          ruleId: 'advertising:absolute-admissions',
          message: `招生宣传中使用广告法禁用的绝对化用语「${p.text.slice(e.start, e.end)}」：须有权威依据或删除`,
          evidence: { score, kind: e.kind, admissions, context: { scope: 'document', cue: admissions, reason: '招生宣传' } },
        }),
      );
    }
    const severity: Severity = score >= cfg.blockThreshold ? 'block' : 'review';
    const kinds = [...byKind.keys()];
    // Evidence that weighs little (an office landline, a canteen price) counted towards the score but is not an
    // advert itself: not shown as a finding.
    return ev
      .filter((e) => e.weight >= cfg.weights[e.kind] * 0.5)
      .map((e): Finding =>
        makeFinding(ADVERTISING_CHECK, p, env, {
          category: `advertising.${e.kind}`,
          severity,
          start: e.start,
          end: e.end,
          ruleId: `advertising:${e.kind}`,
          message: `商业广告嫌疑（评分 ${score}，审核阈值 ${cfg.reviewThreshold}，拦截阈值 ${cfg.blockThreshold}）：${KIND_LABEL[e.kind]}「${e.href ? e.what : p.text.slice(e.start, e.end)}」`,
          evidence: { score, kind: e.kind, weight: e.weight, kinds, reviewThreshold: cfg.reviewThreshold, blockThreshold: cfg.blockThreshold },
          source: e.href ? { field: 'body', start: e.href.start, end: e.href.end } : undefined,
        }),
      );
  };
}

/** The plain-text offset (revision text) of the first body character at or after `sourceOffset`. */
function plainOffsetOfBodySource(p: Parameters<CheckFn>[0], sourceOffset: number): number {
  const starts = p.rt.body.starts;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! < sourceOffset) lo = mid + 1;
    else hi = mid;
  }
  return p.rt.bodyOffset + lo;
}
