import { readDoc } from '../shared/document/canonicalise';
import { sql } from 'drizzle-orm';
import type { Executor } from './pool';

export interface ReferenceText {
  id: string;
  label: string;
  text: string;
}

/**
 * Candidates for near-duplicate detection: the most recently released drafts (current revision) of the same
 * unit or the same platform, other than `excludeDraftId`, bounded in count and in characters per text.
 */
export async function recentReleasedTexts(db: Executor, input: { unitId: string; platformId: string; excludeDraftId: string; limit: number; maxChars: number }): Promise<ReferenceText[]> {
  const result = await db.execute<{ id: string; number: string; title: string; body: string; format: string }>(sql`
    SELECT d.id, d.number, r.title, left(r.body, ${input.maxChars}) AS body, r.format
      FROM drafts d JOIN revisions r ON r.id = d.current_revision_id
     WHERE d.status IN ('released', 'corrected') AND d.id <> ${input.excludeDraftId}::uuid
       AND (d.unit_id = ${input.unitId}::uuid OR d.platform_id = ${input.platformId}::uuid)
     ORDER BY d.released_at DESC NULLS LAST LIMIT ${input.limit}`);
  // Bodies are stored in their canonical (HTML) form: compare their plain text, as the checks read it.
  return result.rows.map((r) => ({ id: r.id, label: `${r.number}《${r.title}》`, text: r.format === 'text' ? r.body : readDoc(r.body, r.format).plain.text }));
}
