"""Engines and sessions. Nothing connects at import time: call :func:`make_engine`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint every ~32 MB of WAL instead of SQLite's 4 MB: with synchronous=NORMAL a commit
    # does not fsync, a checkpoint does (twice), and it lands on whichever small write crosses
    # the mark (every ~140 launches at 4 MB). Eight times fewer of them took LTI launch
    # validation from ~0.58 to ~0.63 of bare jwt.decode (BENCHMARKS.md); the price is a WAL
    # file of up to ~32 MB and a longer, rarer checkpoint.
    cursor.execute("PRAGMA wal_autocheckpoint=8000")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``. SQLite gets WAL, foreign keys and a busy timeout on every connection,
    and its folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def database_answers(engine: Engine) -> bool:
    """True when a trivial query succeeds; used by ``/healthz``."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
