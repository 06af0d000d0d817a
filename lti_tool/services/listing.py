"""Server-side paging, sorting and filtering for admin lists, one rule for every list.

A view turns the query string into a :class:`ListQuery`; a service applies it, either in its
own SQL (large tables such as the audit trail) or, for lists that are small by nature
(organisations, platforms), with :func:`list_page` over the loaded rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from lti_tool.services.common import DEFAULT_PAGE_SIZE, Page, page_bounds

T = TypeVar("T")


@dataclass(frozen=True)
class ListQuery:
    """What the person asked of a list: a page, a sort, a search text and exact filters."""

    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE
    sort: str = ""
    descending: bool = False
    search: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)

    def sorted_by(self, key: str) -> ListQuery:
        """The same list sorted by ``key``: ascending first, the other way on a second click."""
        return replace(self, sort=key, descending=self.sort == key and not self.descending, page=1)

    def args(self) -> dict[str, str]:
        """The query as query-string arguments (without the page): for links that keep it."""
        out = {key: value for key, value in self.filters.items() if value}
        if self.search:
            out["q"] = self.search
        if self.sort:
            out["sort"] = self.sort
            if self.descending:
                out["dir"] = "desc"
        return out


def list_page(
    items: Sequence[T],
    query: ListQuery,
    *,
    sorts: Mapping[str, Callable[[T], Any]],
    searched: Callable[[T], str] | None = None,
    filters: Mapping[str, Callable[[T], str | Collection[str]]] | None = None,
) -> Page[T]:
    """Filter (per filter: the item's value equals the asked one, or its set of values holds
    it; a case-insensitive substring for the search text), sort (by a known key only; the first
    key is the default) and cut one page of ``items``."""
    chosen = list(items)
    for name, value in query.filters.items():
        getter = (filters or {}).get(name)
        if getter is not None and value:
            chosen = [item for item in chosen if _matches(getter(item), value)]
    if searched is not None and query.search.strip():
        needle = query.search.strip().casefold()
        chosen = [item for item in chosen if needle in searched(item).casefold()]
    key = sorts.get(query.sort) or next(iter(sorts.values()))
    chosen.sort(key=key, reverse=query.descending)
    page, per_page, offset = page_bounds(query.page, query.per_page)
    return Page(chosen[offset : offset + per_page], len(chosen), page, per_page)


def _matches(found: str | Collection[str], wanted: str) -> bool:
    return found == wanted if isinstance(found, str) else wanted in found
