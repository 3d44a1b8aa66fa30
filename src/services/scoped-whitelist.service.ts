import { eq, type SQL } from 'drizzle-orm';
import { scopedWhitelist } from '../db/schema';
import type { Executor } from '../db/pool';
import { buildRevisionText } from '../checks/text/extract';
import { sha256Hex, type RevisionContent } from '../domain/content';
import type { CheckResult } from '../domain/findings';

/**
 * Scoped whitelist (issue 11): a phrase an admin whitelisted for one unit's drafts or for one genre's (体裁) drafts.
 * Applied to the findings of those revisions as they are computed: a finding wholly inside an occurrence of the
 * phrase is dropped, as the school-wide whitelist drops a hit wholly inside a whitelisted word. Cached per unit and
 * per genre for a few seconds. The entries that applied are versioned by a hash recorded with each check result.
 */
const TTL_MS = 2_000;
const cache = new Map<string, { at: number; phrases: Promise<ScopedPhrase[]> }>();

export interface ScopedPhrase {
  id: string;
  phrase: string;
  scope: 'unit' | 'genre';
}

function cached(key: string, where: SQL | undefined, db: Executor): Promise<ScopedPhrase[]> {
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.phrases;
  const phrases = db
    .select({ id: scopedWhitelist.id, phrase: scopedWhitelist.phrase, unitId: scopedWhitelist.unitId })
    .from(scopedWhitelist)
    .where(where)
    .then((rows) => rows.map((r) => ({ id: r.id, phrase: r.phrase, scope: r.unitId ? ('unit' as const) : ('genre' as const) })));
  phrases.catch(() => cache.delete(key));
  cache.set(key, { at: Date.now(), phrases });
  return phrases;
}

/** The phrases whitelisted for drafts of `unitId` and (when given) of `genre`. */
export async function scopedPhrases(db: Executor, unitId: string, genre: string | null | undefined): Promise<ScopedPhrase[]> {
  const unit = await cached(`u:${unitId}`, eq(scopedWhitelist.unitId, unitId), db);
  if (!genre) return unit;
  return [...unit, ...(await cached(`g:${genre}`, eq(scopedWhitelist.genre, genre), db))];
}

/** Unit phrases only (kept for callers that know no genre). */
export async function unitWhitelist(db: Executor, unitId: string): Promise<string[]> {
  return (await scopedPhrases(db, unitId, null)).map((p) => p.phrase);
}

/** Forget cached phrases (after an admin adds one, so the next run in this process sees it). */
export function forgetUnitWhitelist(unitId: string): void {
  cache.delete(`u:${unitId}`);
}
export function forgetGenreWhitelist(genre: string): void {
  cache.delete(`g:${genre}`);
}

/** Version of the scoped entries in force for a revision: a hash of their ids (empty when there are none). */
export function scopedWhitelistVersion(phrases: readonly ScopedPhrase[]): string {
  if (phrases.length === 0) return '';
  return sha256Hex(phrases.map((p) => p.id).sort().join(',')).slice(0, 16);
}

export function applyUnitWhitelist(result: CheckResult, content: RevisionContent, phrases: readonly (string | ScopedPhrase)[]): CheckResult {
  if (phrases.length === 0 || result.findings.length === 0) return result;
  const text = buildRevisionText(content).text;
  const spans: Array<[number, number]> = [];
  for (const entry of phrases) {
    const p = typeof entry === 'string' ? entry : entry.phrase;
    for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) spans.push([at, at + p.length]);
  }
  if (spans.length === 0) return result;
  const findings = result.findings.filter((f) => !(f.end > f.start && spans.some(([s, e]) => s <= f.start && f.end <= e)));
  return findings.length === result.findings.length ? result : { ...result, findings };
}
