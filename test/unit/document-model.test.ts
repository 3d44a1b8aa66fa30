import fc from 'fast-check';
import { canonicalise, readDoc } from '../../src/shared/document/canonicalise';
import { renderArticle } from '../../src/shared/document/render';

const H = 'a'.repeat(64);

/** Each case: what a browser shows is what the canonical form keeps; what it hides is dropped with a note. */
const CASES: Array<{ name: string; body: string; format: 'html' | 'markdown'; text?: string; note?: string; refused?: string; link?: string }> = [
  { name: 'early-ending comment', body: '<!-->法轮功<!-- -->', format: 'html', text: '法轮功', note: 'comment-dropped' },
  { name: '--!> comment end', body: '<!-- x --!>法轮功', format: 'html', text: '法轮功', note: 'comment-dropped' },
  { name: 'textarea', body: '<textarea>法轮功</textarea>', format: 'html', text: '', note: 'element-dropped' },
  { name: 'svg text (shown by a browser: kept as text)', body: '<svg><text>法轮功</text><script>x</script></svg>', format: 'html', text: '法轮功', note: 'element-unwrapped' },
  { name: 'rest of the document swallowed by an unclosed <math>', body: '<form><math><mtext></form><form><mglyph><p>法轮功</p>', format: 'html', text: '法轮功', note: 'element-unwrapped' },
  { name: 'xmp', body: '<xmp>法轮功</xmp>', format: 'html', text: '', note: 'element-dropped' },
  { name: 'plaintext', body: '<plaintext>法轮功', format: 'html', text: '', note: 'element-dropped' },
  { name: 'input value', body: '<input value="法轮功">', format: 'html', text: '', note: 'element-dropped' },
  { name: 'iframe srcdoc', body: '<iframe srcdoc="法轮功"></iframe>', format: 'html', text: '', note: 'element-dropped' },
  { name: 'generated content', body: '<style>p::after{content:"法轮功"}</style><p>x</p>', format: 'html', text: 'x', note: 'element-dropped' },
  { name: 'bdo', body: '<bdo dir=rtl>功轮法</bdo>', format: 'html', text: '功轮法', note: 'element-unwrapped' },
  { name: 'bidi override chars', body: '<p>\u202e功轮法\u202c</p>', format: 'html', text: '功轮法', note: 'bidi-control' },
  { name: 'title tooltip', body: '<p title="法轮功">x</p>', format: 'html', text: 'x', note: 'title-dropped' },
  { name: 'markdown link title', body: '[a](https://x.edu.cn "法轮功")', format: 'markdown', text: 'a', note: 'title-dropped' },
  { name: 'hidden span', body: '法<span style=display:none>哈</span>轮功', format: 'html', text: '法哈轮功', note: 'hidden-style' },
  { name: 'script', body: '<p>a<script>alert(1)</script>b</p>', format: 'html', text: 'ab', note: 'element-dropped' },
  { name: 'onerror', body: `<img src="media:${H}" onerror="alert(1)" alt="图">`, format: 'html', text: '图', note: 'handler-dropped' },
  { name: 'ol start', body: '<ol start=13800138000><li>a</li></ol>', format: 'html', text: 'a', note: 'attribute-dropped' },
  { name: 'entity colon', body: '<a href="https&colon;//item.taobao.com">x</a>', format: 'html', link: 'https://item.taobao.com/' },
  { name: 'no slashes', body: '<a href="https:item.taobao.com">x</a>', format: 'html', link: 'https://item.taobao.com/' },
  { name: 'tab in scheme', body: '<a href="ht&#9;tps://item.taobao.com">x</a>', format: 'html', link: 'https://item.taobao.com/' },
  { name: 'upper case', body: '<a href="HTTPS://ITEM.TAOBAO.COM">x</a>', format: 'html', link: 'https://item.taobao.com/' },
  { name: 'backslash host', body: '<a href="https://item.taobao.com\\.edu.cn/">x</a>', format: 'html', link: 'https://item.taobao.com/.edu.cn/' },
  { name: 'UNC link', body: '<a href="\\\\item.taobao.com">x</a>', format: 'html', text: 'x', note: 'link-dropped' },
  { name: 'javascript link', body: '<a href="javascript:alert(1)">x</a>', format: 'html', text: 'x', note: 'link-dropped' },
  { name: 'srcset', body: `<img src="media:${H}" srcset="http://x/a.png 1x">`, format: 'html', note: 'url-attribute-dropped' },
  { name: 'style url', body: '<p style="background:url(http://x/a.png)">x</p>', format: 'html', note: 'hidden-style' },
  { name: 'white text', body: '<span style="color:#fff">法轮功</span>', format: 'html', text: '法轮功', note: 'colour-dropped' },
  { name: 'zero size', body: '<span style="font-size:0">法轮功</span>', format: 'html', text: '法轮功', note: 'size-clamped' },
  { name: 'details', body: '<details><summary>s</summary>法轮功</details>', format: 'html', text: 's\n法轮功', note: 'element-changed' },
  { name: 'external image', body: '<img src="https://x.com/a.png">', format: 'html', refused: 'external_media' },
  { name: 'data image', body: '<img src="data:image/png;base64,AAAA">', format: 'html', refused: 'external_media' },
  { name: 'markdown external image', body: '![a](http://x.com/a.png)', format: 'markdown', refused: 'external_media' },
  { name: 'protocol-relative video', body: '<video src="//x.com/a.mp4"></video>', format: 'html', refused: 'external_media' },
];

describe('canonical document model', () => {
  it.each(CASES)('$name', (c) => {
    const out = canonicalise(c.body, c.format);
    if (c.refused) {
      expect(out.refusals.map((r) => r.code)).toContain(c.refused);
      return;
    }
    expect(out.refusals).toEqual([]);
    const doc = readDoc(out.body, out.format);
    expect(doc.source).toBe(out.body);
    if (c.text !== undefined) expect(doc.plain.text).toBe(c.text);
    if (c.note) expect(out.notes.map((n) => n.code)).toContain(c.note);
    if (c.link) expect(doc.plain.links.map((l) => l.href)).toEqual([c.link]);
    // The released page contains no element or attribute outside the allow-list.
    const page = renderArticle({ title: 't', body: out.body, format: out.format }).html;
    expect(page).not.toMatch(/<script|onerror|srcdoc|<iframe|<svg|<textarea|<input|title="/i);
  });

  it('positions name the construct in the submitted HTML', () => {
    const out = canonicalise('<p>a</p>\n<p>b<script>x</script></p>', 'html');
    expect(out.notes[0]).toMatchObject({ code: 'element-dropped', construct: '<script>', line: 2, col: 5 });
  });

  const inline = fc.oneof(fc.constantFrom('法轮功', 'a & b', '<', ' ', '  x  ', '测试', '"q"', '\u00a0'), fc.string({ maxLength: 6 }));
  const html: fc.Arbitrary<string> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      inline.map((t) => t.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))),
      fc
        .tuple(fc.constantFrom('p', 'strong', 'em', 'div', 'li', 'blockquote', 'span', 'h2', 'td', 'font', 'section'), fc.array(tie('node'), { maxLength: 3 }))
        .map(([t, kids]) => `<${t}>${(kids as string[]).join('')}</${t}>`),
      fc.constantFrom('<br>', `<img src="media:${H}" alt="图&amp;说">`, '<a href="https://ex.edu.cn/a?b=1&amp;c">链</a>', '<!-- c -->', '<script>x</script>'),
    ),
  })).node as fc.Arbitrary<string>;

  it('is a fixpoint, and every plain-text offset selects the same character in the serialization and the tree', () => {
    fc.assert(
      fc.property(fc.array(html, { maxLength: 6 }), (parts) => {
        const out = canonicalise(parts.join(''), 'html');
        expect(canonicalise(out.body, 'html').body).toBe(out.body);
        const doc = readDoc(out.body, 'html');
        const decode = (s: string) =>
          s
            .replace(/&amp;/g, '&')
            .replace(/&lt;/g, '<')
            .replace(/&gt;/g, '>')
            .replace(/&quot;/g, '"')
            .replace(/&nbsp;/g, '\u00a0');
        for (let i = 0; i < doc.plain.text.length; i++) {
          const s = doc.plain.starts[i]!;
          const e = doc.plain.ends[i]!;
          if (s === e) continue; // inserted separator
          expect(decode(doc.source.slice(s, e))).toBe(doc.plain.text[i]);
        }
        // The tree's text runs, in order, are the located text.
        const runs: Array<{ text: string; start: number; end: number; exact: boolean }> = [];
        const walk = (ns: typeof doc.nodes) => ns.forEach((n) => (n.kind === 'text' ? runs.push(n) : walk(n.children)));
        walk(doc.nodes);
        for (const r of runs) {
          if (r.exact) expect(doc.source.slice(r.start, r.end)).toBe(r.text);
          else expect(decode(doc.source.slice(r.start, r.end))).toBe(r.text);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('findings select the same text in the tree, the plain text and the rendered page (property)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createCheckEngine } = require('../../src/checks/engine') as typeof import('../../src/checks/engine');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CHAR_SEGMENTER } = require('./checks/checks.helpers') as typeof import('./checks/checks.helpers');
  const engine = createCheckEngine({ sources: { 'sensitive/t.txt': '法轮功\tblock\n赌博\tblock\n' }, segmenter: CHAR_SEGMENTER });
  const filler = fc.constantFrom('通知', '同学们', 'a&b', '<', '  ', '“引号”', '\u00a0', '。');
  const wrap = fc.constantFrom('p', 'strong', 'em', 'span', 'div', 'li', 'td', 'h3', 'blockquote', 'font', 'u');
  const piece: fc.Arbitrary<string> = fc.oneof(
    filler.map((t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;')),
    fc.constantFrom('法轮功', '赌博', '法<b>轮</b>功', '赌&#21338;', '<!-- x -->', '<br>', `<img src="media:${H}" alt="赌博">`),
    fc.tuple(wrap, fc.array(fc.constantFrom('法轮功', '通知', '赌<i>博</i>'), { maxLength: 3 })).map(([t, kids]) => `<${t}>${kids.join('')}</${t}>`),
  );
  it('holds for generated documents', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 12 }), (parts) => {
        const body = canonicalise(parts.join(''), 'html').body;
        const doc = readDoc(body, 'html');
        const findings = engine.run('sensitive', { title: '标题', body, format: 'html', origin: { kind: 'original' }, assets: [] }).findings;
        const page = renderArticle({ title: '标题', body, format: 'html' }, (h) => `media:${h}`).html;
        const at = page.indexOf(body);
        expect(at).toBeGreaterThan(body === '' ? -2 : 0); // the rendered page embeds the canonical form verbatim
        const runs: Array<{ text: string; start: number; end: number }> = [];
        const walk = (ns: typeof doc.nodes) =>
          ns.forEach((n) => {
            if (n.kind === 'text') runs.push(n);
            else {
              if (n.altStart !== undefined) runs.push({ text: n.attrs.alt!, start: n.altStart, end: n.altEnd! });
              walk(n.children);
            }
          });
        walk(doc.nodes);
        for (const f of findings) {
          if (f.source.field !== 'body' || f.severity === 'info') continue;
          const { start, end } = f.source;
          // Plain text: the finding's own span; the tree: the text of the runs it covers; the page: same bytes.
          const treeText = runs
            .filter((r) => r.end > start && r.start < end)
            .map((r) => (r.text.length === r.end - r.start ? r.text.slice(Math.max(start, r.start) - r.start, Math.min(end, r.end) - r.start) : r.text))
            .join('');
          expect(treeText.replace(/\s/g, '')).toBe(f.matched.replace(/\s/g, ''));
          expect(page.slice(at + start, at + end)).toBe(body.slice(start, end));
        }
      }),
      { numRuns: 300 },
    );
  });
});
