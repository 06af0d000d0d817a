"""Read a :class:`ListQuery` from the query string (``page``, ``sort``, ``dir``, ``q`` and the
list's own filters), so every admin list pages, sorts and filters the same way."""

from __future__ import annotations

from collections.abc import Iterable

from flask import request

from lti_tool.services.listing import ListQuery


def page_number() -> int:
    """The request's ``page`` (1 when it is missing, not a number, or below 1)."""
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def list_query(filters: Iterable[str] = (), *, sorts: Iterable[str] = ()) -> ListQuery:
    """The request's list query; an unknown sort key falls back to the list's default."""
    page = page_number()
    sort = request.args.get("sort", "")
    allowed = set(sorts)
    return ListQuery(
        page=page,
        sort=sort if not allowed or sort in allowed else "",
        descending=request.args.get("dir") == "desc",
        search=request.args.get("q", "").strip()[:200],
        filters={name: request.args.get(name, "").strip() for name in filters},
    )
