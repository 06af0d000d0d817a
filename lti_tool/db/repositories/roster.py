"""The roster store over SQLAlchemy Core: batched upserts that tell created, updated, unchanged
and deleted apart by a fingerprint, and mark what each run has seen.

One connection and one transaction per ``with`` block; :meth:`SqlRosterStore.commit` commits and
opens the next transaction, so an import commits batch by batch on one connection.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Any, Self

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    func,
    insert,
    select,
    text,
    update,
)

from lti_tool.db.models import ExternalIdentityRow
from lti_tool.db.models.roster import ROSTER_TABLES, roster_bookmarks
from lti_tool.db.repositories.roster_extra import RosterQuestionsAndReports
from lti_tool.db.repositories.roster_writes import RosterWrites
from lti_tool.db.repositories.scope import TransactionScope
from lti_tool.db.sqlite_checkpoints import BackgroundCheckpoints
from lti_tool.domain.roster.entities import Entity, RosterRecord, all_attrs
from lti_tool.ports import RosterUser, UpsertCounts

_log = logging.getLogger(__name__)
_USER_ATTRS = tuple(c.name for c in ROSTER_TABLES[Entity.USERS].c)[8:-2]
_NEW_BITS = 1 << 25
"""Bits of :class:`_Inserted` (4 MiB): at a million rows inserted, about 3% of new ids are
looked up for nothing."""
_BULK_ROWS = 10_000
"""Rows upserted in one block after which SQLite checkpoints move off the writer's thread:
two batches, so a small sync or a single link never starts a thread."""
_SALT = {entity: hash(entity.value) for entity in Entity}


class _Inserted:
    """The sourcedIds this import inserted into tables that held none of the district's rows
    when it began, as bits of their hashes (one bitset, bounded, for every entity).

    A clear bit proves the record is not stored, so a first import need not look up batch
    after batch of new ids; a set bit is the record inserted earlier in this run or a hash
    collision, and those few are looked up as before."""

    __slots__ = ("bits", "fresh")

    def __init__(self) -> None:
        self.bits = bytearray(_NEW_BITS >> 3)
        self.fresh: dict[Entity, bool] = {}

    def maybe_stored(self, entity: Entity, sourced_ids: Collection[str]) -> list[str]:
        bits, salt, mask = self.bits, _SALT[entity], _NEW_BITS - 1
        found = []
        for sourced_id in sourced_ids:
            at = (hash(sourced_id) ^ salt) & mask
            if bits[at >> 3] & (1 << (at & 7)):
                found.append(sourced_id)
        return found

    def add(self, entity: Entity, sourced_ids: list[str]) -> None:
        bits, salt, mask = self.bits, _SALT[entity], _NEW_BITS - 1
        for sourced_id in sourced_ids:
            at = (hash(sourced_id) ^ salt) & mask
            bits[at >> 3] |= 1 << (at & 7)


class SqlRosterStore(RosterQuestionsAndReports, RosterWrites, TransactionScope):
    """``with store: ...; store.commit()``; leaving the block rolls back what was not committed."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._postgres = engine.dialect.name == "postgresql"
        self.server_side = engine.dialect.name != "sqlite"
        self._grown: dict[Entity, int] = {}
        self._analyzed: set[Entity] = set()
        self._inserted: dict[str, _Inserted] = {}
        """Per district, for this ``with`` block (one import)."""
        self._commit_pending = False
        self._upserted = 0
        self._checkpoints: BackgroundCheckpoints | None = None
        """SQLite, once a block has written :data:`_BULK_ROWS` rows: its checkpoints run on
        another thread (:mod:`lti_tool.db.sqlite_checkpoints`)."""

    def __enter__(self) -> Self:
        self._inserted, self._grown, self._analyzed = {}, {}, set()
        self._open_copy, self._commit_pending = None, False
        self._upserted, self._checkpoints = 0, None
        return super().__enter__()

    @property
    def connection(self) -> Connection:
        """The block's connection, once a ``COPY`` left open by the last batch has ended (and
        the commit asked for meanwhile is done): every statement goes through here."""
        if self._open_copy is not None or self._commit_pending:
            self._settle()
        return self._connection

    @connection.setter
    def connection(self, value: Connection) -> None:
        self._connection = value

    def commit(self) -> None:
        """Commit; with a ``COPY`` still open, when the connection is next used (or the block
        ends), so the server finishes storing this batch while the next one is prepared.
        Nothing reads this batch's rows before then except through this connection, and any
        error from ending the ``COPY`` surfaces there, before anything else is written."""
        if self._open_copy is not None:
            self._commit_pending = True
            return
        super().commit()
        if self._checkpoints is not None:
            self._checkpoints.committed()
        elif not self.server_side and self._upserted >= _BULK_ROWS:
            driver = self._connection.connection.driver_connection
            self._checkpoints = BackgroundCheckpoints(self._engine, driver)
            self._checkpoints.start()
            self._checkpoints.committed()

    def _settle(self) -> None:
        opened, self._open_copy = self._open_copy, None
        commit, self._commit_pending = self._commit_pending, False
        if opened is not None:
            with self._driver_errors():
                opened.close()  # ends the COPY: waits for the server to have stored the rows
        if commit:
            super().commit()

    def _settle_after(self, failing: bool) -> None:
        """At the block's end: the commit asked for is done; when the block is ending on an
        error, a failure here is logged, not raised over that error."""
        try:
            self._settle()
        except Exception:
            if not failing:
                raise
            _log.exception("Ending the last roster batch's COPY failed after another error")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._commit_pending:
                self._settle_after(exc_type is not None)  # asked for before anything failed
            elif self._open_copy is not None:
                opened, self._open_copy = self._open_copy, None
                opened.__exit__(exc_type, exc, traceback)  # ends it, or aborts it on an error
        finally:
            self._open_copy, self._commit_pending = None, False
            checkpoints, self._checkpoints = self._checkpoints, None
            try:
                if checkpoints is not None:
                    checkpoints.stop()
            finally:
                super().__exit__(exc_type, exc, traceback)

    def _lookup(self, scope_id: str, entity: Entity, table: Table, ids: list[str]) -> list[str]:
        """Which of ``ids`` may be stored: all of them, unless the table held none of the
        district's rows when this import began (then only those :class:`_Inserted` flags)."""
        inserted = self._inserted.get(scope_id)
        if inserted is None:
            inserted = self._inserted[scope_id] = _Inserted()
        fresh = inserted.fresh.get(entity)
        if fresh is None:
            any_row = select(table.c.id).where(table.c.scope_id == scope_id).limit(1)
            fresh = inserted.fresh[entity] = self.connection.scalar(any_row) is None
        return inserted.maybe_stored(entity, ids) if fresh else ids

    def upsert(self, scope_id: str, run_id: str, records: Sequence[RosterRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        self._upserted += len(records)
        table = ROSTER_TABLES[records[0].entity]
        batch: dict[str, RosterRecord] = {}
        duplicates: list[RosterRecord] = []
        for record in records:
            if record.sourced_id in batch:
                duplicates.append(record)
            else:
                batch[record.sourced_id] = record
        entity = records[0].entity
        lookup = self._lookup(scope_id, entity, table, list(batch))
        stored = self._stored(table, scope_id, lookup) if lookup else {}
        created: list[str] = []
        updates: list[tuple[Any, ...]] = []
        deletes: list[tuple[Any, int]] = []
        touched: list[int] = []
        unknown: list[RosterRecord] = []
        attrs = all_attrs(entity)
        date = self._dates(table)
        with self._new_rows(table, attrs) as insert:
            for sourced_id, record in batch.items():
                row = stored.get(sourced_id)  # (id, fingerprint, active, last_seen_run)
                columns = record.columns()
                fingerprint = record.fingerprint(columns)
                if row is None:
                    if not record.active:
                        unknown.append(record)
                        continue
                    insert((
                        scope_id, sourced_id, True, date(record.modified), fingerprint, run_id,
                        record.extra or None, *columns,
                    ))  # fmt: skip
                    created.append(sourced_id)
                elif row[3] == run_id:
                    duplicates.append(record)
                elif row[1] == fingerprint or (not record.active and not row[2]):
                    touched.append(row[0])
                elif not record.active:
                    deletes.append((date(record.modified), row[0]))
                else:
                    updates.append((
                        date(record.modified), fingerprint, run_id, record.extra or None, *columns,
                        row[0],
                    ))  # fmt: skip
        if created:
            self._inserted[scope_id].add(entity, created)
            self._keep_statistics(entity, len(created))
        if updates:
            self._update(table, attrs, updates)
        if deletes:
            self._soft_delete(table, deletes, run_id)
        if touched:
            self._mark_seen(table, touched, run_id)
        return UpsertCounts(
            created=len(created),
            updated=len(updates),
            unchanged=len(touched),
            deleted=len(deletes),
            duplicates=tuple(duplicates),
            unknown_deletes=tuple(unknown),
        )

    def _keep_statistics(self, entity: Entity, inserted: int) -> None:
        """PostgreSQL plans lookups on a table that just grew from empty with the statistics
        of an empty table and scans it whole for every batch (quadratic on a first import):
        ANALYZE it once this import has put 500 rows in. Once the statistics know how many
        rows a page holds, the planner scales them by the table's current size, so lookups of
        a few ids stay index scans however far the table grows (ANALYZE each time it doubled
        cost the server about half as much again as the COPY itself at 100,000 rows).
        SQLite uses the unique index regardless."""
        if not self._postgres or entity in self._analyzed:
            return
        grown = self._grown.get(entity, 0) + inserted
        self._grown[entity] = grown
        if grown >= 500:
            self.connection.execute(text(f"ANALYZE {ROSTER_TABLES[entity].name}"))
            self._analyzed.add(entity)

    def known(self, scope_id: str, entity: Entity, sourced_ids: Collection[str]) -> set[str]:
        if not sourced_ids:
            return set()
        table = ROSTER_TABLES[entity]
        found = self.connection.execute(
            select(table.c.sourced_id).where(
                table.c.scope_id == scope_id, self._among(table.c.sourced_id)
            ),
            {"ids": list(sourced_ids)},
        ).all()
        return {row[0] for row in found}

    def count_active(self, scope_id: str, entity: Entity) -> int:
        table = ROSTER_TABLES[entity]
        query = select(func.count()).where(table.c.scope_id == scope_id, table.c.active)
        return int(self.connection.scalar(query) or 0)

    def count_absent(
        self, scope_id: str, entity: Entity, run_id: str, within: tuple[str, str] | None = None
    ) -> int:
        query = select(func.count()).where(*_absent(entity, scope_id, run_id, within))
        return int(self.connection.scalar(query) or 0)

    def deactivate_absent(
        self, scope_id: str, entity: Entity, run_id: str, within: tuple[str, str] | None = None
    ) -> int:
        table = ROSTER_TABLES[entity]
        result = self.connection.execute(
            update(table)
            .where(*_absent(entity, scope_id, run_id, within))
            .values(active=False, fingerprint="")
        )
        return int(result.rowcount)

    def apply_primary_roles(self, scope_id: str) -> None:
        users, roles = ROSTER_TABLES[Entity.USERS], ROSTER_TABLES[Entity.ROLES]
        primary = (
            select(func.min(roles.c.role))
            .where(
                roles.c.scope_id == users.c.scope_id,
                roles.c.user_sourced_id == users.c.sourced_id,
                roles.c.active,
                roles.c.role_type == "primary",
            )
            .scalar_subquery()
        )
        self.connection.execute(
            update(users)
            .where(users.c.scope_id == scope_id, users.c.role.is_distinct_from(primary))
            .values(role=primary)
        )  # only rows whose role changed are written

    def unlinked_staff(
        self, scope_id: str, roles: Collection[str], after: str, limit: int
    ) -> list[RosterUser]:
        users = ROSTER_TABLES[Entity.USERS]
        rows = self.connection.execute(
            select(users)
            .where(
                users.c.scope_id == scope_id,
                users.c.active,
                users.c.person_id.is_(None),
                users.c.role.in_(list(roles)),
                users.c.sourced_id > after,
            )
            .order_by(users.c.sourced_id)
            .limit(limit)
        )
        return [_user(row._mapping) for row in rows]

    def link(self, scope_id: str, sourced_id: str, person_id: str, employee_id: str | None) -> None:
        users = ROSTER_TABLES[Entity.USERS]
        self.connection.execute(
            update(users)
            .where(users.c.scope_id == scope_id, users.c.sourced_id == sourced_id)
            .values(person_id=person_id, employee_id=employee_id)
        )

    def people_with_identity(self, kind: str, value: str, namespace: str | None) -> set[str]:
        query = select(ExternalIdentityRow.person_id).where(
            ExternalIdentityRow.kind == kind, ExternalIdentityRow.value == value
        )
        if namespace is not None:
            query = query.where(ExternalIdentityRow.namespace == namespace)
        return set(self.connection.scalars(query))

    def sourced_ids_of(self, scope_id: str, person_ids: Collection[str]) -> dict[str, str]:
        if not person_ids:
            return {}  # SQLite would scan the district's users for an empty IN
        users = ROSTER_TABLES[Entity.USERS]
        rows = self.connection.execute(
            select(users.c.person_id, users.c.sourced_id).where(
                users.c.scope_id == scope_id, users.c.person_id.in_(list(person_ids))
            )
        )
        return {row.person_id: row.sourced_id for row in rows}

    def bookmark(self, provider: str, entity: Entity) -> str | None:
        table = roster_bookmarks
        return self.connection.scalar(
            select(table.c.value).where(table.c.provider == provider, table.c.entity == entity)
        )

    def save_bookmark(self, provider: str, entity: Entity, value: str | None) -> None:
        table = roster_bookmarks
        where = (table.c.provider == provider, table.c.entity == entity.value)
        done = self.connection.execute(update(table).where(*where).values(value=value))
        if not done.rowcount:
            self.connection.execute(
                insert(table).values(provider=provider, entity=entity.value, value=value)
            )


def _absent(
    entity: Entity, scope_id: str, run_id: str, within: tuple[str, str] | None
) -> list[Any]:
    table = ROSTER_TABLES[entity]
    where = [table.c.scope_id == scope_id, table.c.active, table.c.last_seen_run != run_id]
    if within is not None:
        where.append(table.c[within[0]] == within[1])
    return where


def _user(row: Any) -> RosterUser:
    return RosterUser(
        sourced_id=row["sourced_id"],
        values={attr: row[attr] for attr in _USER_ATTRS},
        extra=dict(row["extra"] or {}),
        role=row["role"],
        person_id=row["person_id"],
        employee_id=row["employee_id"],
    )
