import { canonicalise } from '../../../src/shared/document/canonicalise';
import fc from 'fast-check';
import { buildRevisionText, extractPlainText, mapToSource, toSourceSpan } from '../../../src/checks/text/extract';
import { createCheckEngine } from '../../../src/checks/engine';
import { CHAR_SEGMENTER } from './checks.helpers';

describe('extractPlainText', () => {
  it('text: identity map', () => {
    const e = extractPlainText('赌博\n第二行', 'text');
    expect(e.text).toBe('赌博\n第二行');
    expect(mapToSource(e, 3, 6)).toEqual({ start: 3, end: 6 });
  });

  // Issue 9: extraction reads the canonical document model; offsets index the canonical serialization (the stored
  // body of every new revision), no longer the raw markdown/HTML an editor typed.
  it('markdown: drops markup, keeps link text, records link targets, maps offsets into the canonical form', () => {
    const raw = `# 标题 #\n\n这是**赌**博，见[链接](https://shop.example.com/x)与\`代码\`。\n\n- 列表项 &amp; 3 * 5\n> 引用\n\n\`\`\`\nconst a_b = 1;\n\`\`\`\n![图片说明](media:${'a'.repeat(64)}) zhang_san@xx.edu.cn`;
    const src = canonicalise(raw, 'markdown').body;
    const e = extractPlainText(src, 'html');
    expect(extractPlainText(raw, 'markdown').text).toBe(e.text);
    expect(e.text).toBe('标题\n这是赌博，见链接与代码。\n列表项 & 3 * 5\n引用\nconst a_b = 1;\n图片说明 zhang_san@xx.edu.cn');
    expect(e.links.map((l) => l.href)).toEqual(['https://shop.example.com/x']);
    expect(e.media?.map((m) => m.alt)).toEqual(['图片说明']);
    const i = e.text.indexOf('赌博');
    const mapped = mapToSource(e, i, i + 2);
    expect(src.slice(mapped.start, mapped.end)).toBe('赌</strong>博');
    const amp = e.text.indexOf('&');
    expect(src.slice(...(Object.values(mapToSource(e, amp, amp + 1)) as [number, number]))).toBe('&amp;');
    for (const l of e.links) expect(src.slice(l.start, l.end)).toBe(l.href);
  });

  it('markdown: tables become one cell per line, so terms never join across cells', () => {
    const e = extractPlainText('| 项目 | 说明 |\n|---|---|\n| 赌 | 博 |', 'markdown');
    expect(e.text).toBe('项目\n说明\n赌\n博');
  });

  it('html: tags, comments, scripts and styles never reach the text; entities decode with exact spans', () => {
    const raw = `<html><head><title>赌博</title><style>p{}</style></head><body><p class="赌博">机密&#9733;1年</p><p>赌<b>博</b>&nbsp;A&amp;B</p>\n\n  <img src="media:${'a'.repeat(64)}" alt="校徽&amp;图"><a href="http://a.com">链接</a><!-- 赌博 --><script>赌博()</script></body></html>`;
    const src = canonicalise(raw, 'html').body;
    const e = extractPlainText(src, 'html');
    expect(e.text).toBe('机密★1年\n赌博\u00a0A&B\n校徽&图 链接');
    expect(e.links.map((l) => l.href)).toEqual(['http://a.com/']);
    const nb = e.text.indexOf('\u00a0');
    const m = mapToSource(e, nb, nb + 1);
    expect(src.slice(m.start, m.end)).toBe('&nbsp;');
    const alt = e.text.indexOf('校徽');
    const ma = mapToSource(e, alt, alt + 2);
    expect(src.slice(ma.start, ma.end)).toBe('校徽');
  });

  it('html: every extracted character maps to source that decodes to it (property)', () => {
    const piece = fc.constantFrom('赌', '博', '法', ' ', '\n', '<b>', '</b>', '<p>', '</p>', '&amp;', '&lt;', '&#27861;', '<br/>', '<!-- x -->', 'a');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const src = canonicalise(pieces.join(''), 'html').body;
        const e = extractPlainText(src, 'html');
        for (let i = 0; i < e.text.length; i++) {
          const s = src.slice(e.starts[i], e.ends[i]);
          const ch = e.text[i]!;
          if (e.starts[i] === e.ends[i]) expect(ch === '\n' || ch === ' ').toBe(true);
          else if (/\s/.test(ch)) expect(s).toMatch(/^\s+$/);
          else if (s.startsWith('&')) expect(extractPlainText(s, 'html').text).toBe(ch);
          else expect(s).toBe(ch);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('no markup ever matches: a term inside attributes, URLs or comments is not found', () => {
    const engine = createCheckEngine({ sources: { 'sensitive/gambling.txt': '赌博\tblock' }, segmenter: CHAR_SEGMENTER });
    const body = '<a href="https://x.cn/赌博" title="赌博"><img alt="" src="赌博.png">正文</a><!--赌博-->';
    const r = engine.run('sensitive', { title: '标题', body, format: 'html', origin: { kind: 'original' }, assets: [] });
    expect(r.findings).toEqual([]);
  });

  it('revision text is title + "\\n" + body and spans map to the right field', () => {
    const body = canonicalise('<p>又见<i>赌</i>博</p>', 'html').body;
    expect(body).toBe('<p>又见<em>赌</em>博</p>\n');
    const rt = buildRevisionText({ title: '赌博', body, format: 'html' });
    expect(rt.text).toBe('赌博\n又见赌博');
    expect(toSourceSpan(rt, 0, 2)).toEqual({ field: 'title', start: 0, end: 2 });
    expect(toSourceSpan(rt, 5, 7)).toEqual({ field: 'body', start: 9, end: 16 });
  });
});
