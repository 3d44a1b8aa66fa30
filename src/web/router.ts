import { useSyncExternalStore } from 'react';

/**
 * Hash routes (#/board, #/drafts/<id>): the express app serves one index.html from its static root and needs no
 * history fallback for deep links.
 */
const subscribe = (l: () => void) => {
  window.addEventListener('hashchange', l);
  return () => window.removeEventListener('hashchange', l);
};
const read = () => window.location.hash.replace(/^#/, '') || '/';

export function usePath(): string {
  return useSyncExternalStore(subscribe, read);
}

export function navigate(path: string): void {
  window.location.hash = path;
}

/** Matches `/drafts/:id` style patterns. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.split('?')[0]!.split('/');
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = s[i]!;
    if (a.startsWith(':')) out[a.slice(1)] = decodeURIComponent(b);
    else if (a !== b) return null;
  }
  return out;
}
