/**
 * The paging logic alone, with a hand-written page source (a real apiserver only answers 410 to a continue
 * token after etcd compaction, every 5 minutes: the paging itself is tested on a real apiserver in
 * createKubeClusterClient.int.test.ts).
 */
import { describe, expect, it } from '@jest/globals';

import type { ListPage } from '../../../shared/kube/listAllPages.ts';
import { listAllPages } from '../../../shared/kube/listAllPages.ts';

/** What client-node throws for a non-2xx answer: an error with the HTTP status as `code`. */
const httpError = (code: number) => Object.assign(new Error(`HTTP-Code: ${code}`), { code });

/** A collection of `n` items served `size` at a time; `fail` may throw instead of serving a request. */
function source(n: number, size: number, fail: (request: number, token?: string) => Error | undefined) {
  const requests: (string | undefined)[] = [];
  const fetchPage = (token: string | undefined): Promise<ListPage> => {
    requests.push(token);
    const err = fail(requests.length, token);
    if (err) return Promise.reject(err);
    const start = token ? Number(token) : 0;
    const items = Array.from({ length: Math.min(size, n - start) }, (_, i) => `item-${start + i}`);
    const next = start + size < n ? String(start + size) : undefined;
    return Promise.resolve({ items, metadata: next ? { continue: next } : {} });
  };
  return { fetchPage, requests };
}

const all = (n: number) => Array.from({ length: n }, (_, i) => `item-${i}`);

describe('listAllPages', () => {
  it('follows continue tokens until the last page', async () => {
    const s = source(7, 3, () => undefined);
    await expect(listAllPages(s.fetchPage)).resolves.toEqual(all(7));
    expect(s.requests).toEqual([undefined, '3', '6']);
  });

  it('restarts once from a fresh snapshot when a continue token has expired (410), without duplicates', async () => {
    const s = source(7, 3, (request) => (request === 3 ? httpError(410) : undefined));
    await expect(listAllPages(s.fetchPage)).resolves.toEqual(all(7));
    expect(s.requests).toEqual([undefined, '3', '6', undefined, '3', '6']);
  });

  it('gives up on a second expired token', async () => {
    const s = source(7, 3, (_request, token) => (token === '6' ? httpError(410) : undefined));
    await expect(listAllPages(s.fetchPage)).rejects.toMatchObject({ code: 410 });
    expect(s.requests).toEqual([undefined, '3', '6', undefined, '3', '6']);
  });

  it('does not restart on a 410 for the first page, nor on other errors', async () => {
    const first = source(7, 3, (request) => (request === 1 ? httpError(410) : undefined));
    await expect(listAllPages(first.fetchPage)).rejects.toMatchObject({ code: 410 });
    expect(first.requests).toHaveLength(1);
    const other = source(7, 3, (request) => (request === 2 ? httpError(500) : undefined));
    await expect(listAllPages(other.fetchPage)).rejects.toMatchObject({ code: 500 });
    expect(other.requests).toHaveLength(2);
  });
});
