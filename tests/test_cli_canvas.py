"""``credbridge canvas connect`` and ``sync-course`` against the fake Canvas on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.fakes.canvas import ACCOUNT_TOKEN, CLIENT_ID, CLIENT_SECRET, FakeCanvas, course_data
from tests.test_cli import OTHER_SETTINGS, run


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in OTHER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CREDBRIDGE_INSTANCE_PATH", str(tmp_path / "instance"))
    assert run("db", "upgrade").exit_code == 0
    yield path


def test_connect_then_sync_a_course(database: Path) -> None:
    with FakeCanvas() as canvas:
        canvas.add_course(course_data(101, students=30, sections=2))
        bad = run("canvas", "connect", "--base-url", "ftp://nope", "--client-id", "abc",
                  "--client-secret", "x", "--org", "riverbend")  # fmt: skip
        assert bad.exit_code != 0
        assert "base_url" in bad.output and "client_id" in bad.output
        result = run("canvas", "connect", "--base-url", canvas.base_url + "/", "--client-id",
                     CLIENT_ID, "--client-secret", CLIENT_SECRET, "--token", ACCOUNT_TOKEN,
                     "--org", "riverbend")  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "with an account token" in result.output
        assert CLIENT_SECRET not in result.output and ACCOUNT_TOKEN not in result.output
        synced = run("canvas", "sync-course", "101", "--json")
        assert synced.exit_code == 0, synced.output
        assert '"users"' in synced.output
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        users = connection.execute(text("SELECT count(*) FROM roster_users")).scalar()
        secret = connection.execute(text("SELECT client_secret FROM canvas_connections")).scalar()
    engine.dispose()
    assert users == 31
    assert secret and CLIENT_SECRET not in secret


def test_sync_without_a_connection_says_what_to_do(database: Path) -> None:
    result = run("canvas", "sync-course", "101")
    assert result.exit_code != 0
    assert "credbridge canvas connect" in result.output
