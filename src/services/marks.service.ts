import { buildRevisionText, extractPlainText, toSourceSpan, type RevisionText } from '../checks/text/extract';
import { appendAuditEvent } from '../db/audit.repository';
import { loadAggregate, lockDraft } from '../db/draft.repository';
import { lockFinding } from '../db/finding.repository';
import type { RevisionRow } from '../db/revision.repository';
import { insertMark, liveMarkForFinding, listMarks, lockAcceptedCorrections, lockMarks, markApplied, resolveMarkRow, type MarkRow } from '../db/mark.repository';
import type { Tx } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { draftChain, auditActor } from '../domain/audit';
import type { AuditEventPayloads } from '../domain/audit-events';
import type { RevisionContent } from '../domain/content';
import { conflict, notFound, validationFailed } from '../domain/errors';
import type { SourceSpan } from '../domain/findings';
import { formatTimecode } from '../shared/labels';
import { transition, type StageId } from '../domain/workflow';
import { applyTransition, toActor, type TransitionOutcome } from './apply-transition';
import type { ServiceDeps } from './deps';
import { readableDraft } from './draft-queries.service';
import { contentOf, proofreadBoundRecord, writeNewRevision } from './review.service';
import { PROOFREAD_BOUND } from '../../config/review';
import { editMagnitude, proofreadVerdict } from '../checks/text/edit-magnitude';

/**
 * 校对标记 (proofreading marks). Who may do what, and why:
 * - create, accept, reject: whoever may act at the draft's current stage right now — exactly the people a
 *   proofreading edit is open to (in review, staff, the stage's role, the draft's unit, not the author, not
 *   someone who acted at another stage). A mark left at 初审 is therefore settled by whoever holds the draft
 *   when it matters (the same 初审 reviewer, or 复审 after approval);
 * - apply the accepted corrections: the same people; it is a proofreading edit and goes through that path;
 * - read: everyone who may read the draft (editors of the unit, the author, auditors, 宣传部, admins).
 * A mark is a record, not draft state: creating or resolving one appends one audit event to the draft's chain
 * under the draft's row lock and leaves the draft's version alone, so it never invalidates a reviewer's page.
 */

export type MarkKind = 'correction' | 'comment';

/** A comment on a picture (optionally a region) or on a video at a timecode. */
export interface MediaMarkSource {
  field: 'media';
  media: string;
  timeMs?: number | undefined;
  box?: { x: number; y: number; width: number; height: number } | undefined;
}

export interface CreateMarkInput {
  /** The revision the reviewer was looking at; marks only go on the current one. */
  revisionId: string;
  kind?: MarkKind | undefined;
  /** Plain-text offsets (title, "\n", body text), as findings use them. */
  start?: number | undefined;
  end?: number | undefined;
  /** Or a span of the original field, as the browser knows it from the rendered draft; or a picture / video moment. */
  source?: SourceSpan | MediaMarkSource | undefined;
  replacement?: string | undefined;
  note?: string | undefined;
  /** Accept a check's suggestion as a correction mark (span and replacement come from the finding). */
  findingId?: string | undefined;
}

/** Locks the draft and checks that `actor` may act at its current stage now. @throws DomainError */
async function lockForMarking(deps: ServiceDeps, tx: Tx, draftId: string, actor: AuthUser) {
  const draft = await lockDraft(tx, draftId);
  const aggregate = await loadAggregate(tx, draft);
  const stage = (aggregate.stage ?? 'first') as StageId;
  // The workflow's own rule for a proofreading edit at this stage; it throws forbidden / invalid_transition.
  transition(deps.stages, aggregate, { type: 'proofread', stage }, toActor(actor));
  return { draft, aggregate, stage };
}

/** Plain-text span covering a source span of the body or title. */
function plainFromSource(rt: RevisionText, span: SourceSpan): { start: number; end: number } {
  if (span.field === 'title') return { start: Math.min(span.start, rt.titleLength), end: Math.min(span.end, rt.titleLength) };
  const { starts, ends } = rt.body;
  let first = -1;
  let last = -1;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const e = ends[i]!;
    // Separators the extractor inserted are zero-width; they belong to a selection only from inside it.
    const inside = e > s ? s >= span.start && e <= span.end : s > span.start && s < span.end;
    if (inside) {
      if (first < 0) first = i;
      last = i;
    } else if (s >= span.end) break;
  }
  if (first < 0) return { start: 0, end: 0 };
  return { start: rt.bodyOffset + first, end: rt.bodyOffset + last + 1 };
}

/**
 * Whether the source behind a plain span is just that text (entities aside), so replacing the source range
 * cannot break markup around or inside it.
 */
function replaceable(revision: RevisionRow, span: SourceSpan, original: string): boolean {
  const field = span.field === 'title' ? revision.title : revision.body;
  const slice = field.slice(span.start, span.end);
  if (slice === original) return true;
  if (span.field === 'title') return false;
  if (revision.format === 'html') return !/[<>]/.test(slice) && extractPlainText(slice, 'html').text === original;
  if (revision.format === 'markdown') return !/[*_`[\]<>\\~|#!]/.test(slice) && extractPlainText(slice, 'markdown').text === original;
  return false;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Puts a reviewer's 校对标记 on the current revision: a correction (replacement text) or a comment, on a span
 * the reviewer selected or on a check finding whose suggestion they accept.
 * @throws DomainError forbidden | not_found | conflict | invalid_transition | validation_failed
 */
export async function createMark(deps: ServiceDeps, actor: AuthUser, draftId: string, input: CreateMarkInput): Promise<MarkRow> {
  await readableDraft(deps.db, actor, draftId);
  return deps.db.transaction(async (tx) => {
    const { draft, aggregate, stage } = await lockForMarking(deps, tx, draftId, actor);
    const revision = aggregate.revision;
    if (input.revisionId !== revision.id) throw conflict('稿件已有新版本，请刷新后再标记', { currentRevisionId: revision.id });
    const rt = buildRevisionText(contentOf(revision));
    const recordCreated = (markId: string, data: Omit<AuditEventPayloads['mark.created'], 'markId' | 'version' | 'staffId'>) =>
      appendAuditEvent(tx, {
        chain: draftChain(draft.id),
        draftId: draft.id,
        revisionId: revision.id,
        actorId: actor.id,
        actorName: auditActor(actor),
        type: 'mark.created',
        data: { markId, ...data, version: draft.version, staffId: actor.staffId },
      });

    if (input.source?.field === 'media') {
      // 校对标记 on a picture or at a video timecode: a comment (nothing in a picture can be replaced by text).
      const where = input.source;
      const ref = contentOf(revision).media?.find((m) => m.hash === where.media);
      if (!ref) throw validationFailed('当前版本没有引用这个媒体文件', { field: 'source.media' });
      if (input.kind === 'correction' || input.replacement !== undefined) throw validationFailed('图片和视频上只能添加批注');
      const note = (input.note ?? '').trim();
      if (note === '') throw validationFailed('批注内容不能为空');
      const original = ref.kind === 'video' || ref.kind === 'audio' ? `[${ref.kind === 'video' ? '视频' : '音频'} ${formatTimecode(where.timeMs ?? 0)}]` : '[图片]';
      const source = {
        field: 'media' as const,
        media: ref.hash,
        via: 'file' as const,
        start: 0,
        end: 0,
        ...(where.timeMs !== undefined ? { timeMs: where.timeMs } : {}),
        ...(where.box ? { box: where.box } : {}),
      };
      const mark = await insertMark(tx, {
        draftId,
        revisionId: revision.id,
        stage,
        kind: 'comment',
        startOffset: 0,
        endOffset: 0,
        source,
        original,
        replacement: null,
        note,
        findingId: null,
        createdBy: actor.id,
      });
      await recordCreated(mark.id, { kind: 'comment', stage, media: ref.hash, timeMs: where.timeMs ?? null, original, note });
      return mark;
    }

    let start: number;
    let end: number;
    let kind: MarkKind;
    let replacement: string | null;
    let findingId: string | null = null;
    if (input.findingId) {
      const finding = await lockFinding(tx, input.findingId);
      if (!finding || finding.draftId !== draftId) throw notFound('问题');
      if (finding.revisionId !== revision.id) throw conflict('该问题不属于当前版本');
      if (finding.suggestion === null) throw validationFailed('该问题没有修改建议，请改为选中文字添加批注');
      if (await liveMarkForFinding(tx, finding.id)) throw conflict('该问题的修改建议已是校对标记');
      ({ startOffset: start, endOffset: end } = finding);
      kind = 'correction';
      replacement = finding.suggestion;
      findingId = finding.id;
    } else {
      if (input.start !== undefined && input.end !== undefined) ({ start, end } = input);
      else if (input.source) ({ start, end } = plainFromSource(rt, input.source));
      else throw validationFailed('请给出标记的位置（start/end 或 source）');
      kind = input.kind ?? (input.replacement !== undefined ? 'correction' : 'comment');
      replacement = kind === 'correction' ? (input.replacement ?? null) : null;
    }

    if (!(start >= 0 && end > start && end <= rt.text.length)) throw validationFailed('标记位置超出稿件范围或为空', { start, end, length: rt.text.length });
    if (start < rt.titleLength !== end <= rt.titleLength || (start >= rt.titleLength && start < rt.bodyOffset)) {
      throw validationFailed('标记不能跨越标题和正文');
    }
    const original = rt.text.slice(start, end);
    const note = (input.note ?? '').trim();
    const source = toSourceSpan(rt, start, end);
    if (kind === 'correction') {
      if (replacement === null) throw validationFailed('修改建议须给出替换文字（replacement）');
      if (replacement === original) throw validationFailed('替换文字与原文相同');
      if (!replaceable(revision, source, original)) {
        throw validationFailed('所选文字跨越了格式标记，无法直接替换；请缩小选择范围，或改为批注');
      }
    } else {
      if (input.replacement !== undefined) throw validationFailed('批注不带替换文字；要改字请用修改建议');
      if (note === '') throw validationFailed('批注内容不能为空');
    }

    const mark = await insertMark(tx, {
      draftId,
      revisionId: revision.id,
      stage,
      kind,
      startOffset: start,
      endOffset: end,
      source,
      original,
      replacement,
      note,
      findingId,
      createdBy: actor.id,
    });
    await recordCreated(mark.id, { kind, stage, start, end, original, replacement, note, findingId });
    return mark;
  });
}

/**
 * Accepts or rejects an open mark on the current revision.
 * @throws DomainError forbidden | not_found | conflict | invalid_transition
 */
export async function resolveMark(deps: ServiceDeps, actor: AuthUser, draftId: string, markId: string, input: { decision: 'accept' | 'reject'; note?: string | undefined }): Promise<MarkRow> {
  await readableDraft(deps.db, actor, draftId);
  return deps.db.transaction(async (tx) => {
    const { draft, aggregate, stage } = await lockForMarking(deps, tx, draftId, actor);
    const [mark] = await lockMarks(tx, draftId, [markId]);
    if (!mark) throw notFound('校对标记');
    if (mark.revisionId !== aggregate.revision.id) throw conflict('该标记属于旧版本，不能再处理');
    if (mark.status !== 'open') throw conflict('该标记已处理', { status: mark.status });
    const note = input.note?.trim() || null;
    const status = input.decision === 'accept' ? 'accepted' : 'rejected';
    const resolved = await resolveMarkRow(tx, mark.id, { status, resolvedBy: actor.id, note });
    await appendAuditEvent(tx, {
      chain: draftChain(draft.id),
      draftId: draft.id,
      revisionId: mark.revisionId,
      actorId: actor.id,
      actorName: auditActor(actor),
      type: input.decision === 'accept' ? 'mark.accepted' : 'mark.rejected',
      data: { markId: mark.id, kind: mark.kind, stage, note, version: draft.version, staffId: actor.staffId },
    });
    return resolved;
  });
}

/** The current content with the given corrections applied (spans must not overlap). */
function applyCorrections(revision: RevisionRow, marks: readonly MarkRow[]): RevisionContent {
  const content = contentOf(revision);
  const byField = { title: [] as MarkRow[], body: [] as MarkRow[] };
  for (const m of marks) if (m.source.field !== 'media') byField[m.source.field].push(m);
  const apply = (text: string, list: MarkRow[], html: boolean) => {
    const sorted = [...list].sort((a, b) => a.source.start - b.source.start);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.source.start < sorted[i - 1]!.source.end) {
        throw validationFailed('已采纳的修改建议位置重叠，请先不采纳其中之一', { marks: [sorted[i - 1]!.id, sorted[i]!.id] });
      }
    }
    let out = text;
    for (const m of sorted.reverse()) {
      const replacement = html ? escapeHtml(m.replacement ?? '') : (m.replacement ?? '');
      out = out.slice(0, m.source.start) + replacement + out.slice(m.source.end);
    }
    return out;
  };
  return { ...content, title: apply(content.title, byField.title, false), body: apply(content.body, byField.body, content.format === 'html') };
}

/**
 * Applies accepted corrections of the current revision as a proofreading edit at the current stage: a new
 * revision through the one revision-writing path (checks run again, earlier approvals stand), the marks
 * recorded as applied to it, one audit event.
 * @throws DomainError forbidden | conflict | invalid_transition | validation_failed
 */
export async function applyMarks(
  deps: ServiceDeps,
  actor: AuthUser,
  draftId: string,
  input: { version: number; markIds?: string[] | undefined; note?: string | undefined },
): Promise<TransitionOutcome<{ revisionId: string; number: number; hash: string; applied: string[] }>> {
  const draft = await readableDraft(deps.db, actor, draftId);
  const stage = (draft.stage ?? 'first') as StageId;
  let marks: Awaited<ReturnType<typeof lockAcceptedCorrections>> = [];
  let content: RevisionContent | undefined;
  let bound: ReturnType<typeof proofreadBoundRecord> | undefined;
  return applyTransition(deps, {
    draftId,
    expectedVersion: input.version,
    actor,
    // The corrections decide whether the edit stays within the proofreading bound, so they are read first.
    command: async (ctx) => {
      // Who may do it first: nobody learns anything about the marks from a refusal.
      transition(deps.stages, ctx.aggregate, { type: 'proofread', stage }, toActor(actor));
      marks = await lockAcceptedCorrections(ctx.tx, ctx.aggregate.revision.id);
      if (input.markIds) {
        const wanted = new Set(input.markIds);
        marks = marks.filter((m) => wanted.has(m.id));
        if (marks.length !== wanted.size) throw conflict('部分标记不是当前版本已采纳的修改建议，请刷新后再试');
      }
      if (marks.length === 0) throw validationFailed('没有已采纳的修改建议可应用');
      content = applyCorrections(ctx.aggregate.revision, marks);
      const verdict = proofreadVerdict(editMagnitude(contentOf(ctx.aggregate.revision), content), PROOFREAD_BOUND);
      bound = proofreadBoundRecord(verdict);
      return { type: 'proofread', stage, restart: verdict.exceeded };
    },
    eventType: 'revision.proofread',
    write: async (ctx) => {
      if (!content || !bound) throw new Error('applyMarks: command did not run');
      const proofMarks = marks.map((m) => ({ markId: m.id, start: m.startOffset, end: m.endOffset, original: m.original, suggestion: m.replacement ?? '', ...(m.note ? { note: m.note } : {}) }));
      const note = input.note?.trim() || `应用校对标记 ${marks.length} 处`;
      const { revision, hash, diff, writes } = await writeNewRevision(deps, ctx, {
        kind: 'proofread',
        content,
        createdBy: actor.id,
        diffExtra: { marks: proofMarks, stage, proofreadBound: bound },
        note,
      });
      await markApplied(
        ctx.tx,
        marks.map((m) => m.id),
        revision.id,
      );
      return {
        ...writes,
        data: { revisionNumber: revision.number, contentHash: hash, previousHash: ctx.aggregate.revision.contentHash, diff, marks: proofMarks, note, stage, proofreadBound: bound },
        result: { revisionId: revision.id, number: revision.number, hash, applied: marks.map((m) => m.id) },
      };
    },
  });
}

/** Every mark of a draft the viewer may read. @throws DomainError not_found | forbidden */
export async function draftMarks(deps: ServiceDeps, viewer: AuthUser, draftId: string): Promise<MarkRow[]> {
  await readableDraft(deps.db, viewer, draftId);
  return listMarks(deps.db, draftId);
}
