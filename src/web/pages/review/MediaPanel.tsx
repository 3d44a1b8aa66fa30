import { MediaFindings } from '../../components/MediaFindings';
import type { DraftDetail } from '../../../shared/api';

/** The draft's pictures, video and audio with the findings inside them; editors and 校对 mark on them. */
export function MediaPanel({
  d,
  canMark,
  picked,
  onPick,
  onChanged,
  onError,
}: {
  d: DraftDetail;
  canMark: boolean;
  picked: string | null;
  onPick: (findingId: string) => void;
  onChanged: (text: string) => void;
  onError: (text: string) => void;
}) {
  return (
    <MediaFindings
      files={d.currentRevision.media}
      findings={d.findings}
      picked={picked}
      onPick={onPick}
      editing={
        d.allowedActions.includes('proofread') || d.allowedActions.includes('revise')
          ? {
              draftId: d.id,
              version: d.version,
              stage: d.allowedActions.includes('proofread') ? (d.stage ?? undefined) : undefined,
              revisionId: d.currentRevision.id,
              canMark,
              onChanged,
              onError,
            }
          : undefined
      }
    />
  );
}
