"""One connection and one transaction per ``with`` block, committed in steps: the shape of the
roster store and the schedules, which write in batches on one connection."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, Transaction


class TransactionScope:
    """``with scope: ...; scope.commit()``; leaving the block rolls back what was not committed."""

    connection: Connection

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._transaction: Transaction | None = None

    def __enter__(self) -> Self:
        self.connection = self._engine.connect()
        self._transaction = self.connection.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()
        self.connection.close()

    def commit(self) -> None:
        """Commit, and open the next transaction on the same connection."""
        assert self._transaction is not None
        self._transaction.commit()
        self._transaction = self.connection.begin()
