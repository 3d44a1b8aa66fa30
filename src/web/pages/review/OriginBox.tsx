import type { DraftDetail } from '../../../shared/api';

/** 来源: 原创 / 转载 / 改编, whom it credits, and how many assets are declared. */
export function OriginBox({ d }: { d: DraftDetail }) {
  const o = d.currentRevision.origin;
  const kinds: Record<string, string> = { original: '原创', repost: '转载', adapted: '改编' };
  return (
    <div className="card origin">
      <strong>来源：</strong>
      {kinds[o.kind ?? ''] ?? o.kind}
      {o.sourceName ? ` · ${o.sourceName}` : ''}
      {o.originalAuthor ? ` · 原作者 ${o.originalAuthor}` : ''}
      {o.sourceUrl ? ` · ${o.sourceUrl}` : ''}
      {d.currentRevision.assets.length > 0 && <span> · 素材 {d.currentRevision.assets.length} 项</span>}
    </div>
  );
}
