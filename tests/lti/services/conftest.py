"""Fixtures for tests of the LTI service clients (tokens, NRPS, AGS): they talk HTTP to the fake
LMS, so one SQLite database is enough."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from lti_tool.bootstrap import Container
from lti_tool.lti.service_tokens import ServiceTokenClient
from tests.fakes.memory import FakeClock


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """SQLite only: these tests exercise HTTP against the fake LMS, not the database."""
    path = tmp_path / "credbridge.sqlite3"
    shutil.copyfile(sqlite_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))  # the fake LMS checks assertions against real time


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def tokens(container: Container, clock: FakeClock, http: requests.Session) -> ServiceTokenClient:
    return ServiceTokenClient(container.tool_keys, clock, http)
