/**
 * Campus-news-like Chinese texts for the near-duplicate benchmark (fictional school, units and people), and
 * the edits a copier makes to pass a released text off as original: reordered sentences, changed characters,
 * inserted paragraphs.
 *
 * Texts come from phrase banks combined per sentence, so two unrelated texts share the formulaic phrasing real
 * campus news shares (举办、出席、强调、旨在进一步…) without sharing whole sentences: the false alarms a
 * near-duplicate check must avoid come from exactly that.
 */
import { rng } from './campus-text';

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const UNITS = [
  '计算机学院',
  '机械工程学院',
  '外国语学院',
  '马克思主义学院',
  '经济管理学院',
  '材料科学与工程学院',
  '生命科学学院',
  '数学科学学院',
  '物理学院',
  '化学化工学院',
  '土木工程学院',
  '电子信息学院',
  '法学院',
  '艺术学院',
  '体育部',
  '图书馆',
  '校团委',
  '学生工作处',
  '研究生院',
  '教务处',
  '科学技术研究院',
  '国际交流合作处',
  '后勤保障部',
  '校医院',
  '保卫处',
  '就业指导中心',
  '创新创业学院',
  '继续教育学院',
  '档案馆',
  '心理健康教育中心',
  '人文学院',
  '环境学院',
  '建筑学院',
  '能源与动力工程学院',
  '药学院',
  '农学院',
  '新闻传播学院',
  '教育学院',
  '公共管理学院',
  '网络空间安全学院',
];
const EVENTS = [
  '学术报告会',
  '主题党日活动',
  '新生入学教育',
  '毕业生就业双选会',
  '校园开放日',
  '科技文化节',
  '志愿服务活动',
  '安全教育专题讲座',
  '心理健康月活动',
  '读书分享会',
  '教学观摩课',
  '青年教师讲课比赛',
  '实验室安全检查',
  '消防疏散演练',
  '田径运动会',
  '合唱比赛',
  '创新创业大赛',
  '国际学术研讨会',
  '校友返校活动',
  '企业招聘宣讲会',
  '党史学习教育报告会',
  '廉政教育专题会',
  '迎新文艺晚会',
  '学位授予仪式',
  '课程思政示范课展示',
  '本科教学审核评估推进会',
  '科研诚信宣讲会',
  '宿舍文化节',
  '研究生学术论坛',
  '中外合作办学座谈会',
  '乡村振兴社会实践总结会',
  '团干部培训班',
  '教材建设研讨会',
];
const PLACES = [
  '学术报告厅',
  '图书馆报告厅',
  '行政楼第一会议室',
  '东区体育场',
  '大学生活动中心',
  '国际交流中心',
  '第三教学楼',
  '实验楼二楼会议室',
  '大礼堂',
  '综合楼多功能厅',
  '西区学生公寓',
  '创新创业孵化基地',
  '校史馆',
  '南湖校区会议中心',
];
const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '明华建国志强晓燕丽娟文博海涛俊杰思源立新振宇雅琴子涵浩然若愚清远德厚嘉怡天佑宏伟雪梅永康国庆春生秋实一鸣立群泽宇';
const ROLES = ['教授', '副教授', '研究员', '院长', '党委书记', '副院长', '处长', '副处长', '主任', '博士生导师', '副校长', '校长助理'];
const TOPICS = [
  '人工智能',
  '碳达峰碳中和',
  '乡村振兴',
  '高质量发展',
  '新工科建设',
  '课程思政',
  '教育数字化转型',
  '集成电路',
  '生物医药',
  '新能源材料',
  '智慧城市',
  '黄河流域生态保护',
  '大数据治理',
  '量子信息',
  '海洋工程',
  '先进制造',
  '公共卫生',
  '区域协调发展',
  '文化传承创新',
  '拔尖创新人才培养',
  '产教融合',
  '国际传播能力建设',
  '基层治理',
  '低空经济',
  '智能网联汽车',
  '数字人文',
];
const AUDIENCES = ['师生', '青年教师', '本科生', '研究生', '学生党员', '辅导员', '新入职教职工', '毕业班学生', '留学生', '校友代表'];
const COUNTS = ['百余人', '200余人', '300余名', '近500人', '60余名', '千余名', '80余人', '150余名'];
const TIMES = ['上午', '下午', '晚上'];

const LEADS = [
  (c: Ctx) => `${c.date}${pick(c.r, TIMES)}，${c.unit}在${c.place}举办${c.event}，${c.audience}${c.count}参加。`,
  (c: Ctx) => `近日，${c.unit}举办以“${c.topic}”为主题的${c.event}，吸引了${c.count}${c.audience}到场。`,
  (c: Ctx) => `${c.date}，${c.event}在${c.place}举行。本次活动由${c.unit}主办，${c.unit2}协办。`,
  (c: Ctx) => `为深入推进${c.topic}相关工作，${c.date}${pick(c.r, TIMES)}，${c.unit}组织召开${c.event}。`,
];
const SUBJECTS = (c: Ctx) => [
  `${c.person}${c.role}`,
  `${c.unit}负责人`,
  `${c.person2}${c.role2}`,
  '与会代表',
  `${c.unit2}相关负责同志`,
  '活动负责人',
  `${c.audience}代表`,
  '主讲嘉宾',
  '各学院代表',
  '校领导',
  '特邀专家',
  `${c.unit}党委书记`,
  '项目负责人',
  '评审专家组',
  '指导教师',
  '学生代表',
  '企业代表',
  `${c.unit2}院长`,
  '青年学者代表',
  '校友代表',
];
const VERBS = ['指出', '强调', '表示', '介绍', '希望', '要求', '回顾了', '总结了', '分享了', '围绕', '结合', '就', '梳理了', '展望了', '分析了', '通报了', '解读了', '部署了'];
const OBJECTS = (c: Ctx) => [
  `${c.topic}领域的最新研究进展`,
  `近年来${c.unit}在人才培养方面取得的成绩`,
  `${c.topic}与学科建设的深度融合`,
  '学校事业发展的总体思路',
  '本学期重点工作安排',
  `${c.event}的筹备情况`,
  '师生关心关注的热点问题',
  '下一步工作的具体举措',
  `${c.topic}背景下的机遇与挑战`,
  '青年学生的成长成才路径',
  '实验室安全管理的关键环节',
  '教学质量保障体系建设',
  '科研团队建设与平台培育',
  '校地合作的实践经验',
  '国际合作交流的新进展',
  '毕业生就业创业的形势',
  `${c.topic}方向的人才需求`,
  '研究生培养方案修订工作',
  '一流本科课程建设情况',
  '基层党组织建设的经验做法',
  `${c.unit}“十四五”规划的实施进展`,
  '学术不端行为的典型案例',
  '新生适应性教育的主要内容',
  '校园文化建设的特色亮点',
  '心理危机干预的工作流程',
  `${c.topic}相关课程的教学改革`,
  '重点实验室的开放共享',
  '科研经费管理的有关规定',
  '学生资助政策的落实情况',
  '产学研合作项目的推进情况',
  '志愿服务的长效机制',
  '青年教师的职业发展规划',
  '教材选用与审核的有关要求',
  `${c.year}年度重点任务的完成情况`,
  '疫情防控常态化的经验',
  '数字校园建设的阶段性成果',
  '安全生产责任制的落实',
];
const TAILS = (c: Ctx) => [
  '，引发了现场师生的热烈讨论',
  '，内容丰富、案例生动',
  '，具有很强的指导意义',
  `，为${c.topic}研究提供了新思路`,
  '，现场气氛热烈',
  '，大家纷纷表示收获颇丰',
  '，并与参会人员进行了深入交流',
  '，赢得了阵阵掌声',
  '，言简意赅、重点突出',
  `，对${c.unit}下一步工作提出了明确要求`,
  '，得到了与会专家的一致认可',
  '，并现场回答了同学们的提问',
  '，令人深受启发',
  '，为大家上了生动的一课',
  '',
  '',
  '',
  '',
];
const PURPOSES = (c: Ctx) => [
  `此次活动旨在进一步推动${c.topic}相关工作走深走实。`,
  `活动的举办为${c.audience}搭建了交流学习的平台。`,
  `下一步，${c.unit}将继续完善工作机制，推动各项任务落地见效。`,
  `据悉，${c.unit}将以此为契机，持续深化${c.topic}方面的探索。`,
  `本次${c.event}是${c.unit}${c.year}年系列活动之一。`,
  `与会人员一致认为，${c.topic}是当前和今后一个时期的重要方向。`,
  `活动结束后，${c.audience}们参观了${c.place2}。`,
  `${c.unit2}、${c.unit3}等单位相关负责人参加活动。`,
  `会议由${c.person2}${c.role2}主持。`,
  `${c.count}${c.audience}通过线上线下相结合的方式参加了活动。`,
  `据了解，${c.unit}已连续${2 + Math.floor(c.r() * 9)}年举办此类活动。`,
  `${c.unit}将把${c.topic}纳入年度重点工作，持续抓好落实。`,
  `近${2 + Math.floor(c.r() * 5)}年来，${c.unit}累计立项${10 + Math.floor(c.r() * 90)}项相关课题。`,
  `本次活动共收到${20 + Math.floor(c.r() * 200)}份作品，评出一等奖${1 + Math.floor(c.r() * 5)}项。`,
  `${c.unit}相关负责人表示，将认真梳理大家提出的意见建议，及时改进工作。`,
];
const QUOTES = [
  '这次活动让我对专业有了更深的理解',
  '收获很大，今后要把所学用到实践中去',
  '没想到这门课可以这样上',
  '希望以后多组织这样的交流',
  '我们团队准备了整整一个学期',
  '从选题到答辩，每一步都离不开老师的指导',
  '第一次站上这样的舞台，既紧张又兴奋',
  '这是我们共同努力的结果',
  '科研没有捷径，只有脚踏实地',
  '要把论文写在祖国大地上',
  '安全无小事，责任重于泰山',
  '读书让我看到了更大的世界',
];
const STAGES = ['开幕式', '主旨报告', '分组讨论', '成果展示', '专家点评', '互动问答', '经验交流', '颁奖仪式', '参观考察', '闭幕总结', '现场演示', '圆桌对话'];

interface Ctx {
  r: () => number;
  date: string;
  year: number;
  unit: string;
  unit2: string;
  unit3: string;
  place: string;
  place2: string;
  event: string;
  topic: string;
  audience: string;
  count: string;
  person: string;
  person2: string;
  role: string;
  role2: string;
}

const personName = (r: () => number) => pick(r, [...SURNAMES]) + pick(r, [...GIVEN]) + (r() < 0.6 ? pick(r, [...GIVEN]) : '');

function context(r: () => number): Ctx {
  const year = 2019 + Math.floor(r() * 8);
  return {
    r,
    year,
    date: `${year}年${1 + Math.floor(r() * 12)}月${1 + Math.floor(r() * 28)}日`,
    unit: pick(r, UNITS),
    unit2: pick(r, UNITS),
    unit3: pick(r, UNITS),
    place: pick(r, PLACES),
    place2: pick(r, PLACES),
    event: pick(r, EVENTS),
    topic: pick(r, TOPICS),
    audience: pick(r, AUDIENCES),
    count: pick(r, COUNTS),
    person: personName(r),
    person2: personName(r),
    role: pick(r, ROLES),
    role2: pick(r, ROLES),
  };
}

function bodySentence(c: Ctx): string {
  const r = c.r;
  const kind = r();
  if (kind < 0.45) return `${pick(r, SUBJECTS(c))}${pick(r, VERBS)}${pick(r, OBJECTS(c))}${pick(r, TAILS(c))}。`;
  if (kind < 0.65) return pick(r, PURPOSES(c));
  if (kind < 0.73) return `${c.person}${c.role}以“${pick(r, OBJECTS(c))}”为题作报告${pick(r, TAILS(c))}。`;
  if (kind < 0.81) return `“${pick(r, QUOTES)}。”${c.unit2}${pick(r, ['学生', '研究生', '青年教师', '参赛选手', '志愿者'])}${personName(r)}说。`;
  if (kind < 0.9) {
    const stages = [...STAGES].sort(() => r() - 0.5).slice(0, 3);
    return `本次${c.event}设${stages[0]}、${stages[1]}和${stages[2]}等环节，历时${1 + Math.floor(r() * 3)}天。`;
  }
  // Re-draw some slots so later paragraphs talk about other people and units, as longer reports do.
  c.person2 = personName(r);
  c.unit2 = pick(r, UNITS);
  return `${c.person2}${pick(r, ROLES)}结合${c.unit2}的做法，${pick(r, VERBS)}${pick(r, OBJECTS(c))}。`;
}

/** One news text of roughly 500–2,000 characters in 4–8 paragraphs, fully determined by `seed`. */
export function campusNews(seed: number): string {
  const r = rng(seed * 2 + 1);
  const c = context(r);
  const paragraphs: string[] = [pick(r, LEADS)(c)];
  const used = new Set<string>();
  const count = 4 + Math.floor(r() * 5);
  for (let p = 0; p < count; p++) {
    const sentences = 3 + Math.floor(r() * 5);
    let text = '';
    for (let s = 0; s < sentences; s++) {
      // A report does not say the same sentence twice.
      let sentence = bodySentence(c);
      for (let retry = 0; retry < 5 && used.has(sentence); retry++) sentence = bodySentence(c);
      used.add(sentence);
      text += sentence;
    }
    paragraphs.push(text);
  }
  return paragraphs.join('\n');
}

/** How a near-duplicate was made from its original. */
export type EditKind = 'reorder' | 'edit10' | 'edit20' | 'edit30' | 'insert' | 'combined';
export const EDIT_KINDS: readonly EditKind[] = ['reorder', 'edit10', 'edit20', 'edit30', 'insert', 'combined'];

const sentencesOf = (text: string) => text.match(/[^。！？\n]+[。！？]?|\n/g) ?? [];

/** Sentences shuffled within and across paragraphs (the first sentence stays first, as a copier keeps a lead). */
function reorder(text: string, r: () => number): string {
  const sentences = sentencesOf(text).filter((s) => s !== '\n');
  const rest = sentences.slice(1);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  const out = [sentences[0] ?? ''];
  rest.forEach((s, i) => out.push((i % 4 === 3 ? '\n' : '') + s));
  return out.join('');
}

const REPLACEMENT_CHARS = [...'的了在和是对为与及其将以把被从向由于就都也还又并而且使让要会能可这那些个各每新大小多少高深强重好实广全'];

/**
 * About `fraction` of the CJK characters changed, in runs of 1–4 (a word rewritten, a character swapped, a
 * word dropped or added), spread over the whole text: how 洗稿 looks, rather than one edited paragraph.
 */
function editCharacters(text: string, fraction: number, r: () => number): string {
  const chars = [...text];
  const cjk = chars.map((ch, i) => (/[\u4e00-\u9fff]/.test(ch) ? i : -1)).filter((i) => i >= 0);
  let budget = Math.round(cjk.length * fraction);
  const touched = new Set<number>();
  while (budget > 0) {
    const run = Math.min(budget, 1 + Math.floor(r() * 4));
    const start = cjk[Math.floor(r() * cjk.length)]!;
    const op = r();
    for (let k = 0; k < run; k++) {
      const at = start + k;
      if (at >= chars.length || touched.has(at) || !/[\u4e00-\u9fff]/.test(chars[at]!)) continue;
      touched.add(at);
      if (op < 0.7) chars[at] = pick(r, REPLACEMENT_CHARS);
      else if (op < 0.85) chars[at] = '';
      else chars[at] = chars[at]! + pick(r, REPLACEMENT_CHARS);
      budget--;
    }
    if (touched.size >= cjk.length) break;
  }
  return chars.join('');
}

/** One to three paragraphs of another text inserted at random paragraph boundaries. */
function insertParagraphs(text: string, r: () => number, donorSeed: number): string {
  const paragraphs = text.split('\n');
  const donor = campusNews(donorSeed).split('\n').slice(1);
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n && donor.length > 0; k++) {
    const at = 1 + Math.floor(r() * paragraphs.length);
    paragraphs.splice(at, 0, donor.splice(Math.floor(r() * donor.length), 1)[0]!);
  }
  return paragraphs.join('\n');
}

/** A near-duplicate of `text` made by `kind` (seeded). */
export function editedVariant(text: string, kind: EditKind, seed: number): string {
  const r = rng(seed * 7 + 3);
  switch (kind) {
    case 'reorder':
      return reorder(text, r);
    case 'edit10':
      return editCharacters(text, 0.1, r);
    case 'edit20':
      return editCharacters(text, 0.2, r);
    case 'edit30':
      return editCharacters(text, 0.3, r);
    case 'insert':
      return insertParagraphs(text, r, 1_000_000_000 + seed);
    case 'combined':
      return insertParagraphs(editCharacters(reorder(text, r), 0.1, r), r, 1_500_000_000 + seed);
  }
}
