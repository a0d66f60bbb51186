"""List results: one page you can iterate, and `auto_paging_iter()` to walk every page.

The API answers lists as `{"object": "list", "data": [...], "hasMore", "nextCursor"}`, newest
first; the next page is the same request with `cursor=<nextCursor>`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from llmgateway_server._core import Call

T = TypeVar("T")


@dataclass(frozen=True)
class PageData(Generic[T]):
    """A list answer, parsed."""

    data: list[T]
    has_more: bool
    next_cursor: str | None
    raw: Mapping[str, Any]


def page_parser(item: Callable[[Mapping[str, Any]], T]) -> Callable[[Any, int], PageData[T]]:
    def parse(body: Any, status: int) -> PageData[T]:
        return PageData(
            data=[item(entry) for entry in body["data"]],
            has_more=bool(body.get("hasMore")),
            next_cursor=body.get("nextCursor"),
            raw=body,
        )

    return parse


class _PageBase(Generic[T]):
    def __init__(self, page: PageData[T], call: Call[PageData[T]]) -> None:
        self.data = page.data
        self.has_more = page.has_more and bool(page.next_cursor)
        self.next_cursor = page.next_cursor
        self.raw = page.raw
        self._call = call

    def __iter__(self) -> Iterator[T]:
        """This page's items only; `auto_paging_iter()` goes on to the next pages."""
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> T:
        return self.data[index]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self.data)} has_more={self.has_more}>"

    def _next_call(self) -> Call[PageData[T]] | None:
        if not self.has_more:
            return None
        return self._call.with_params(cursor=self.next_cursor)


class Page(_PageBase[T]):
    def __init__(self, page: PageData[T], call: Call[PageData[T]], fetch: Any) -> None:
        super().__init__(page, call)
        self._fetch = fetch  # the client's `_page`: Call → Page

    def next_page(self) -> Page[T] | None:
        call = self._next_call()
        return None if call is None else self._fetch(call)

    def auto_paging_iter(self) -> Iterator[T]:
        """Every item from this page on, fetching the next pages as you go."""
        page: Page[T] | None = self
        while page is not None:
            yield from page.data
            page = page.next_page()


class AsyncPage(_PageBase[T]):
    def __init__(self, page: PageData[T], call: Call[PageData[T]], fetch: Any) -> None:
        super().__init__(page, call)
        self._fetch = fetch  # the async client's `_page`: Call → awaitable AsyncPage

    async def next_page(self) -> AsyncPage[T] | None:
        call = self._next_call()
        return None if call is None else await self._fetch(call)

    async def auto_paging_iter(self) -> AsyncIterator[T]:
        """`async for item in page.auto_paging_iter()`: every item, fetching pages as needed."""
        page: AsyncPage[T] | None = self
        while page is not None:
            for item in page.data:
                yield item
            page = await page.next_page()
