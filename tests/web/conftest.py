"""A running app per test over a real database, the demo catalog, and a small district."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.bootstrap import Container, build
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.settings import load_settings
from lti_tool.web.app import create_app

REPO = Path(__file__).resolve().parents[2]
DEMO_CATALOG = REPO / "config" / "catalog" / "demo.yaml"


@dataclass
class District:
    """Ids of the people every web test can sign in as."""

    teacher: str
    other_teacher: str
    assessor: str
    second_assessor: str
    lead_assessor: str
    issuer: str
    admin: str
    school_name: str
    district_name: str


def make_settings(database_url: str, instance: Path, **extra: str):  # type: ignore[no-untyped-def]
    env = {
        "DATABASE_URL": database_url,
        "CREDBRIDGE_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "CREDBRIDGE_DEMO": "1",
        **extra,
    }
    return load_settings(env)


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    built = build(
        make_settings(
            database_url, tmp_path / "instance", CREDBRIDGE_MAX_UPLOAD_BYTES=str(2 * 1024 * 1024)
        )
    )
    built.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    yield built
    built.engine.dispose()


@pytest.fixture
def district(container: Container) -> District:
    people = container.people
    district = people.add_organization(
        "Lakeside School District", OrganizationKind.DISTRICT, slug="lakeside"
    )
    school = people.add_organization(
        "Lakeside North High", OrganizationKind.SCHOOL, parent_id=district.id
    )

    def person(name: str, org: str, *roles: Role) -> str:
        email = name.lower().replace(" ", ".") + "@lakeside.example"
        return people.add_person(
            name, email=email, organization_id=org, roles=tuple((role, org) for role in roles)
        ).id

    return District(
        teacher=person("Theodora Quill", school.id, Role.EDUCATOR),
        other_teacher=person("Oscar Penrose", school.id, Role.EDUCATOR),
        assessor=person("Ada Assessor", district.id, Role.ASSESSOR),
        second_assessor=person("Ben Second", district.id, Role.ASSESSOR),
        lead_assessor=person("Lea Lead", district.id, Role.ASSESSOR),
        issuer=person("Ivy Issuer", district.id, Role.ISSUER),
        admin=person("Adam Admin", district.id, Role.ADMIN),
        school_name=school.name,
        district_name=district.name,
    )


@pytest.fixture
def app(container: Container) -> Flask:
    return create_app(container=container)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
