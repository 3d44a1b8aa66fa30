/**
 * Bounded findings (issue 9 item 5): at most `limits.findingsPerCheck` findings per check per revision plus one
 * summary finding carrying the total, whatever the draft.
 */
import { join } from 'node:path';
import { CHECKS_CONFIG } from '../../../config/checks';
import { boundFindings } from '../../../src/checks/bound';
import { createCheckEngine, type CheckEngine } from '../../../src/checks/engine';
import type { RevisionContent } from '../../../src/domain/content';
import type { Finding, Severity } from '../../../src/domain/findings';
import { DEFAULT_WAIVER_POLICY, WAIVER_RULES } from '../../../config/waivers';
import { idCardCheckChar } from '../../../src/checks/rules/validators';
import { waiverPolicyFor } from '../../../src/domain/waivers';
import { CHAR_SEGMENTER } from './checks.helpers';
import { loadCheckEngine, readDictionaryDir } from '../../../src/services/load-check-engine';

const LIMIT = CHECKS_CONFIG.limits.findingsPerCheck;
const doc = (body: string): RevisionContent => ({ title: '标题', body, format: 'text', origin: { kind: 'original' }, assets: [] });

let engine: CheckEngine;
beforeAll(async () => {
  engine = await loadCheckEngine({ dictionaryDir: join(__dirname, '../../../dictionaries'), segmenter: CHAR_SEGMENTER });
});

describe('every check lists at most N findings and sums up the rest', () => {
  // One line per check family: sensitive words, contacts, personal numbers, 错别字, emergencies.
  const UNIT = '赌博 13800138000 再接再励 发生爆炸 ';
  const REPEATS = 2_000;

  it.each(['sensitive', 'advertising', 'secrecy', 'proofreading', 'escalation'])('%s', (checkId) => {
    const { findings } = engine.run(checkId, doc(UNIT.repeat(REPEATS)));
    expect(findings).toHaveLength(LIMIT + 1);
    const summary = findings.filter((f) => f.ruleId === `${checkId}:truncated`);
    expect(summary).toHaveLength(1);
    const s = summary[0]!;
    const total = (s.evidence as { total: number }).total;
    expect(total).toBeGreaterThan(LIMIT);
    expect(s.evidence).toMatchObject({ shown: LIMIT, omitted: total - LIMIT });
    expect(s.message).toContain(String(total));
    // Sorted by position, the summary among them.
    expect(findings.map((f) => f.start)).toEqual([...findings.map((f) => f.start)].sort((a, b) => a - b));
  });

  it('the sensitive check of 120,000 hits keeps 200 blocks and one block summary with the total', () => {
    const { findings } = engine.run('sensitive', doc('赌博 '.repeat(120_000)));
    expect(findings).toHaveLength(LIMIT + 1);
    const summary = findings.find((f) => f.ruleId === 'sensitive:truncated')!;
    expect(summary).toMatchObject({ severity: 'block', category: 'sensitive.truncated', evidence: { total: 120_000, shown: LIMIT, omitted: 120_000 - LIMIT } });
    expect(JSON.stringify(findings).length).toBeLessThan(200_000);
  });

  it('the limit is configuration', async () => {
    const sources = await readDictionaryDir(join(__dirname, '../../../dictionaries'));
    const small = createCheckEngine({ sources, segmenter: CHAR_SEGMENTER, config: { ...CHECKS_CONFIG, limits: { findingsPerCheck: 3 } } });
    const { findings } = small.run('sensitive', doc('赌博 '.repeat(10)));
    expect(findings.map((f) => f.ruleId)).toEqual(['sensitive:gambling:赌博', 'sensitive:gambling:赌博', 'sensitive:gambling:赌博', 'sensitive:truncated']);
    expect(findings[3]!.evidence).toMatchObject({ total: 10, omitted: 7 });
  });
});

describe('boundFindings keeps the most severe and lets nothing it drops go unseen', () => {
  const finding = (i: number, severity: Severity, escalate = false): Finding => ({
    check: 'escalation',
    category: 'x',
    severity,
    start: i,
    end: i + 1,
    source: { field: 'body', start: i, end: i + 1 },
    matched: 'x',
    ruleId: `escalation:${severity}`,
    rulesetVersion: 'v',
    message: 'm',
    ...(escalate ? { escalate: true } : {}),
  });

  it('blocks late in the text are kept over earlier infos', () => {
    const all = [...Array.from({ length: 10 }, (_, i) => finding(i, 'info')), finding(50, 'block'), finding(60, 'review')];
    const out = boundFindings('escalation', all, 3, 'v');
    expect(out.map((f) => `${f.start}:${f.severity}`)).toEqual(['0:info', '50:block', '60:review', '1:info']);
    expect(out[3]).toMatchObject({ ruleId: 'escalation:truncated', severity: 'info', evidence: { total: 12, omitted: 9, bySeverity: { block: 0, review: 0, info: 9 } } });
  });

  it('the summary carries the highest severity and the escalation flag of what it stands for', () => {
    const all = Array.from({ length: 6 }, (_, i) => finding(i, 'block', i === 5));
    const out = boundFindings('escalation', all, 2, 'v');
    expect(out).toHaveLength(3);
    expect(out[2]).toMatchObject({ severity: 'block', escalate: true, start: 2, evidence: { total: 6, topRules: [{ ruleId: 'escalation:block', count: 4 }] } });
  });

  it('leaves a list within the limit alone', () => {
    const all = [finding(0, 'review'), finding(1, 'info')];
    expect(boundFindings('escalation', all, 2, 'v')).toBe(all);
  });
});

describe('the summary is as hard to waive as the findings it stands for', () => {
  it('omitted 身份证号 (never waivable) make a summary no one can waive; omitted phones one a reviewer can', () => {
    const policy = (f: Finding) => waiverPolicyFor({ rules: WAIVER_RULES, defaults: DEFAULT_WAIVER_POLICY }, f).policy;
    const ID17 = '11010519900307123';
    const ID = ID17 + idCardCheckChar(ID17);
    // 250 phones first (review), then 20 ID numbers (block, never): the IDs are kept, the phones summed up.
    const phonesThenIds = engine.run('secrecy', doc(`${'13800138000 '.repeat(250)}${`身份证号${ID} `.repeat(20)}`)).findings;
    const s1 = phonesThenIds.find((f) => f.ruleId === 'secrecy:truncated')!;
    expect(phonesThenIds.filter((f) => f.category === 'personal.id-card')).toHaveLength(20);
    expect(policy(s1)).toBe('stage');
    // 250 ID numbers: 200 listed, the summary stands for 50 more and is never waivable.
    const ids = engine.run('secrecy', doc(`身份证号${ID} `.repeat(250))).findings;
    const s2 = ids.find((f) => f.ruleId === 'secrecy:truncated')!;
    expect(s2).toMatchObject({ severity: 'block', category: 'personal.id-card', evidence: { total: 250 } });
    expect(policy(s2)).toBe('never');
  });
});
