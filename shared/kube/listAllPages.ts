import { statusCodeOf } from './mapKubeError.ts';

/** One page of a Kubernetes list. */
export interface ListPage {
  readonly items?: unknown[];
  readonly metadata?: { readonly continue?: string };
}

/** Default page size of a list (the apiserver's `limit`), as kubectl and client-go informers use. */
export const defaultListPageSize = 500;

/**
 * Lists a whole collection page by page (`limit` / `continue`), so that each request stays small enough to
 * finish within the per-request timeout however large the collection is. The pages form one consistent
 * snapshot; when the apiserver has compacted that snapshot away (410 Gone on a continue token: the list took
 * longer than the etcd compaction interval), the list starts over once from a fresh snapshot, discarding
 * the pages read so far so that every object is returned exactly once.
 * @param fetchPage - reads one page: `continueToken` is undefined for the first page
 * @returns every item, in the apiserver's order
 * @throws whatever `fetchPage` threw (a second 410 included)
 */
export async function listAllPages(
  fetchPage: (continueToken: string | undefined) => Promise<ListPage>,
): Promise<unknown[]> {
  for (let restarted = false; ; restarted = true) {
    const items: unknown[] = [];
    let continueToken: string | undefined;
    try {
      do {
        const page = await fetchPage(continueToken);
        items.push(...(page.items ?? []));
        continueToken = page.metadata?.continue || undefined;
      } while (continueToken);
      return items;
    } catch (err) {
      if (restarted || continueToken === undefined || statusCodeOf(err) !== 410) throw err;
    }
  }
}
