"""A OneRoster REST provider as a :class:`lti_tool.ports.RosterSource`.

Incremental syncs ask for ``filter=dateLastModified>'<since>'``. The last row of every page
carries a bookmark (since, next offset, newest date seen); the roster service saves it in the
same transaction as the page's rows, so a sync that dies resumes after the last committed page.
When a collection is done the bookmark moves ``since`` forward to the newest date seen.
Paging never trusts a short page: it stops at ``X-Total-Count``, or without one on an empty page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from connectors.http import HttpError
from connectors.oneroster.client import OneRosterClient
from connectors.oneroster.mapping import COLLECTIONS, header, role_cells, to_cells
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.report import Problem
from lti_tool.ports import RawRow, RosterFeed

MAX_PAGES = 100_000
"""A provider that never stops paging is a bug on its side; stop rather than loop forever."""


class RestRosterSource:
    """Reads every entity of one provider; ``bookmarks`` are what the store holds per entity."""

    def __init__(
        self,
        client: OneRosterClient,
        name: str,
        version: str,
        bookmarks: dict[Entity, str | None],
        *,
        full: bool = False,
    ) -> None:
        self._client = client
        self._name = name
        self._version = version
        self._bookmarks = bookmarks
        self._full = full
        self._failed = False
        self._problems: list[Problem] = []

    def describe(self) -> str:
        return f"{self._name} (OneRoster {self._version} REST{', full' if self._full else ''})"

    def version(self) -> str:
        return self._version

    def problems(self) -> list[Problem]:
        return list(self._problems)

    def estimate_rows(self) -> int | None:
        return None

    def feed(self, entity: Entity) -> RosterFeed | None:
        if self._failed or (entity is Entity.ROLES and self._version != "1.2"):
            return None
        state: dict[str, Any] = json.loads(self._bookmarks.get(entity) or "{}")
        resuming = int(state.get("offset", 0)) > 0
        since = None if self._full and not resuming else state.get("since")
        collection = COLLECTIONS[entity]
        feed = RosterFeed(
            entity=entity,
            mode="delta",
            header=header(entity, self._version),
            rows=iter(()),
            problems=[],
            name=f"GET {collection}",
            complete=self._full and not resuming,
        )
        feed.rows = self._rows(feed, entity, since, int(state.get("offset", 0)),
                               state.get("high"))  # fmt: skip
        return feed

    def _rows(
        self, feed: RosterFeed, entity: Entity, since: str | None, offset: int, high: str | None
    ) -> Iterator[RawRow]:
        collection = COLLECTIONS[entity]
        fields = "sourcedId,status,dateLastModified,roles" if entity is Entity.ROLES else None
        for _ in range(MAX_PAGES):
            try:
                page = self._client.page(collection, offset, since, fields)
            except HttpError as error:
                self._failed = True
                feed.problems.append(Problem("SOURCE_FAILED", f"{error} (after retries).",
                                             file=feed.name, line=offset + 1))  # fmt: skip
                return
            if not page.items:
                break
            rows: list[list[str]] = []
            for item in page.items:
                modified = str(item.get("dateLastModified") or "")
                if modified and (high is None or modified > high):
                    high = modified
                if entity is Entity.ROLES:
                    rows.extend(role_cells(item))
                else:
                    rows.append(to_cells(entity, self._version, item))
            offset += len(page.items)
            mark = json.dumps({"since": since, "offset": offset, "high": high})
            for index, cells in enumerate(rows):
                last = index == len(rows) - 1
                yield RawRow(offset - len(page.items) + index + 1, cells, mark if last else None)
            if page.total is not None and offset >= page.total:
                break
        feed.done_bookmark = json.dumps({"since": high or since, "offset": 0, "high": None})
