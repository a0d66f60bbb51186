"use strict";
// List results. The API answers lists as {object: "list", data, hasMore, nextCursor}, newest
// first; the next page is the same request with cursor=<nextCursor>. A list method returns a
// PagePromise: `await` it for the first page, or `for await` over it for every item of every
// page (fetched as you go).

/** One page: `data`, `hasMore`, `nextCursor`; `nextPage()`; async-iterable over all items from here on. */
class Page {
  constructor(body, fetchPage) {
    this.data = body.data;
    this.hasMore = Boolean(body.hasMore && body.nextCursor);
    this.nextCursor = body.nextCursor ?? null;
    Object.defineProperty(this, "_fetchPage", { value: fetchPage, enumerable: false });
  }

  /** The next page, or null after the last one. */
  async nextPage() {
    return this.hasMore ? this._fetchPage(this.nextCursor) : null;
  }

  /** Every item from this page on, fetching the next pages as the loop asks for them. */
  async *autoPagingIter() {
    for (let page = this; page !== null; page = await page.nextPage()) {
      yield* page.data;
    }
  }

  [Symbol.asyncIterator]() {
    return this.autoPagingIter();
  }
}

/** A list request in flight: a promise of its first page that is also async-iterable over every item. */
class PagePromise {
  constructor(firstPage) {
    this._firstPage = firstPage;
    firstPage.catch(() => {}); // iterating or awaiting reports the failure; unobserved, it's no crash
  }

  then(onFulfilled, onRejected) {
    return this._firstPage.then(onFulfilled, onRejected);
  }

  catch(onRejected) {
    return this._firstPage.catch(onRejected);
  }

  finally(onFinally) {
    return this._firstPage.finally(onFinally);
  }

  async *[Symbol.asyncIterator]() {
    yield* await this._firstPage;
  }
}

/** `list(cursor)` fetches one page's JSON: the PagePromise of the page at `cursor`. */
function paginate(list, cursor) {
  const fetchPage = async (at) => new Page(await list(at), fetchPage);
  return new PagePromise(fetchPage(cursor));
}

module.exports = { Page, PagePromise, paginate };
