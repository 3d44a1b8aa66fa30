import { createElement, Fragment, type ReactNode } from 'react';
import { splitText, type Highlight, type SafeNode } from './safe-content';

interface Props {
  nodes: readonly SafeNode[];
  highlights: readonly Highlight[];
  onPick?: (findingId: string) => void;
}

/** Renders the safe tree: allow-listed elements built by React, all draft text inserted as text. */
export function SafeContent({ nodes, highlights, onPick }: Props) {
  let key = 0;
  const render = (node: SafeNode): ReactNode => {
    key++;
    if (node.kind === 'text') {
      return (
        <Fragment key={key}>
          {splitText(node, highlights).map((piece, i) =>
            piece.highlight ? (
              <mark
                key={i}
                className={`finding ${piece.highlight.className}`}
                data-finding={piece.highlight.id}
                title={piece.ids && piece.ids.length > 1 ? `${piece.ids.length} 个问题` : undefined}
                onClick={() => onPick?.(piece.highlight!.id)}
              >
                {piece.text}
              </mark>
            ) : (
              piece.text
            ),
          )}
        </Fragment>
      );
    }
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
