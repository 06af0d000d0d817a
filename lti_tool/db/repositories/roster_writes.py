"""How the roster store writes thousands of rows: without SQLAlchemy's per-row parameter
handling. New rows go in by ``COPY`` (PostgreSQL) or one prepared ``executemany`` (SQLite);
changed rows by a staged ``UPDATE`` (PostgreSQL) or one prepared ``executemany`` (SQLite);
lists of sourcedIds travel as one parameter."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    any_,
    bindparam,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError

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


class RosterWrites:
    """Mixed into :class:`~lti_tool.db.repositories.roster.SqlRosterStore`."""

    connection: Connection
    _engine: Engine
    _postgres: bool
    _open_copy: ExitStack | None = None
    """A ``COPY`` of new rows whose data is all sent but not yet ended: the server stores
    those rows while this thread goes on (the next batch's checks, or waiting for the
    reader). Ended by the next use of the connection (:class:`SqlRosterStore`)."""

    def _among(self, column: Any) -> Any:
        """``column`` is one of the ``ids`` parameter's values."""
        return column == any_(_ID_ARRAY) if self._postgres else column.in_(_IDS)

    def _stored(
        self, table: Table, scope_id: str, sourced_ids: list[str]
    ) -> dict[str, tuple[Any, ...]]:
        """The stored rows among ``sourced_ids``: ``sourced_id -> (id, fingerprint, active,
        last_seen_run)``, read as plain tuples by one driver-level statement (SQLAlchemy's
        expansion of thousands of ``IN`` values and its row objects cost a delta import more
        than SQLite's index lookups do)."""
        select = f"SELECT sourced_id, id, fingerprint, active, last_seen_run FROM {table.name} "  # noqa: S608
        if self._postgres:
            sql = select + "WHERE scope_id = %s AND sourced_id = ANY(%s)"
            params: tuple[Any, ...] = (scope_id, sourced_ids)
        else:
            sql = select + f"WHERE scope_id = ? AND sourced_id IN ({_marks(len(sourced_ids))})"
            params = (scope_id, *sourced_ids)
        cursor = self.connection.connection.cursor()
        try:
            with self._driver_errors():
                cursor.execute(sql, params)
                return {row[0]: row[1:] for row in cursor.fetchall()}
        finally:
            cursor.close()

    @contextmanager
    def _driver_errors(self) -> Iterator[None]:
        """What the driver raises where it is used directly (the lookup, the ``COPY``), raised
        as SQLAlchemy's error for it, like any other statement's: the CLI and the web app turn
        those into a message, where a bare driver error was a stack trace."""
        dbapi = self._engine.dialect.loaded_dbapi
        try:
            yield
        except dbapi.Error as error:
            raise DBAPIError.instance(
                None, None, error, dbapi.Error, dialect=self._engine.dialect
            ) from error

    def _insert(self, table: Table, attrs: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """SQLite: new rows by one prepared ``executemany``, without SQLAlchemy's per-row
        parameter handling; the JSON column bound as SQLAlchemy would (dates already are)."""
        columns = (*_INSERT_COLUMNS, *attrs)
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{name}"' for name in columns)  # our own names, never input
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608
        self.connection.exec_driver_sql(sql, self._bound(table, rows, 6))

    @contextmanager
    def _new_rows(
        self, table: Table, attrs: tuple[str, ...]
    ) -> Iterator[Callable[[tuple[Any, ...]], None]]:
        """Where :meth:`upsert` puts new rows as it finds them. On PostgreSQL straight into a
        ``COPY``, started at the first new row, so the server stores rows while Python still
        sorts out the rest of the batch; the ``COPY`` is left open when the block ends (see
        :attr:`_open_copy`). On SQLite into a list written by :meth:`_insert` at the end."""
        if not self._postgres:
            rows: list[tuple[Any, ...]] = []
            yield rows.append
            if rows:
                self._insert(table, attrs, rows)
            return
        names = ", ".join(f'"{name}"' for name in (*_INSERT_COLUMNS, *attrs))
        copy_in = _CopyIn(
            self.connection.connection.driver_connection, f"COPY {table.name} ({names}) FROM STDIN"
        )
        try:
            with self._driver_errors():
                yield copy_in.put
        except BaseException as error:
            if copy_in.opened is not None:
                copy_in.opened.__exit__(type(error), error, error.__traceback__)  # aborts it
            raise
        self._open_copy = copy_in.opened

    def _update(self, table: Table, attrs: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Changed rows ``(date, fingerprint, run, extra, *attrs, id)``, without per-row
        parameter dictionaries: one prepared ``executemany`` (SQLite) or a staged update."""
        columns = ("date_last_modified", "fingerprint", "last_seen_run", "extra", *attrs)
        if self._postgres:
            self._update_staged(table, columns, rows)
            return
        sets = ", ".join(f'"{name}" = ?' for name in columns)  # our own names, never input
        sql = f"UPDATE {table.name} SET active = true, {sets} WHERE id = ?"  # noqa: S608
        self.connection.exec_driver_sql(sql, self._bound(table, rows, 3))

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
        self, table: Table, rows: list[tuple[Any, ...]], extra_at: int
    ) -> list[tuple[Any, ...]]:
        """SQLite: the JSON cells (at ``extra_at``) as SQLAlchemy would bind them (text); the
        dates were bound by :meth:`_dates` when the rows were made."""
        extra = table.c.extra.type.bind_processor(self._engine.dialect)
        if extra is None or all(row[extra_at] is None for row in rows):
            return rows
        return [
            row if row[extra_at] is None else (*row[:extra_at], extra(row[extra_at]),
                                               *row[extra_at + 1 :])
            for row in rows
        ]  # fmt: skip

    def _dates(self, table: Table) -> Callable[[Any], Any]:
        """How ``date_last_modified`` goes into a row to write: as it is on PostgreSQL; on
        SQLite as the text it is stored as, worked out once per distinct date (a file's rows
        mostly share a few): SQLAlchemy's bind processing, then what :mod:`sqlite3`'s datetime
        adapter would make of a datetime (``isoformat(" ")``), so nothing is adapted or copied
        row by row."""
        if self._postgres:
            return _as_is
        process = table.c.date_last_modified.type.bind_processor(self._engine.dialect)
        texts: dict[Any, Any] = {None: None}

        def as_text(date: Any) -> Any:
            try:
                return texts[date]
            except KeyError:
                value = process(date) if process is not None else date
                found = texts[date] = value.isoformat(" ") if isinstance(value, datetime) else value
                return found

        return as_text

    def _soft_delete(self, table: Table, rows: list[tuple[Any, int]], run_id: str) -> None:
        """Rows a delta marks ``tobedeleted`` ``(date, id)``, dates bound by :meth:`_dates`:
        inactive, fingerprint cleared, seen by this run. One ``UPDATE`` joined to the two lists
        as arrays on PostgreSQL (one statement, not one per row), one prepared ``executemany``
        of tuples on SQLite."""
        if self._postgres:
            self.connection.execute(
                text(
                    f"UPDATE {table.name} AS t SET active = false, fingerprint = '', "  # noqa: S608
                    "last_seen_run = :run, date_last_modified = d.date_last_modified "
                    "FROM unnest(:dates, :rows) AS d(date_last_modified, id) WHERE t.id = d.id"
                ).bindparams(bindparam("dates", type_=ARRAY(DateTime(timezone=True))), _ROW_ARRAY),
                {"run": run_id, "dates": [r[0] for r in rows], "rows": [r[1] for r in rows]},
            )
            return
        sql = (
            f"UPDATE {table.name} SET active = 0, fingerprint = '', last_seen_run = ?, "  # noqa: S608
            "date_last_modified = ? WHERE id = ?"
        )
        self.connection.exec_driver_sql(sql, [(run_id, date, row_id) for date, row_id in rows])

    def _mark_seen(self, table: Table, ids: list[int], run_id: str) -> None:
        """Unchanged rows: only ``last_seen_run`` moves, for the ids as one parameter."""
        among = table.c.id == any_(_ROW_ARRAY) if self._postgres else table.c.id.in_(_ROWS)
        self.connection.execute(
            update(table).where(among).values(last_seen_run=run_id), {"rows": ids}
        )


@lru_cache(maxsize=8)
def _marks(count: int) -> str:
    """``?, ?, ...``: SQLite placeholders for ``count`` values (a batch's size repeats)."""
    return ", ".join("?" * count)


class _CopyIn:
    """A ``COPY ... FROM STDIN`` of new rows, started by the first row put (a batch with no
    new row starts none); :attr:`opened` holds its cursor and ``COPY`` once started."""

    def __init__(self, driver: Any, sql: str) -> None:
        self._driver, self._sql = driver, sql
        self.opened: ExitStack | None = None
        self._write: Callable[[Any], None] | None = None

    def put(self, row: tuple[Any, ...]) -> None:
        if self._write is None:
            self.opened = ExitStack()
            cursor = self.opened.enter_context(self._driver.cursor())
            self._write = self.opened.enter_context(cursor.copy(self._sql)).write_row
        extra = row[6]
        self._write(row if extra is None else (*row[:6], json.dumps(extra), *row[7:]))


def _as_is(value: Any) -> Any:
    return value
