/**
 * Regular-expression and parser denial of service: every check, the text extraction it runs on, the dictionary
 * parser behind the admin import and the HTTP schemas must stay linear in the input. Each is fed adversarial
 * inputs (long runs of near-matches, digit runs, whitespace and noise runs, nested brackets, unclosed markup) of
 * size n and 16n; linear work grows ~16× (more with the garbage collector's share), a quadratic pattern ~256×. The
 * bound is generous for a loaded 2-core machine: ratio ≤ 48 or under an absolute floor, best of three.
 */
import type { ZodType } from 'zod';
import { parseDictionaries } from '../../../src/checks/dictionary/dictionary';
import { LIST_KEY_PATTERN } from '../../../src/checks/dictionary/overlay';
import type { CheckEngine } from '../../../src/checks/engine';
import { buildRevisionText } from '../../../src/checks/text/extract';
import type { BodyFormat, RevisionContent } from '../../../src/domain/content';
import { DictionaryCooccurrenceAddSchema, DictionaryTermsAddSchema, DictionaryTermsQuerySchema } from '../../../src/http/routes/dictionaries.routes';
import { BoardQuery } from '../../../src/http/routes/board.routes';
import { DraftListQuery, IdParams, LoginSchema, UserCreateSchema } from '../../../src/http/schemas';
import { firstDuplicateKey } from '../../../src/http/json-body';
import { shippedEngine } from './checks.helpers';

const N = 1_000;
const FACTOR = 16;
/** Linear work grows 16×, quadratic 256×: room for a noisy, loaded machine on both sides. */
const MAX_RATIO = 48;
/** Below this at 8n nothing is worth calling super-linear (timer noise, GC, a busy neighbour). */
const FLOOR_MS = 40;
/** Linear work on n characters takes a few milliseconds; this much means the pattern is already exploding. */
const STOP_MS = 1_000;

/**
 * CPU time of this process (ms), not wall time: on a shared machine a busy neighbour stretches wall time at random
 * but not the work done here.
 */
function timeOf(fn: () => unknown): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1_000;
}

/** Best of up to five, alternating sizes: a measurement is only ever too slow because of something else. */
function growth(run: (n: number) => unknown): { small: number; large: number; ok: boolean } {
  let small = Infinity;
  let large = Infinity;
  for (let attempt = 0; attempt < 5; attempt++) {
    small = Math.min(
      small,
      timeOf(() => run(N)),
    );
    if (small > STOP_MS) return { small, large: NaN, ok: false };
    large = Math.min(
      large,
      timeOf(() => run(N * FACTOR)),
    );
    if (large <= FLOOR_MS || large <= MAX_RATIO * small) return { small, large, ok: true };
  }
  return { small, large, ok: false };
}

/** A valid 公民身份号码 (GB 11643 check digit) ending in a digit, so the bank-card pattern sees its digits too. */
const ID_NUMBER = (() => {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  for (let seq = 100; ; seq++) {
    const body = `11010519900101${seq}`;
    const check = '10X98765432'[weights.reduce((sum, w, i) => sum + w * Number(body[i]), 0) % 11]!;
    if (check !== 'X') return body + check;
  }
})();

/** Inputs of about `n` characters built to make backtracking or rescanning patterns work hard. */
const ADVERSARIAL: Record<string, (n: number) => string> = {
  'whitespace after a contact cue': (n) => `qq${' '.repeat(n)}x 微信${' '.repeat(n)}! wx${'\t'.repeat(n)}!`,
  'whitespace after a secrecy cue': (n) => `密级${' '.repeat(n)}x 保密期限${' '.repeat(n)}x 机密${' '.repeat(n)}x`,
  'whitespace inside a document number': (n) => `教育部〔2024〕${' '.repeat(n)}第${' '.repeat(n)}x`,
  'whitespace after a count': (n) => `3${' '.repeat(n)}x 三${' '.repeat(n)}名x`,
  'letters with no @ or dot': (n) => 'a'.repeat(n),
  'dotted labels with no TLD': (n) => 'a.'.repeat(n / 2),
  'near e-mails': (n) => 'a@a.'.repeat(n / 4),
  'long e-mail domain': (n) => `x@${'b-'.repeat(n / 2)}`,
  'digit run': (n) => '1'.repeat(n),
  'digits and separators': (n) => '1 2-'.repeat(n / 4),
  'Chinese numerals': (n) => '三'.repeat(n),
  'numerals before a unit': (n) => `${'多'.repeat(n)}人x`,
  'near casualty counts': (n) => '3人x'.repeat(n / 3),
  'prices without a unit': (n) => '¥ 1.'.repeat(n / 4),
  'noise between characters': (n) => '法*'.repeat(n / 2),
  'invisible characters between characters': (n) => '法\u200b\u202e'.repeat(n / 3),
  'right-to-left overrides': (n) => '\u202e功轮'.repeat(n / 3),
  'repeated characters': (n) => '赌'.repeat(n),
  'unbalanced brackets': (n) => '《“（'.repeat(n / 3),
  'nested brackets': (n) => `${'['.repeat(n / 2)}${']'.repeat(n / 2)}`,
  'nested links': (n) => `${'['.repeat(n / 4)}x${'](a)'.repeat(n / 4)}`,
  'unclosed links': (n) => '[a]('.repeat(n / 4),
  'unclosed tags': (n) => '<a x'.repeat(n / 4),
  'unclosed quoted attributes': (n) => `<a x='${'<b '.repeat(n / 3)}`,
  'skipped elements': (n) => '<svg></svg>'.repeat(n / 11),
  'comment openers': (n) => '<!-'.repeat(n / 3),
  'entities without semicolons': (n) => '&amp'.repeat(n / 4),
  'backtick runs of falling length': (n) => {
    let out = '';
    for (let k = Math.floor(Math.sqrt(n)); k > 0; k--) out += `${'`'.repeat(k)}x`;
    return out;
  },
  'emphasis runs': (n) => '*_~'.repeat(n / 3),
  'heading with trailing whitespace': (n) => `# 标题${' '.repeat(n)}x`,
  'table row with whitespace': (n) => `| a |${' '.repeat(n)}x\n|---|${' '.repeat(n)}x`,
  'line ending in spaces': (n) => `正文${' '.repeat(n)}x`,
  'thematic-break lookalike': (n) => `${'- '.repeat(n / 2)}x`,
  'link reference lookalike': (n) => `[a]: ${'x'.repeat(n)}`,
  'many short lines': (n) => '- a\n> b\n'.repeat(n / 8),
  'autolink lookalikes': (n) => `<${'a'.repeat(n / 2)}@${'b'.repeat(n / 2)}`,
  'closers without openers': (n) => `${'（'.repeat(n / 2)}${'》'.repeat(n / 2)}`,
  'whitelisted near-matches': (n) => '大麻烦'.repeat(n / 3),
  'co-occurring cues': (n) => '大麻出售'.repeat(n / 4),
  'casualty reports': (n) => '3人死亡，'.repeat(n / 5),
  prices: (n) => '¥1 '.repeat(n / 3),
  'identity and card numbers': (n) => `${ID_NUMBER} 卡号${ID_NUMBER} `.repeat(n / 42),
  // The folded and contact views (text/fold.ts, text/digits.ts) and the bound on findings.
  'digits joined by dots': (n) => '1.'.repeat(n / 2),
  'digits joined by separator runs': (n) => '1 .-'.repeat(n / 4),
  'numerals and spaces': (n) => '一 '.repeat(n / 2),
  'numerals after a QQ cue': (n) => `qq：${'三 '.repeat(n / 2)}x`,
  'mathematical digits': (n) => '𝟏'.repeat(n / 2),
  'Arabic-Indic digits with dashes': (n) => '١-'.repeat(n / 2),
  'astral invisible characters between characters': (n) => '法\u{E0020}\u{E0100}'.repeat(n / 5),
  'combining marks': (n) => 'v\u0332\u20dd'.repeat(n / 3),
  'dotted single letters': (n) => 'q.'.repeat(n / 2),
  'confusable letters': (n) => 'ԛх𝐐'.repeat(n / 4),
  'Kangxi radicals': (n) => '⿈⽚'.repeat(n / 2),
  'expanding compatibility characters': (n) => '⑩㈠ﬁ'.repeat(n / 3),
  'more findings than a check may list': (n) => '赌博 13800138000 '.repeat(n / 15),
};

/** Inputs whose super-linear cost has a tiny constant, so they are measured ten times larger (10k → 160k). */
const SCALE: Record<string, number> = { 'skipped elements': 10 };

/** Inputs aimed at the markdown and HTML extraction; the others at the check patterns (text and markdown). */
const MARKUP = new Set([
  'nested brackets',
  'nested links',
  'unclosed links',
  'unclosed tags',
  'unclosed quoted attributes',
  'skipped elements',
  'comment openers',
  'entities without semicolons',
  'backtick runs of falling length',
  'emphasis runs',
  'heading with trailing whitespace',
  'table row with whitespace',
  'line ending in spaces',
  'thematic-break lookalike',
  'link reference lookalike',
  'many short lines',
  'autolink lookalikes',
]);
const formatsOf = (name: string): BodyFormat[] => (MARKUP.has(name) ? ['markdown', 'html'] : ['text', 'markdown']);
const content = (body: string, format: BodyFormat): RevisionContent => ({ title: '测试', body, format, origin: { kind: 'original' }, assets: [] });

let engine: CheckEngine;
beforeAll(async () => {
  engine = await shippedEngine();
});

describe('checks stay linear on adversarial input', () => {
  const cases = Object.keys(ADVERSARIAL).flatMap((name) => formatsOf(name).map((format) => [name, format] as const));
  it.each(cases)('%s (%s)', (name, format) => {
    const make = (n: number) => ADVERSARIAL[name]!(n * (SCALE[name] ?? 1));
    const inputs = new Map<number, RevisionContent>();
    const input = (n: number) => {
      if (!inputs.has(n)) inputs.set(n, content(make(n), format));
      return inputs.get(n)!;
    };
    const slow: string[] = [];
    const extraction = growth((n) => buildRevisionText(input(n)));
    if (!extraction.ok) slow.push(`text extraction: ${extraction.small.toFixed(1)} ms → ${extraction.large.toFixed(1)} ms`);
    for (const checkId of engine.checkIds) {
      const reference = { referenceTexts: [{ id: 'r', label: '参考', text: make(N) }] };
      const result = growth((n) => {
        // A fresh object each time defeats the engine's prepared-text cache: extraction is part of the run.
        const c = { ...input(n) };
        return engine.run(checkId, c, checkId === 'copyright' ? reference : {});
      });
      if (!result.ok) slow.push(`${checkId}: ${result.small.toFixed(1)} ms → ${result.large.toFixed(1)} ms`);
    }
    expect(slow).toEqual([]);
  });
});

describe('the dictionary parser behind the admin import stays linear', () => {
  const LINES: Record<string, (n: number) => string> = {
    'directive with trailing whitespace': (n) => `#! label: 测试${' '.repeat(n)}x\n`,
    'long term line': (n) => `${'词'.repeat(n)}\tblock\t说明\n`,
    'many columns': (n) => `词${'\t'.repeat(n)}x\n`,
    'weight flag digits': (n) => `词\treview\t说明\tweight=${'1'.repeat(n)}x\n`,
    'many lines': (n) => '词\n'.repeat(n / 2),
  };
  it.each(Object.keys(LINES))('%s', (name) => {
    const make = LINES[name]!;
    const result = growth((n) => {
      try {
        return parseDictionaries({ 'sensitive/redos.txt': make(n) });
      } catch {
        return undefined; // a refused file is an answer too; only the time matters here
      }
    });
    expect(result).toMatchObject({ ok: true });
  });
});

describe('HTTP schemas and the body parser stay linear', () => {
  const SCHEMAS: Array<[string, ZodType, (s: string) => unknown, (n: number) => string]> = [
    ['username', UserCreateSchema, (s) => ({ username: s, displayName: 'x', password: 'x' }), (n) => `${'a'.repeat(n)}!`],
    ['login', LoginSchema, (s) => ({ username: s, password: s }), (n) => ' '.repeat(n)],
    ['draft list dates', DraftListQuery, (s) => ({ from: s, to: s }), (n) => `2026-01-01T${'0'.repeat(n)}`],
    ['draft list text', DraftListQuery, (s) => ({ text: s }), (n) => '\ud800'.repeat(n)],
    ['uuid path parameter', IdParams, (s) => ({ id: s }), (n) => `${'0'.repeat(n)}-`],
    ['board filter', BoardQuery, (s) => ({ text: s, unit: s }), (n) => 'a-'.repeat(n / 2)],
    ['dictionary flags', DictionaryTermsAddSchema, (s) => ({ terms: [{ term: 'x', flags: [s] }] }), (n) => `weight=${'1'.repeat(n)}.${'1'.repeat(n)}x`],
    ['dictionary search', DictionaryTermsQuerySchema, (s) => ({ q: s, offset: s }), (n) => '9'.repeat(n)],
    ['co-occurrence ids', DictionaryCooccurrenceAddSchema, (s) => ({ terms: [{ id: s, category: s, severity: 'block', termsA: ['a'], termsB: ['b'], window: 1 }] }), (n) => `a${'.-'.repeat(n / 2)}!`],
  ];
  it.each(SCHEMAS)('%s', (_name, schema, wrap, make) => {
    const strings = new Map<number, unknown>();
    const result = growth((n) => {
      if (!strings.has(n)) strings.set(n, wrap(make(n)));
      return schema.safeParse(strings.get(n));
    });
    expect(result).toMatchObject({ ok: true });
  });

  it('dictionary list names', () => {
    expect(growth((n) => LIST_KEY_PATTERN.test(`sensitive.${'a'.repeat(n)}!`))).toMatchObject({ ok: true });
  });

  it('duplicate-key scan of JSON bodies', () => {
    const bodies = new Map<number, string>();
    const body = (n: number) => {
      if (!bodies.has(n))
        bodies.set(n, `{"a":${'['.repeat(n)}${']'.repeat(n)},${Array.from({ length: n / 8 }, (_, i) => `"k\\u00${(i % 100).toString().padStart(2, '0')}${i}":{"x":1,"y":"\\""}`).join(',')}}`);
      return bodies.get(n)!;
    };
    expect(growth((n) => firstDuplicateKey(body(n)))).toMatchObject({ ok: true });
  });
});
