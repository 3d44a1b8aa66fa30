import { canonicalise } from '../../../src/shared/document/canonicalise';
import { createCheckEngine } from '../../../src/checks';
import { DictionaryError } from '../../../src/checks/dictionary/dictionary';
import type { RevisionContent } from '../../../src/domain/content';
import { CORPUS } from '../../fixtures/checks/corpus';
import { CHAR_SEGMENTER, DICTIONARY_DIR } from './checks.helpers';
import { loadCheckEngine } from '../../../src/services/load-check-engine';

const doc = (body: string, format: RevisionContent['format'] = 'text'): RevisionContent => ({
  title: '测试稿件',
  body,
  format,
  origin: { kind: 'original' },
  assets: [],
});

describe('check engine contract', () => {
  it('loads from disk, lists the checks in run order, and versions by content', async () => {
    const engine = await loadCheckEngine({ dictionaryDir: DICTIONARY_DIR, segmenter: CHAR_SEGMENTER });
    expect(engine.checkIds).toEqual(['sensitive', 'advertising', 'secrecy', 'copyright', 'proofreading', 'escalation']);
    expect(engine.version).toMatch(/^[0-9a-f]{16}$/);
    const again = await loadCheckEngine({ dictionaryDir: DICTIONARY_DIR, segmenter: CHAR_SEGMENTER });
    expect(again.version).toBe(engine.version);
    expect(() => engine.run('nope', doc('x'))).toThrow('unknown check nope');
  });

  it('sensitive flags 赌博 as block; secrecy flags 密级 markings as block', async () => {
    const engine = await loadCheckEngine({ dictionaryDir: DICTIONARY_DIR, segmenter: CHAR_SEGMENTER });
    const s = engine.run('sensitive', doc('有人组织赌博活动'));
    expect(s.findings).toEqual([expect.objectContaining({ check: 'sensitive', severity: 'block', category: 'gambling', matched: '赌博' })]);
    expect(s.rulesetVersion).toBe(engine.version);
    for (const marking of ['机密★', '秘密★1年', '绝密']) {
      const f = engine.run('secrecy', doc(`${marking} 文件内容`)).findings;
      expect(f).toContainEqual(expect.objectContaining({ check: 'secrecy', severity: 'block', matched: marking }));
      expect(f.every((x) => x.category.startsWith('secrecy'))).toBe(true);
    }
  });

  it('every finding on the corpus is well-formed and its offsets are consistent', async () => {
    const engine = await loadCheckEngine({ dictionaryDir: DICTIONARY_DIR, segmenter: CHAR_SEGMENTER });
    for (const fx of CORPUS) {
      for (const id of engine.checkIds) {
        const { findings, rulesetVersion } = engine.run(id, fx.content);
        expect(rulesetVersion).toBe(engine.version);
        for (const f of findings) {
          expect(f.check).toBe(id);
          expect(f.rulesetVersion).toBe(engine.version);
          expect(f.message.length).toBeGreaterThan(0);
          expect(f.end).toBeGreaterThanOrEqual(f.start);
          const field = f.source.field === 'title' ? fx.content.title : fx.content.body;
          expect(f.source.end).toBeLessThanOrEqual(field.length);
          if (fx.content.format === 'text' && f.end > f.start && !f.evidence?.field) {
            expect(field.slice(f.source.start, f.source.end)).toBe(f.matched);
          }
        }
      }
    }
  });

  it('run is pure: same input, same output; runs do not leak into each other', () => {
    const engine = createCheckEngine({ sources: { 'sensitive/gambling.txt': '赌博\tblock\n' }, segmenter: CHAR_SEGMENTER });
    const a = doc('赌博');
    const first = engine.run('sensitive', a);
    engine.run('sensitive', doc('没有问题'));
    expect(engine.run('sensitive', a)).toEqual(first);
    expect(engine.run('sensitive', { ...a, body: '正常' }).findings).toEqual([]);
  });

  it('markdown and HTML findings map back to the original markup', () => {
    const engine = createCheckEngine({ sources: { 'sensitive/gambling.txt': '赌博\tblock\n' }, segmenter: CHAR_SEGMENTER });
    // Issue 9: offsets index the canonical form, which is what a revision stores (markdown becomes canonical HTML).
    const md = canonicalise('## 通知\n\n严禁**赌**博。', 'markdown').body;
    const f = engine.run('sensitive', doc(md, 'html')).findings[0]!;
    expect(md.slice(f.source.start, f.source.end)).toBe('赌</strong>博');
    expect(f.matched).toBe('赌博');
    const html = canonicalise('<p>严禁<span style="color:red">赌</span>&#21338;</p>', 'html').body;
    expect(html).toBe('<p>严禁<span style="color:#ff0000">赌</span>博</p>\n');
    const g = engine.run('sensitive', doc(html, 'html')).findings[0]!;
    expect(html.slice(g.source.start, g.source.end)).toBe('赌</span>博');
    // A raw (legacy) body is read through the same canonicalisation, so its offsets index the same form.
    const legacy = engine.run('sensitive', doc('<p>严禁<span style="color:red">赌</span>&#21338;</p>', 'html')).findings[0]!;
    expect(legacy.source).toEqual(g.source);
  });

  it('bad dictionary lines fail the load with every line listed', () => {
    expect(() => createCheckEngine({ sources: { 'sensitive/x.txt': '赌博\tfatal\n' } })).toThrow(DictionaryError);
  });
});
