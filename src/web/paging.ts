import { useCallback, useState } from 'react';
import { api } from './api';
import { useResource } from './hooks';

/** One page of a keyset-paged list (GET /api/drafts): `total` is capped (totalCapped) and given on the first page. */
export interface ListPage<T> {
  items: T[];
  total: number | null;
  totalCapped: boolean;
  nextCursor: string | null;
}

/** "共 N 条" with the cap shown honestly: "10,000+ 条". */
export function totalLabel(page: Pick<ListPage<unknown>, 'items' | 'total' | 'totalCapped'> | undefined): string {
  if (!page) return '';
  // A common search word is not counted (it would read much of the archive): the list still pages to the end.
  if (page.total === null) return page.items.length > 0 ? '结果较多，未计总数' : '';
  return page.totalCapped ? `共 ${page.total.toLocaleString('en-US')}+ 条` : `共 ${page.total.toLocaleString('en-US')} 条`;
}

/**
 * The first page from `url(null)` and further pages appended by cursor ("加载更多"). A reload (filters changed, a
 * live push) starts again from the first page.
 */
export function useCursorList<T>(url: (cursor: string | null) => string, deps: readonly unknown[]) {
  const first = useResource(() => api.get<ListPage<T>>(url(null)), deps);
  const [extra, setExtra] = useState<{ for: ListPage<T> | undefined; items: T[]; next: string | null }>({ for: undefined, items: [], next: null });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const fresh = extra.for === first.data;
  const items = [...(first.data?.items ?? []), ...(fresh ? extra.items : [])];
  const next = fresh && extra.items.length > 0 ? extra.next : (first.data?.nextCursor ?? null);
  const more = useCallback(async () => {
    if (!next) return;
    setLoading(true);
    try {
      const page = await api.get<ListPage<T>>(url(next));
      setExtra({ for: first.data, items: [...(fresh ? extra.items : []), ...page.items], next: page.nextCursor });
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [next, first.data, fresh, extra.items]);
  return { first, items, hasMore: next !== null, more, loading, error: first.error ?? error };
}
