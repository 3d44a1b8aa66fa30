import { useMemo, useState } from 'react';
import { markHighlights } from '../../components/ProofMarks';
import { parseBody } from '../../render/safe-content';
import { SafeContent } from '../../render/SafeContent';
import type { DraftDetail, ProofMark } from '../../../shared/api';
import { highlightsFor } from './highlights';

/** The body with its findings and marks highlighted; a picture opens full size on click. */
export function DraftContent({ d, marks, canMark, onPick, onPickMark }: { d: DraftDetail; marks: readonly ProofMark[]; canMark: boolean; onPick: (id: string) => void; onPickMark: (id: string) => void }) {
  const [enlarged, setEnlarged] = useState<string | null>(null);
  const body = useMemo(() => parseBody(d.currentRevision.body, d.currentRevision.format), [d]);
  return (
    <>
      <article className="draft-body" data-testid="draft-body" data-field="body">
        <SafeContent
          nodes={body}
          highlights={[...highlightsFor(d.findings, 'body'), ...markHighlights(marks, d.currentRevision.id, 'body')]}
          onPick={onPick}
          onPickMark={onPickMark}
          selectable={canMark}
          onEnlarge={setEnlarged}
        />
      </article>
      {enlarged && (
        <div className="media-viewer" role="dialog" aria-label="原图" data-testid="media-viewer" onClick={() => setEnlarged(null)}>
          <img src={`/api/media/${enlarged}`} alt="原图" />
          <button type="button" className="media-viewer-close" onClick={() => setEnlarged(null)}>
            关闭
          </button>
        </div>
      )}
    </>
  );
}
