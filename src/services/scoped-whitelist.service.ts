import { eq } from 'drizzle-orm';
import { scopedWhitelist } from '../db/schema';
import type { Executor } from '../db/pool';
import { buildRevisionText } from '../checks/text/extract';
import type { RevisionContent } from '../domain/content';
import type { CheckResult } from '../domain/findings';

/**
 * Unit-scoped whitelist (issue 11): a phrase an admin whitelisted for one unit's drafts. Applied to the findings of
 * that unit's revisions as they are computed: a finding wholly inside an occurrence of the phrase is dropped, as the
 * school-wide whitelist drops a hit wholly inside a whitelisted word. Cached per unit for a few seconds.
 */
const TTL_MS = 2_000;
const cache = new Map<string, { at: number; phrases: Promise<string[]> }>();

export function unitWhitelist(db: Executor, unitId: string): Promise<string[]> {
  const hit = cache.get(unitId);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.phrases;
  const phrases = db
    .select({ phrase: scopedWhitelist.phrase })
    .from(scopedWhitelist)
    .where(eq(scopedWhitelist.unitId, unitId))
    .then((rows) => rows.map((r) => r.phrase));
  phrases.catch(() => cache.delete(unitId));
  cache.set(unitId, { at: Date.now(), phrases });
  return phrases;
}

/** Forget cached phrases (after an admin adds one, so the next run in this process sees it). */
export function forgetUnitWhitelist(unitId: string): void {
  cache.delete(unitId);
}

export function applyUnitWhitelist(result: CheckResult, content: RevisionContent, phrases: readonly string[]): CheckResult {
  if (phrases.length === 0 || result.findings.length === 0) return result;
  const text = buildRevisionText(content).text;
  const spans: Array<[number, number]> = [];
  for (const p of phrases) for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) spans.push([at, at + p.length]);
  if (spans.length === 0) return result;
  const findings = result.findings.filter((f) => !(f.end > f.start && spans.some(([s, e]) => s <= f.start && f.end <= e)));
  return findings.length === result.findings.length ? result : { ...result, findings };
}
