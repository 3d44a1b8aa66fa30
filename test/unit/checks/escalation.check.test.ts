import { createCheckEngine } from '../../../src/checks/engine';
import type { RevisionContent } from '../../../src/domain/content';
import { CLEAN_NEWS, EMERGENCY, FIRE_DRILL } from '../../fixtures/checks/corpus';
import { brief, CHAR_SEGMENTER, expectAt, shippedEngine } from './checks.helpers';

const doc = (body: string): RevisionContent => ({ title: '通报', body, format: 'text', origin: { kind: 'original' }, assets: [] });

describe('escalation check', () => {
  it('an accident report with casualties escalates, with evidence (fixture emergency-1)', async () => {
    const engine = await shippedEngine();
    const c = EMERGENCY.content;
    const r = engine.run('escalation', c);
    expect(r.findings.map(brief)).toEqual([
      expectAt(c, '火灾', 'escalation.emergency', 'review'),
      expectAt(c, '2名学生受伤', 'escalation.casualty', 'review'),
      // 送医 joined the casualty list (issue 11); here it is news of the same event.
      expectAt(c, '送医', 'escalation.casualty', 'review'),
    ]);
    expect(r.findings.every((f) => f.escalate === true)).toBe(true);
  });

  it('a fire drill and ordinary news do not escalate (whitelist)', async () => {
    const engine = await shippedEngine();
    expect(engine.run('escalation', FIRE_DRILL.content).findings).toEqual([]);
    expect(engine.run('escalation', CLEAN_NEWS.content).findings).toEqual([]);
  });

  it.each([['造成一人死亡'], ['3名师生受伤'], ['两人失联'], ['十余名学生食物中毒']])('casualty pattern %s', (phrase) => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    const f = engine.run('escalation', doc(`据报，${phrase}。`)).findings;
    expect(f.length).toBeGreaterThan(0);
    expect(f[0]).toMatchObject({ category: 'escalation.casualty', escalate: true });
  });

  it('keywords from the segmenter are attached as evidence', () => {
    const engine = createCheckEngine({
      sources: { 'escalation/mass-incident.txt': '罢课\treview\n' },
      segmenter: {
        cut: (t) => [...t],
        keywords: () => [
          { word: '罢课', weight: 9 },
          { word: '学生', weight: 3 },
        ],
      },
    });
    const c = doc('部分学生罢课');
    const f = engine.run('escalation', c).findings;
    expect(f.map(brief)).toEqual([expectAt(c, '罢课', 'escalation.mass-incident', 'review')]);
    expect(f[0]!.evidence).toMatchObject({ keywords: ['罢课', '学生'] });
  });
});
