"""The launch's own transaction: take the login state and spend the nonce on a pooled DBAPI
connection, without an ORM session.

``LtiAdapter.launch`` writes nothing else, and a unit of work (a session and twenty
repositories) plus SQLAlchemy's per-statement execution machinery cost more than the two
statements and the commit themselves (measured: median 276 µs per transaction through the unit
of work, 178 µs on a Core connection, 90 µs here, same SQLite file). The SQL is the very
statements the unit of work's repository runs (:data:`TAKE_LOGIN`, :data:`CONSUME_NONCE`),
compiled once per dialect, with their columns' own bind and result processing (the
``UTCDateTime`` conversions included), so rows written here and through the session are the same
rows. The web launch still consumes inside its sign-in's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnElement

from lti_tool.db.repositories.lti import ADD_LOGIN, CONSUME_NONCE, LAUNCH_STATES, TAKE_LOGIN
from lti_tool.db.uow import CONCURRENT_WRITE, is_lock_conflict
from lti_tool.domain.errors import ConflictError
from lti_tool.ports import PendingLogin

_Processor = Callable[[Any], Any] | None


class _Prepared:
    """One statement compiled for one dialect: SQL text, parameter order, bind processors."""

    def __init__(
        self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None = None
    ) -> None:
        compiled = cast(
            SQLCompiler,
            statement.compile(dialect=dialect, column_keys=list(column_keys or ())),
        )
        self.sql = compiled.string
        self._positional = compiled.positional
        names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
        self._binds: list[tuple[str, _Processor]] = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        ]

    def parameters(self, values: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        processed = [
            (name, values[name] if process is None else process(values[name]))
            for name, process in self._binds
        ]
        if self._positional:
            return tuple(value for _, value in processed)
        return dict(processed)


def _result_processor(column: ColumnElement[Any], dialect: Dialect) -> Callable[[Any], Any]:
    process = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return process if process is not None else (lambda value: value)


class LaunchStateStatements:
    """:data:`TAKE_LOGIN` and :data:`CONSUME_NONCE` compiled for ``engine``'s dialect, once per
    process (the composition root builds it)."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        self.engine = engine
        self.take = _Prepared(TAKE_LOGIN, dialect)
        self.add = _Prepared(
            ADD_LOGIN,
            dialect,
            ("state", "nonce", "registration_id", "created_at", "expires_at"),
        )
        self.consume = _Prepared(
            CONSUME_NONCE[dialect.name == "postgresql"],
            dialect,
            ("issuer", "nonce", "used_at", "expires_at"),
        )
        self.expires_at = _result_processor(LAUNCH_STATES.c.expires_at, dialect)
        dbapi = dialect.loaded_dbapi
        self.integrity_error: type[Exception] = dbapi.IntegrityError
        self.operational_error: type[Exception] = dbapi.OperationalError


class SqlLaunchStateTransaction:
    """``with transaction: transaction.launch_states.take_login(...); ...; commit()``: one
    pooled connection, one transaction; leaving without commit rolls back (the pool does, on
    return)."""

    def __init__(self, statements: LaunchStateStatements) -> None:
        self._sql = statements

    @property
    def launch_states(self) -> Self:
        return self

    def __enter__(self) -> Self:
        self._connection = self._sql.engine.raw_connection()
        try:
            self._cursor = self._connection.cursor()
        except BaseException:
            self._connection.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._cursor.close()
        finally:
            self._connection.close()  # back to the pool, which rolls back what was not committed
        self._raise_conflict(exc)

    def _raise_conflict(self, error: BaseException | None) -> None:
        if isinstance(error, self._sql.integrity_error) or (
            isinstance(error, self._sql.operational_error) and is_lock_conflict(error)
        ):
            raise ConflictError(CONCURRENT_WRITE) from error

    def add_login(self, login: PendingLogin, created_at: datetime) -> None:
        add = self._sql.add
        values = {
            "state": login.state,
            "nonce": login.nonce,
            "registration_id": login.registration_id,
            "created_at": created_at,
            "expires_at": login.expires_at,
        }
        self._cursor.execute(add.sql, add.parameters(values))

    def take_login(self, state: str, now: datetime) -> PendingLogin | None:
        take = self._sql.take
        self._cursor.execute(take.sql, take.parameters({"taken": state}))
        row = self._cursor.fetchone()
        if row is None:
            return None
        nonce, registration_id, expires_at = row
        login = PendingLogin(state, nonce, registration_id, self._sql.expires_at(expires_at))
        return login if login.expires_at > now else None

    def consume_nonce(self, issuer: str, nonce: str, now: datetime, expires_at: datetime) -> bool:
        consume = self._sql.consume
        values = {"issuer": issuer, "nonce": nonce, "used_at": now, "expires_at": expires_at}
        self._cursor.execute(consume.sql, consume.parameters(values))
        return self._cursor.fetchone() is not None

    def commit(self) -> None:
        try:
            self._connection.commit()
        except Exception as error:
            self._connection.rollback()
            self._raise_conflict(error)
            raise


class SqlLaunchStateTransactionFactory:
    def __init__(self, engine: Engine) -> None:
        self._statements = LaunchStateStatements(engine)

    def __call__(self) -> SqlLaunchStateTransaction:
        return SqlLaunchStateTransaction(self._statements)
