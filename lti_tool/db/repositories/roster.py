"""The roster store over SQLAlchemy Core: batched upserts that tell created, updated, unchanged
and deleted apart by a fingerprint, and mark what each run has seen.

One connection and one transaction per ``with`` block; :meth:`SqlRosterStore.commit` commits and
opens the next transaction, so an import commits batch by batch on one connection.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    Engine,
    Integer,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)

from lti_tool.db.models import ExternalIdentityRow
from lti_tool.db.models.roster import ROSTER_TABLES, roster_bookmarks
from lti_tool.db.repositories.roster_extra import RosterQuestionsAndReports
from lti_tool.db.repositories.scope import TransactionScope
from lti_tool.domain.roster.entities import Entity, RosterRecord, all_attrs
from lti_tool.ports import RosterUser, UpsertCounts

_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
"""One parameter for a list of sourcedIds (no per-value coercion of thousands of literals)."""
_ID_ARRAY: BindParameter[Any] = bindparam("ids", type_=ARRAY(String()))
"""PostgreSQL: the list as one array (``= ANY``), not thousands of placeholders to render."""
_ROWS: BindParameter[list[int]] = bindparam("rows", expanding=True)
_ROW_ARRAY: BindParameter[Any] = bindparam("rows", type_=ARRAY(Integer()))
_INSERT_COLUMNS = (
    "scope_id",
    "sourced_id",
    "active",
    "date_last_modified",
    "fingerprint",
    "last_seen_run",
    "extra",
)
_USER_ATTRS = tuple(c.name for c in ROSTER_TABLES[Entity.USERS].c)[8:-2]


class SqlRosterStore(RosterQuestionsAndReports, TransactionScope):
    """``with store: ...; store.commit()``; leaving the block rolls back what was not committed."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._postgres = engine.dialect.name == "postgresql"
        self._grown: dict[Entity, int] = {}
        self._analyzed_at: dict[Entity, int] = {}

    def upsert(self, scope_id: str, run_id: str, records: Sequence[RosterRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        table = ROSTER_TABLES[records[0].entity]
        batch: dict[str, RosterRecord] = {}
        duplicates: list[RosterRecord] = []
        for record in records:
            if record.sourced_id in batch:
                duplicates.append(record)
            else:
                batch[record.sourced_id] = record
        stored = {
            row.sourced_id: row
            for row in self.connection.execute(
                select(
                    table.c.id,
                    table.c.sourced_id,
                    table.c.fingerprint,
                    table.c.active,
                    table.c.last_seen_run,
                ).where(table.c.scope_id == scope_id, self._among(table.c.sourced_id)),
                {"ids": list(batch)},
            ).all()  # one fetchall, not a fetch per row
        }
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        deletes: list[dict[str, Any]] = []
        touched: list[int] = []
        unknown: list[RosterRecord] = []
        for sourced_id, record in batch.items():
            row = stored.get(sourced_id)
            columns = record.columns()
            fingerprint = record.fingerprint(columns)
            if row is None:
                if not record.active:
                    unknown.append(record)
                    continue
                inserts.append((
                    scope_id, sourced_id, True, record.modified, fingerprint, run_id,
                    record.extra or None, *columns,
                ))  # fmt: skip
            elif row.last_seen_run == run_id:
                duplicates.append(record)
            elif row.fingerprint == fingerprint or (not record.active and not row.active):
                touched.append(row.id)
            elif not record.active:
                deletes.append({"_id": row.id, "date_last_modified": record.modified})
            else:
                updates.append((
                    record.modified, fingerprint, run_id, record.extra or None, *columns, row.id,
                ))  # fmt: skip
        if inserts:
            self._insert(table, all_attrs(records[0].entity), inserts)
            self._keep_statistics(records[0].entity, len(inserts))
        if updates:
            self._update(table, all_attrs(records[0].entity), updates)
        if deletes:
            self.connection.execute(
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values(
                    active=False,
                    fingerprint="",
                    last_seen_run=run_id,
                    date_last_modified=bindparam("date_last_modified"),
                ),
                deletes,
            )
        if touched:
            ids = table.c.id == any_(_ROW_ARRAY) if self._postgres else table.c.id.in_(_ROWS)
            self.connection.execute(
                update(table).where(ids).values(last_seen_run=run_id), {"rows": touched}
            )
        return UpsertCounts(
            created=len(inserts),
            updated=len(updates),
            unchanged=len(touched),
            deleted=len(deletes),
            duplicates=tuple(duplicates),
            unknown_deletes=tuple(unknown),
        )

    def _among(self, column: Any) -> Any:
        """``column`` is one of the ``ids`` parameter's values."""
        return column == any_(_ID_ARRAY) if self._postgres else column.in_(_IDS)

    def _insert(self, table: Table, attrs: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """New rows, without SQLAlchemy's per-row parameter handling: ``COPY`` on PostgreSQL
        (in this transaction), one prepared ``executemany`` elsewhere. The datetime and JSON
        columns get the bind processing SQLAlchemy would have applied."""
        columns = (*_INSERT_COLUMNS, *attrs)
        if self._postgres:
            names = ", ".join(f'"{name}"' for name in columns)
            driver: Any = self.connection.connection.driver_connection
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    extra = row[6]
                    copy.write_row(
                        row if extra is None else (*row[:6], json.dumps(extra), *row[7:])
                    )
            return
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{name}"' for name in columns)  # our own names, never input
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608
        self.connection.exec_driver_sql(sql, self._bound(table, rows, 3, 6))

    def _update(self, table: Table, attrs: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Changed rows ``(date, fingerprint, run, extra, *attrs, id)``, without per-row
        parameter dictionaries: one prepared ``executemany`` (SQLite) or a staged update."""
        columns = ("date_last_modified", "fingerprint", "last_seen_run", "extra", *attrs)
        if self._postgres:
            self._update_staged(table, columns, rows)
            return
        sets = ", ".join(f'"{name}" = ?' for name in columns)  # our own names, never input
        sql = f"UPDATE {table.name} SET active = true, {sets} WHERE id = ?"  # noqa: S608
        self.connection.exec_driver_sql(sql, self._bound(table, rows, 0, 3))

    def _update_staged(
        self, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """PostgreSQL: ``COPY`` the changed rows into a temporary table, then one joined
        ``UPDATE``: one statement for the server instead of one per row."""
        stage = f"stage_{table.name}"
        names = ", ".join(f'"{name}"' for name in (*columns, "id"))  # our own names
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {names} FROM {table.name} WITH NO DATA"
        )
        driver: Any = self.connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in rows:
                extra = row[3]
                copy.write_row(row if extra is None else (*row[:3], json.dumps(extra), *row[4:]))
        sets = ", ".join(f'"{name}" = s."{name}"' for name in columns)
        self.connection.exec_driver_sql(
            f"UPDATE {table.name} AS t SET active = true, {sets} FROM {stage} AS s "  # noqa: S608
            "WHERE t.id = s.id"
        )
        self.connection.exec_driver_sql(f"DELETE FROM {stage}")  # noqa: S608

    def _bound(
        self, table: Table, rows: list[tuple[Any, ...]], when_at: int, extra_at: int
    ) -> list[tuple[Any, ...]]:
        """SQLite: the datetime and JSON cells as SQLAlchemy would bind them (text)."""
        if self._postgres:
            return rows
        dialect = self._engine.dialect
        when = table.c.date_last_modified.type.bind_processor(dialect)
        extra = table.c.extra.type.bind_processor(dialect)
        bound = []
        for row in rows:
            if row[when_at] is None and row[extra_at] is None:
                bound.append(row)
                continue
            cells = list(row)
            if when is not None and cells[when_at] is not None:
                cells[when_at] = when(cells[when_at])
            if extra is not None and cells[extra_at] is not None:
                cells[extra_at] = extra(cells[extra_at])
            bound.append(tuple(cells))
        return bound

    def _keep_statistics(self, entity: Entity, inserted: int) -> None:
        """PostgreSQL plans lookups on a table that just grew from empty with stale statistics
        and scans it whole for every batch (quadratic on a first import): ANALYZE it each time
        it doubles. SQLite uses the unique index regardless."""
        if not self._postgres:
            return
        grown = self._grown.get(entity, 0) + inserted
        self._grown[entity] = grown
        if grown >= max(500, self._analyzed_at.get(entity, 0)):
            self.connection.execute(text(f"ANALYZE {ROSTER_TABLES[entity].name}"))
            self._analyzed_at[entity] = self._analyzed_at.get(entity, 0) + grown
            self._grown[entity] = 0

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
