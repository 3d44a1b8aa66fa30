/**
 * Typed configuration of the automated checks (plain data, no process.env). Word lists live in
 * `dictionaries/`; this file holds what is structured or numeric: the source whitelist, licensed fonts,
 * advertising weights and thresholds, personal-data patterns, the title words the name → title check knows (the
 * names and their titles are data: dictionaries/proofreading/titles.txt, editable at run time). A school edits
 * it for its own domains; its canonical JSON is part of every finding's rule-set version.
 */

export interface SourceEntry {
  /** Official name of the news source (稿源单位). */
  name: string;
  /** Other names it is commonly credited as. */
  aliases: string[];
  /** Domains it publishes on; `*.gov.cn` style wildcards match any subdomain. */
  domains: string[];
}

export type AdEvidenceKind =
  | 'mobile'
  | 'landline'
  | 'wechat'
  | 'qq'
  | 'email'
  | 'shop-link'
  | 'external-link'
  | 'diversion'
  | 'price'
  | 'promotion'
  | 'absolute'
  | 'sponsorship';

export interface ChecksConfig {
  school: {
    /** Names of the school (full and short), used by school-name misuse rules. */
    names: string[];
    /** The school's own domains (a repost from them is fine; links to them are not advertising). */
    domains: string[];
  };
  /** Whitelisted sources a repost (转载) may come from. */
  sources: SourceEntry[];
  /** Fonts the school holds a licence for (or that are free for commercial use). */
  licensedFonts: string[];
  sensitive: {
    /** Longest run of noise characters a match may skip between two characters. */
    maxGap: number;
  };
  advertising: {
    /** Score at or above which the draft gets `review` findings. */
    reviewThreshold: number;
    /** Score at or above which the findings are `block`. */
    blockThreshold: number;
    /** Weight of one piece of evidence of each kind (term-list entries may override with weight=N). */
    weights: Record<AdEvidenceKind, number>;
    /** At most this many items of one kind count towards the score. */
    maxPerKind: number;
    /** Words near a phone number that mark it as an office / official contact (weight × officeFactor). */
    officeContextWords: string[];
    officeFactor: number;
    /** Characters before a number searched for office context. */
    contextWindow: number;
    /** Domains that are never advertising (in addition to the school's and the sources' domains). */
    allowedDomains: string[];
    /** Shop / marketplace domains (links to them weigh as `shop-link`). */
    shopDomains: string[];
  };
  secrecy: {
    studentNumber: {
      /** Regular expression source for a student number (matched on digits only). */
      pattern: string;
      /** A cue word must occur within `window` characters before the number. */
      cueWords: string[];
      window: number;
    };
    /** Words that make a document number (…〔2025〕5号) internal. */
    internalContextWords: string[];
    /** Words that show personnel language is part of a public notice (任前公示). */
    publicNoticeWords: string[];
  };
  copyright: {
    /**
     * Jaccard similarity of character 3-gram sets (MinHash estimate) at or above which a draft declared original
     * is flagged. 0.4: on bench:near-duplicate's campus news, unrelated texts' best match scored at most 0.38
     * among 100k stored texts, near-duplicates with up to 20 % of characters changed at least 0.45.
     */
    nearDuplicateThreshold: number;
    /** Characters per shingle (letters and digits of the folded text). */
    shingleSize: number;
    /** MinHash signature length (256: standard error of the estimate ≈ 0.03 at J = 0.4). */
    minhashSize: number;
    /** Texts with fewer content characters are not compared (too short for a meaningful similarity). */
    minChars: number;
  };
  proofreading: {
    /** Administrative titles recognised next to a name listed in dictionaries/proofreading/titles.txt (matched
     * longest first). Academic titles (教授, 研究员) are left out on purpose: the list does not know them. */
    titleWords: string[];
  };
  escalation: {
    /** Keywords to attach as evidence (TF-IDF top N). */
    keywordCount: number;
  };
  context: {
    /**
     * The safety floor of the context rules (issue 11): a finding of one of these categories (at the severity given,
     * or any) that a context cue would lower goes no lower than `to` — a cue word next to 法轮功 or 绝密 does not
     * make them harmless, it only means a human reads the sentence.
     */
    floor: {
      to: 'review' | 'info';
      /** Lifted (back to `info`) when the sentence itself takes a stance against the term or explains the 密级. */
      liftOnStance: boolean;
      categories: Array<{ category: string; severity?: 'block' | 'review' }>;
    };
    /**
     * The draft's 体裁 as a context cue (安全教育/科普 like a title naming the genre). Off: measured with no effect on
     * the labelled corpus, and it is an input the editor chooses (README, issue 11).
     */
    genreCue: boolean;
  };
  limits: {
    /**
     * Findings one check may list for one revision; beyond this the rest become one summary finding with the
     * total (src/checks/bound.ts), so the detail response and the review page stay small whatever the draft.
     */
    findingsPerCheck: number;
  };
}

export const CHECKS_CONFIG: ChecksConfig = {
  school: {
    names: ['示例大学', '示大'],
    domains: ['example.edu.cn'],
  },
  sources: [
    { name: '新华社', aliases: ['新华网', '新华通讯社'], domains: ['news.cn', 'xinhuanet.com'] },
    { name: '人民日报', aliases: ['人民网', '人民日报社'], domains: ['people.com.cn', 'people.cn'] },
    { name: '中央广播电视总台', aliases: ['央视新闻', '央视网', 'CCTV', '中央电视台'], domains: ['cctv.com', 'cctv.cn', 'cntv.cn'] },
    { name: '光明日报', aliases: ['光明网'], domains: ['gmw.cn'] },
    { name: '中国青年报', aliases: ['中青在线', '中国青年网'], domains: ['cyol.com', 'youth.cn'] },
    { name: '中国教育报', aliases: ['中国教育新闻网'], domains: ['jyb.cn'] },
    { name: '求是', aliases: ['求是网'], domains: ['qstheory.cn'] },
    { name: '中国新闻网', aliases: ['中新网', '中国新闻社'], domains: ['chinanews.com.cn', 'chinanews.com'] },
    { name: '教育部', aliases: ['中华人民共和国教育部', '教育部网站'], domains: ['moe.gov.cn'] },
    { name: '中国政府网', aliases: ['中华人民共和国中央人民政府'], domains: ['gov.cn', 'www.gov.cn'] },
    { name: '政府网站', aliases: [], domains: ['*.gov.cn'] },
    { name: '示例大学', aliases: ['示例大学新闻网', '示大新闻网'], domains: ['example.edu.cn', '*.example.edu.cn'] },
  ],
  licensedFonts: [
    '思源黑体', 'Source Han Sans', '思源宋体', 'Source Han Serif', '阿里巴巴普惠体', 'Alibaba PuHuiTi',
    'HarmonyOS Sans', '霞鹜文楷', 'LXGW WenKai', '站酷高端黑', '站酷快乐体', 'Noto Sans CJK', 'Noto Serif CJK',
    '方正书宋', '方正黑体', '方正仿宋', '方正楷体', '文泉驿正黑', '文泉驿微米黑',
  ],
  sensitive: { maxGap: 3 },
  advertising: {
    reviewThreshold: 5,
    blockThreshold: 9,
    weights: {
      mobile: 2,
      landline: 1,
      wechat: 4,
      qq: 3,
      email: 1,
      'shop-link': 4,
      'external-link': 1,
      diversion: 2,
      price: 2,
      promotion: 1.5,
      absolute: 1,
      sponsorship: 1,
    },
    maxPerKind: 3,
    officeContextWords: [
      '办公室', '学院', '学校', '研究生院', '教务处', '学生处', '招生办', '招生处', '就业指导中心', '中心', '处',
      '部', '委员会', '团委', '校医院', '保卫处', '联系人', '联系电话', '咨询电话', '办公电话', '值班电话',
      '报名电话', '服务热线', '老师', '地址',
    ],
    officeFactor: 0.25,
    contextWindow: 16,
    allowedDomains: ['edu.cn', 'gov.cn', 'org.cn'],
    shopDomains: [
      'taobao.com', 'tmall.com', 'jd.com', 'pinduoduo.com', 'yangkeduo.com', 'weidian.com', 'youzan.com',
      'xiaohongshu.com', 'douyin.com', 'kuaishou.com', '1688.com', 'suning.com', 'vip.com',
    ],
  },
  secrecy: {
    studentNumber: {
      pattern: '20[0-9]{2}[0-9]{6}',
      cueWords: ['学号', '学生证号', '考号', '准考证号'],
      window: 12,
    },
    internalContextWords: ['内部', '印发', '纪要', '传达', '不得外传', '注意保密', '仅供', '传阅', '密级', '会议'],
    publicNoticeWords: ['公示', '任前公示', '公示期', '公告'],
  },
  copyright: {
    nearDuplicateThreshold: 0.4,
    shingleSize: 3,
    minhashSize: 256,
    minChars: 20,
  },
  proofreading: {
    titleWords: [
      '党委书记', '党委副书记', '纪委书记', '副书记', '书记', '常务副校长', '副校长', '校长', '校长助理',
      '副院长', '院长', '副主任', '主任', '副处长', '处长', '副部长', '部长',
    ],
  },
  escalation: { keywordCount: 5 },
  context: {
    // The categories no statement can justify (config/waivers.ts `never`) and named cults.
    floor: {
      to: 'review',
      liftOnStance: true,
      categories: [
        { category: 'secrecy.marking' },
        { category: 'politics', severity: 'block' },
        { category: 'porn', severity: 'block' },
        { category: 'violence-terror', severity: 'block' },
        { category: 'religion', severity: 'block' },
      ],
    },
    genreCue: false,
  },
  limits: { findingsPerCheck: 200 },
};
