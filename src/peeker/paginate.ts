/**
 * Walking Peeker lists (reference §0 "Lists"): follow `links.next` verbatim until it is null, never build or
 * read a `page_token`. A token that no longer matches its filters is answered `400 invalid_request` with
 * `field: "page_token"`; the walk then starts over from `links.first`, once. Rows already yielded before a
 * restart are yielded again, so consumers must be idempotent per row (reconciliation is).
 */
import { isPageTokenRejected } from "./errors.js";

export interface PageLinks {
  first: string | null;
  next: string | null;
}

export interface PageMeta {
  path?: string | undefined;
  per_page?: number | undefined;
  returned?: number | undefined;
  [extra: string]: unknown;
}

export interface Page<T> {
  data: T[];
  links: PageLinks;
  meta: PageMeta;
  requestId: string | undefined;
}

export type FetchPage<T> = (url: string) => Promise<Page<T>>;

/** A lazily walked list: iterate it for rows, `pages()` for pages, `firstPage()` for a single request. */
export class PageIterator<T> implements AsyncIterable<T> {
  readonly #fetchPage: FetchPage<T>;
  readonly #startUrl: string;

  constructor(fetchPage: FetchPage<T>, startUrl: string) {
    this.#fetchPage = fetchPage;
    this.#startUrl = startUrl;
  }

  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let url = this.#startUrl;
    // Until Peeker has told us `links.first`, the start URL without its token is the same thing.
    let first = withoutPageToken(this.#startUrl);
    let restarted = false;
    for (;;) {
      let page: Page<T>;
      try {
        page = await this.#fetchPage(url);
      } catch (error) {
        if (restarted || !isPageTokenRejected(error)) throw error;
        restarted = true;
        url = first;
        continue;
      }
      if (page.links.first) first = page.links.first;
      yield page;
      if (!page.links.next) return;
      url = page.links.next;
    }
  }

  async firstPage(): Promise<Page<T>> {
    for await (const page of this.pages()) return page;
    throw new Error("unreachable: a walk yields at least one page or throws");
  }

  async toArray(): Promise<T[]> {
    const rows: T[] = [];
    for await (const row of this) rows.push(row);
    return rows;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.data;
  }
}

function withoutPageToken(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has("page_token")) return url;
  parsed.searchParams.delete("page_token");
  return parsed.toString();
}
