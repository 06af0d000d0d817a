"""SQLite checkpoints off a bulk writer's path.

In WAL mode the connection whose commit takes the WAL past ``wal_autocheckpoint`` pages then
copies every page in it into the database file and fsyncs both files before its commit returns.
For an import that is the writer stopping, batch after batch: a 5% delta of a million
enrollments rewrites pages all over the file, and its checkpoints were about a quarter of its
time (timed by hand with checkpoints off; ``bench/roster.py`` shows the whole delta). SQLite's
documentation suggests the way out used here: turn automatic checkpoints off on the writer's
connection and run them from another thread on a connection of its own. A ``PASSIVE`` checkpoint
takes no lock a writer needs, and :mod:`sqlite3` lets go of the GIL while SQLite works, so the
copying and fsyncs run on another core while the writer reads the next batch.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine

_log = logging.getLogger(__name__)


class BackgroundCheckpoints:
    """Checkpoints for one writer's connection, on a thread, after each :meth:`committed`.

    ``start`` turns the writer's automatic checkpoints off (when the database is in WAL
    mode) and ``stop`` checkpoints what is left, ends the thread and gives the writer its
    setting back, so the WAL is no bigger after the import than before it."""

    def __init__(self, engine: Engine, writer: Any) -> None:
        self._engine = engine
        self._writer = writer
        """The writer's DBAPI connection (``sqlite3.Connection``)."""
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._writer_setting: int | None = None

    def start(self) -> None:
        cursor = self._writer.cursor()
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                return
            self._writer_setting = int(cursor.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        finally:
            cursor.close()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """The writer committed: checkpoint what it wrote (once the last checkpoint is done).
        If the thread has died (a failed checkpoint, logged), the writer checkpoints again."""
        if self._thread is not None and not self._thread.is_alive():
            self.stop()
        self._wake.set()

    def stop(self) -> None:
        """Checkpoint what is left and give the writer its setting back (whatever the thread
        did, and even when it never started)."""
        if self._thread is not None:
            self._stopping = True
            self._wake.set()
            self._thread.join()
            self._thread = None
        setting, self._writer_setting = self._writer_setting, None
        if setting is not None:
            cursor = self._writer.cursor()
            try:
                cursor.execute(f"PRAGMA wal_autocheckpoint={setting:d}")
            finally:
                cursor.close()

    def _run(self) -> None:
        connection = self._engine.raw_connection()
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                stopping = self._stopping
                cursor = connection.cursor()
                try:
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                finally:
                    cursor.close()
                if stopping:
                    return
        except Exception:  # a failed checkpoint loses nothing: the pages stay in the WAL
            _log.exception("A background SQLite checkpoint failed")
        finally:
            connection.close()
