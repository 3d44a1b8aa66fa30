import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex, type RevisionContent } from '../domain/content';
import type { CheckResult, Finding } from '../domain/findings';

/**
 * PROVISIONAL minimal engine so the pipeline runs end to end; the checks-engine work replaces the internals
 * while keeping this module's exported contract (CheckEngine, CheckContext, loadCheckEngine).
 */

/** Extra facts a check may use that are not in the revision itself (filled in by the service). */
export interface CheckContext {
  /** Released texts to compare against for near-duplicate detection. */
  referenceTexts?: ReadonlyArray<{ id: string; label: string; text: string }> | undefined;
}

export interface CheckEngine {
  /** Registered check ids, in run order; every revision owes one run of each. */
  readonly checkIds: readonly string[];
  /** Content hash of all rule/dictionary files currently loaded. */
  readonly version: string;
  /** Runs one check on one revision. Pure given the loaded rule sets. @throws Error for an unknown check id */
  run(checkId: string, content: RevisionContent, context?: CheckContext): CheckResult;
}

export interface CheckEngineOptions {
  dictionaryDir: string;
}

const SECRECY_MARKINGS = /(绝密|机密|秘密)\s*★|★\s*(绝密|机密|秘密)|(绝密|机密)(?:级)?文件|保密期限/g;

/** Loads dictionaries from disk and builds the checks. */
export async function loadCheckEngine(options: CheckEngineOptions): Promise<CheckEngine> {
  const raw = readFileSync(join(options.dictionaryDir, 'sensitive', 'starter.txt'), 'utf8');
  const version = sha256Hex(raw).slice(0, 16);
  const terms = raw
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((cols) => cols[0] && !cols[0].startsWith('#'))
    .map((cols) => ({ term: cols[0]!, severity: (cols[1] ?? 'review') as Finding['severity'], note: cols[2] ?? '' }));

  const plainOf = (c: RevisionContent) => `${c.title}\n${c.body}`;
  const span = (c: RevisionContent, start: number, end: number): Finding['source'] =>
    start <= c.title.length
      ? { field: 'title', start, end: Math.min(end, c.title.length) }
      : { field: 'body', start: start - c.title.length - 1, end: end - c.title.length - 1 };

  const checks: Record<string, (c: RevisionContent) => Finding[]> = {
    sensitive: (c) => {
      const text = plainOf(c);
      const out: Finding[] = [];
      for (const t of terms) {
        for (let i = text.indexOf(t.term); i >= 0; i = text.indexOf(t.term, i + 1)) {
          out.push({
            check: 'sensitive', category: 'sensitive', severity: t.severity, start: i, end: i + t.term.length,
            source: span(c, i, i + t.term.length), matched: t.term, ruleId: `sensitive:${t.term}`,
            rulesetVersion: version, message: `敏感词「${t.term}」${t.note ? `：${t.note}` : ''}`,
          });
        }
      }
      return out;
    },
    secrecy: (c) => {
      const text = plainOf(c);
      return [...text.matchAll(SECRECY_MARKINGS)].map((m) => ({
        check: 'secrecy', category: 'secrecy.marking', severity: 'block' as const, start: m.index,
        end: m.index + m[0].length, source: span(c, m.index, m.index + m[0].length), matched: m[0],
        ruleId: 'secrecy:marking', rulesetVersion: version, message: `出现密级标志「${m[0]}」：涉密信息不上网`,
      }));
    },
  };

  return {
    checkIds: Object.keys(checks),
    version,
    run(checkId, content) {
      const check = checks[checkId];
      if (!check) throw new Error(`unknown check ${checkId}`);
      return { findings: check(content), rulesetVersion: version };
    },
  };
}
