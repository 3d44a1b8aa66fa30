import { createElement, Fragment, type ReactNode } from 'react';
import { splitText, type Highlight, type Piece, type SafeNode } from './safe-content';

interface Props {
  nodes: readonly SafeNode[];
  highlights: readonly Highlight[];
  onPick?: (findingId: string) => void;
  onPickMark?: (markId: string) => void;
  /**
   * Tag every piece of text with its source range (data-s, data-e, data-x = exact), so a selection in the
   * rendered draft maps back to the original field (render/selection.ts).
   */
  selectable?: boolean;
}

/** Renders the safe tree: allow-listed elements built by React, all draft text inserted as text. */
export function SafeContent({ nodes, highlights, onPick, onPickMark, selectable = false }: Props) {
  let key = 0;
  const piece = (p: Piece, i: number): ReactNode => {
    const finding = p.covering?.find((h) => h.kind !== 'mark');
    const mark = p.covering?.find((h) => h.kind === 'mark');
    const position = selectable ? { 'data-s': p.start, 'data-e': p.end, 'data-x': p.exact ? '1' : '0' } : {};
    let out: ReactNode = p.text;
    let placed = false;
    if (mark) {
      out = (
        <span className={`proof-mark ${mark.className}`} data-mark={mark.id} onClick={() => onPickMark?.(mark.id)} {...position}>
          {out}
        </span>
      );
      placed = true;
    }
    if (finding) {
      const count = p.covering!.filter((h) => h.kind !== 'mark').length;
      out = (
        <mark className={`finding ${finding.className}`} data-finding={finding.id} title={count > 1 ? `${count} 个问题` : undefined} onClick={() => onPick?.(finding.id)} {...(placed ? {} : position)}>
          {out}
        </mark>
      );
      placed = true;
    }
    if (!placed && selectable) out = <span {...position}>{out}</span>;
    return <Fragment key={i}>{out}</Fragment>;
  };
  const render = (node: SafeNode): ReactNode => {
    key++;
    if (node.kind === 'text') return <Fragment key={key}>{splitText(node, highlights).map(piece)}</Fragment>;
    if (node.image) {
      return (
        <span key={key} className="img-placeholder" title="图片（不在审稿页加载）">
          [图片] {node.children.map(render)}
        </span>
      );
    }
    if (node.tag === 'br' || node.tag === 'hr') return createElement(node.tag, { key });
    if (node.tag === 'a') {
      return node.href ? (
        <a key={key} href={node.href} target="_blank" rel="noopener noreferrer nofollow" className="ext-link">
          {node.children.map(render)}
        </a>
      ) : (
        <span key={key} className="dead-link" title="链接已移除（仅允许 http/https/mailto）">
          {node.children.map(render)}
        </span>
      );
    }
    return createElement(node.tag, { key }, ...node.children.map(render));
  };
  return <>{nodes.map(render)}</>;
}
