/**
 * Writes bench/quality/corpus.json: the labelled quality corpus, composed deterministically (seeded) from the
 * sentence banks in ./banks.ts plus the hand-written drafts in ./handwritten.ts. Set A → split `tuning`, set B →
 * split `heldout` (different sentences, titles and slot values). Run: `npx tsx bench/quality/generate.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SET_A, SET_B, PERSONNEL_LEAK, type BankSet, type Genre } from './banks';
import { HANDWRITTEN } from './handwritten';
import type { CorpusDraft, CorpusLabel } from './corpus';

const SEED = 20261204;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A citizen ID number (GB 11643) with a valid (or deliberately wrong) check digit. */
function idNumber(r: () => number, valid: boolean): string {
  const areas = ['110105', '330106', '310104', '420111', '510107'];
  const area = areas[Math.floor(r() * areas.length)]!;
  const year = 1998 + Math.floor(r() * 8);
  const month = String(1 + Math.floor(r() * 12)).padStart(2, '0');
  const day = String(1 + Math.floor(r() * 28)).padStart(2, '0');
  const seq = String(Math.floor(r() * 1000)).padStart(3, '0');
  const body = `${area}${year}${month}${day}${seq}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * w[i]!, 0);
  const codes = '10X98765432';
  const ok = codes[sum % 11]!;
  return body + (valid ? ok : codes[(sum + 3) % 11]!);
}

function compose(set: BankSet, genre: Genre, r: () => number, problem: boolean, leak: string[]) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const shuffle = <T>(xs: readonly T[]): T[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const fill = (s: string) => s.replace(/\{([^}]+)\}/g, (_, k: string) => (k === '身份证' ? idNumber(r, true) : k === '身份证错' ? idNumber(r, false) : pick(set.slots[k] ?? [`{${k}}`])));
  const sentences = shuffle(genre.clean);
  // Keep the first sentence of the bank first (openers read as openers) half the time.
  const body: string[] = [];
  for (const s of sentences) body.push(s);
  for (const s of shuffle(set.common)) {
    if (body.join('').length >= 360) break;
    body.splice(Math.floor(r() * (body.length + 1)), 0, s);
  }
  if (problem) {
    const pool = [...genre.problems];
    if (genre.name === '公示') pool.push(...leak);
    const chosen = new Set<string>();
    const n = pool.length === 0 ? 0 : 1 + (r() < 0.35 ? 1 : 0);
    for (let i = 0; i < n; i++) chosen.add(pick(pool));
    if (r() < 0.3 || chosen.size === 0) chosen.add(pick(set.problems));
    for (const s of chosen) body.splice(s.startsWith('[[新华社') || s.startsWith('[[人民日报') ? 0 : Math.floor(r() * (body.length + 1)), 0, s);
  }
  const title = fill(pick(genre.titles));
  // Paragraphs of 1–3 sentences.
  const paras: string[] = [];
  for (let i = 0; i < body.length;) {
    const k = 1 + Math.floor(r() * 3);
    paras.push(
      body
        .slice(i, i + k)
        .map(fill)
        .join(''),
    );
    i += k;
  }
  return { title, marked: paras.join('\n') };
}

/** Strips [[text|check|severity]] marks, returning the plain body and labels with offsets into `title\nbody`. */
export function unmark(title: string, marked: string): { body: string; labels: CorpusLabel[] } {
  const labels: CorpusLabel[] = [];
  let body = '';
  const re = /\[\[([^|\]]+)\|([a-z-]+)\|([a-z-]+)\]\]/g;
  let last = 0;
  for (let m = re.exec(marked); m; m = re.exec(marked)) {
    body += marked.slice(last, m.index);
    const start = title.length + 1 + body.length;
    body += m[1]!;
    if (m[2] !== '-') labels.push({ check: m[2]!, severity: m[3] as CorpusLabel['severity'], start, end: start + m[1]!.length, text: m[1]! });
    last = m.index + m[0].length;
  }
  body += marked.slice(last);
  return { body, labels };
}

function originFor(genre: Genre, title: string): CorpusDraft['content']['origin'] {
  if (genre.origin === 'repost-ok') {
    return { kind: 'repost', sourceName: '教育部', sourceUrl: 'http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/202612/t20261201_1.html', originalAuthor: '教育部新闻办公室', originalTitle: title };
  }
  if (genre.origin === 'repost-missing') return { kind: 'repost', sourceName: '', sourceUrl: '', originalAuthor: '', originalTitle: title };
  return { kind: 'original' };
}

function build(set: BankSet, split: 'tuning' | 'heldout', perGenre: number, leak: string[], seed: number): CorpusDraft[] {
  const r = mulberry32(seed);
  const out: CorpusDraft[] = [];
  for (const genre of set.genres) {
    const alwaysProblem = genre.origin === 'repost-missing' || genre.name.startsWith('原创（实为通稿）');
    const canProblem = genre.problems.length > 0 || genre.name === '公示';
    for (let i = 0; i < perGenre; i++) {
      const problem = alwaysProblem || (canProblem && i % 2 === 1);
      const { title, marked } = compose(set, genre, r, problem, leak);
      const { body, labels } = unmark(title, marked);
      if (genre.origin === 'repost-missing') {
        for (const field of ['sourceName', 'sourceUrl', 'originalAuthor']) labels.push({ check: 'copyright', severity: 'block', rule: `copyright:missing-${field}` });
      }
      out.push({
        id: `${split}-${String(out.length + 1).padStart(3, '0')}`,
        split,
        genre: genre.name,
        clean: labels.length === 0,
        content: { title, body, format: 'text', origin: originFor(genre, title), assets: [] },
        labels,
      });
    }
  }
  return out;
}

export function generateCorpus(): CorpusDraft[] {
  const drafts = [...build(SET_A, 'tuning', 9, PERSONNEL_LEAK.A, SEED), ...build(SET_B, 'heldout', 5, PERSONNEL_LEAK.B, SEED + 1)];
  for (const h of HANDWRITTEN) {
    // Short hand-written drafts get neutral closing sentences of their split's common bank up to 300 characters.
    const common = (h.split === 'tuning' ? SET_A : SET_B).common.filter((x) => !x.includes('{'));
    let text = h.body;
    for (let k = 0; h.title.length + 1 + text.replace(/\[\[([^|\]]+)\|[^\]]+\]\]/g, '$1').length < 300 && k < common.length; k++) text += (k === 0 ? '\n' : '') + common[k];
    const { body, labels } = unmark(h.title, text);
    drafts.push({
      id: `${h.split}-hw-${String(drafts.filter((d) => d.split === h.split).length + 1).padStart(3, '0')}`,
      split: h.split,
      genre: h.genre,
      clean: labels.length === 0 && !h.meta?.length,
      content: { title: h.title, body, format: 'text', origin: h.origin ?? { kind: 'original' }, assets: [] },
      labels: [...labels, ...(h.meta ?? [])],
    });
  }
  return drafts;
}

if (process.argv[1] && /generate\.ts$/.test(process.argv[1])) {
  const drafts = generateCorpus();
  const file = join(__dirname, 'corpus.json');
  writeFileSync(file, `${JSON.stringify({ seed: SEED, generatedBy: 'bench/quality/generate.ts', drafts }, null, 1)}\n`);
  const count = (s: string, clean: boolean) => drafts.filter((d) => d.split === s && d.clean === clean).length;
  console.log(
    `wrote ${drafts.length} drafts: tuning ${count('tuning', true)} clean + ${count('tuning', false)} problem, held-out ${count('heldout', true)} clean + ${count('heldout', false)} problem`,
  );
  const lens = drafts.map((d) => d.content.title.length + 1 + d.content.body.length);
  console.log(`length ${Math.min(...lens)}–${Math.max(...lens)} characters`);
}
