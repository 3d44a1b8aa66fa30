import { useEffect, useState } from 'react';

/** A selection in the rendered draft as a span of the original title or body (what the marks API takes). */
export interface SourceSelection {
  field: 'title' | 'body';
  start: number;
  end: number;
  /** The selected text as the reader saw it (the server records the exact text itself). */
  text: string;
}

const num = (el: Element, name: string) => Number(el.getAttribute(name));

/**
 * Source offset of one boundary of a DOM range inside a container rendered by SafeContent with `selectable`.
 * In a text piece that is exactly its source, the offset inside the text counts; an inexact piece (a decoded
 * entity, alt text) is taken whole. A boundary between elements snaps to the next (start) or previous (end)
 * piece.
 */
function boundary(container: Element, node: Node, offset: number, edge: 'start' | 'end'): number | null {
  if (node.nodeType === Node.TEXT_NODE) {
    const piece = node.parentElement?.closest('[data-s]');
    if (piece && container.contains(piece)) {
      const s = num(piece, 'data-s');
      const e = num(piece, 'data-e');
      const length = node.textContent?.length ?? 0;
      if (piece.getAttribute('data-x') === '1') return Math.min(s + offset, e);
      if (edge === 'start') return offset < length ? s : e;
      return offset > 0 ? e : s;
    }
  }
  const point = document.createRange();
  point.setStart(node, offset);
  const pieces = [...container.querySelectorAll('[data-s]')];
  if (edge === 'start') {
    const next = pieces.find((p) => point.comparePoint(p, 0) >= 0);
    return next ? num(next, 'data-s') : null;
  }
  const previous = pieces.reverse().find((p) => point.comparePoint(p, p.childNodes.length) <= 0);
  return previous ? num(previous, 'data-e') : null;
}

/** The current document selection as a source span, if it lies inside one [data-field] container. */
export function readSelection(): SourceSelection | null {
  const selection = document.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  const startEl = range.startContainer instanceof Element ? range.startContainer : range.startContainer.parentElement;
  const container = startEl?.closest('[data-field]');
  if (!container || !container.contains(range.endContainer)) return null;
  const field = container.getAttribute('data-field');
  if (field !== 'title' && field !== 'body') return null;
  const start = boundary(container, range.startContainer, range.startOffset, 'start');
  const end = boundary(container, range.endContainer, range.endOffset, 'end');
  if (start === null || end === null || end <= start) return null;
  const text = selection.toString().trim();
  if (text === '') return null;
  return { field, start, end, text };
}

/**
 * The last non-empty selection made in the draft. Clicking into a form elsewhere collapses the document
 * selection; the span is kept until `clear()` so the reviewer can type the correction.
 */
export function useDraftSelection(enabled: boolean): { selection: SourceSelection | null; clear: () => void } {
  const [selection, setSelection] = useState<SourceSelection | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const onChange = () => {
      const next = readSelection();
      if (next) setSelection((prev) => (prev && prev.field === next.field && prev.start === next.start && prev.end === next.end ? prev : next));
    };
    document.addEventListener('selectionchange', onChange);
    return () => document.removeEventListener('selectionchange', onChange);
  }, [enabled]);
  return { selection: enabled ? selection : null, clear: () => setSelection(null) };
}
