"""A wired application on each database backend, a district, and the CSV fixtures."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.bootstrap import Container, build
from lti_tool.db.models.roster import ROSTER_TABLES
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.report import ImportReport
from lti_tool.ports import Clock
from lti_tool.services.common import Actor
from lti_tool.settings import load_settings

ADMIN = Actor(person_id="admin", display_name="Admin", roles=frozenset({Role.ADMIN}))
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "oneroster"


def make_container(database_url: str, tmp_path: Path, clock: Clock | None = None) -> Container:
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "CREDBRIDGE_INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "CREDBRIDGE_DEMO": "1",  # demo mode, as the admin page tests expect
        }
    )
    return build(settings, clock=clock)


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    built = make_container(database_url, tmp_path)
    yield built
    built.lti.http.close()
    built.roster_http.close()
    built.engine.dispose()


@pytest.fixture
def scope(container: Container) -> str:
    return container.people.add_organization(
        "Riverbend Unified", OrganizationKind.DISTRICT, slug="riverbend"
    ).id


def package(name: str) -> Path:
    return FIXTURES / name


def zipped(folder: Path, target: Path, *, inside: str = "") -> Path:
    """``folder``'s files in a zip, under ``inside`` (e.g. ``export/``) when given."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, inside + path.name)
    return target


def copy_package(name: str, target: Path) -> Path:
    shutil.copytree(FIXTURES / name, target)
    return target


def run_import(container: Container, path: Path, scope: str, **options: bool) -> ImportReport:
    with container.roster_package(path) as source:
        return container.roster.import_source(source, scope, **options)  # type: ignore[arg-type]


def stored(container: Container, entity: Entity, scope: str) -> dict[str, dict[str, object]]:
    """Every stored record of ``entity`` by sourcedId, as column -> value."""
    table = ROSTER_TABLES[entity]
    with container.engine.connect() as connection:
        rows = connection.execute(select(table).where(table.c.scope_id == scope))
        return {row.sourced_id: dict(row._mapping) for row in rows}


def codes(report: ImportReport) -> dict[str, int]:
    return dict(report.problem_counts)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment ``credbridge`` commands read, pointing at the test's database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CREDBRIDGE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
    monkeypatch.delenv("CREDBRIDGE_ENV", raising=False)
    return database_url
