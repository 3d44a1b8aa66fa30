import { createElement, Fragment, type ReactNode } from 'react';
import { splitText, type Highlight, type Piece, type SafeNode, type TextNode } from './safe-content';

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
  /** Click on an image: show the original (the review page opens a viewer). */
  onEnlarge?: (hash: string) => void;
}

const hostOf = (href: string) => {
  try {
    const u = new URL(href);
    return u.protocol === 'mailto:' ? href.slice(7) : u.host;
  } catch {
    return href;
  }
};

/** Renders the safe tree: allow-listed elements built by React, all draft text inserted as text. */
export function SafeContent({ nodes, highlights, onPick, onPickMark, selectable = false, onEnlarge }: Props) {
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
    const a = node.attrs;
    if (node.tag === 'img' && a.media) {
      // Every image is shown inline (thumbnail; click to enlarge); its alt text is shown, located, as a caption.
      const alt: TextNode | undefined =
        a.alt !== undefined && node.altStart !== undefined && node.altEnd !== undefined
          ? { kind: 'text', text: a.alt, start: node.altStart, end: node.altEnd, exact: node.altEnd - node.altStart === a.alt.length }
          : undefined;
      const hash = a.media;
      return (
        <span key={key} className="media-figure" data-media={hash}>
          <img className="media-image" src={`/api/media/${hash}/thumbnail`} alt="" loading="lazy" onClick={() => onEnlarge?.(hash)} title="点击查看原图" />
          {alt && <span className="media-alt">图片说明：{splitText(alt, highlights).map(piece)}</span>}
        </span>
      );
    }
    if ((node.tag === 'video' || node.tag === 'audio') && a.media) {
      return createElement(node.tag, { key, src: `/api/media/${a.media}`, controls: true, preload: 'metadata', className: `media-${node.tag}`, 'data-media': a.media });
    }
    if (node.tag === 'br' || node.tag === 'hr') return createElement(node.tag, { key });
    const style: Record<string, string> = {};
    if (a.align) style.textAlign = a.align;
    if (a.color) style.color = a.color;
    if (a.size) style.fontSize = `${a.size}px`;
    const props: Record<string, unknown> = { key, ...(Object.keys(style).length ? { style } : {}) };
    if (node.tag === 'a') {
      return a.href ? (
        <Fragment key={key}>
          <a href={a.href} target="_blank" rel="noopener noreferrer nofollow" className="ext-link" title={a.href}>
            {node.children.map(render)}
          </a>
          <span className="link-host" title={a.href}>
            ↗{hostOf(a.href)}
          </span>
        </Fragment>
      ) : (
        <span key={key}>{node.children.map(render)}</span>
      );
    }
    if (node.tag === 'ol' && a.start) props.start = a.start;
    if (a.colspan) props.colSpan = a.colspan;
    if (a.rowspan) props.rowSpan = a.rowspan;
    return createElement(node.tag, props, ...node.children.map(render));
  };
  return <>{nodes.map(render)}</>;
}
