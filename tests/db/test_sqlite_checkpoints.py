"""Background checkpoints for SQLite bulk writers: the writer's automatic checkpoints are off
while they run, its frames reach the database file from the other thread, and the writer's
setting is given back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from lti_tool.db.engine import make_engine
from lti_tool.db.sqlite_checkpoints import BackgroundCheckpoints


def test_checkpoints_run_on_their_thread_and_the_writer_gets_its_setting_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bulk.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT)"))
        connection.commit()
        writer = connection.connection.driver_connection
        assert writer is not None
        checkpoints = BackgroundCheckpoints(engine, writer)
        checkpoints.start()
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        for batch in range(5):
            connection.exec_driver_sql(
                "INSERT INTO rows (body) VALUES (?)",
                [(f"{batch}-{n}-" + "x" * 500,) for n in range(2000)],
            )
            connection.commit()
            checkpoints.committed()
        checkpoints.stop()
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 8000
        # The writer never checkpoints (0) and its connection is still open, so the 5 MB of
        # rows reached the database file through the checkpoint thread.
        assert path.stat().st_size > 5_000_000
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM rows").scalar() == 10_000
    engine.dispose()


def test_a_database_not_in_wal_mode_gets_no_thread(tmp_path: Path) -> None:
    engine = make_engine("sqlite://")  # in memory: journal mode "memory"
    with engine.connect() as connection:
        writer = connection.connection.driver_connection
        checkpoints = BackgroundCheckpoints(engine, writer)
        checkpoints.start()
        checkpoints.committed()
        checkpoints.stop()
        assert checkpoints._thread is None
    engine.dispose()
