"""Fixtures for credit and stipend tests: a district with a school, its people, and awards
made through the services, over a real database (SQLite; PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lti_tool.bootstrap import Container, build
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.roles import IdentityKind, OrganizationKind, Role
from lti_tool.services.common import Actor
from tests.journeys import award_through_services
from tests.web.conftest import DEMO_CATALOG, make_settings


@dataclass
class CreditWorld:
    container: Container
    district_id: str
    school_id: str
    teacher: Actor
    other_teacher: Actor
    assessor: Actor
    issuer: Actor
    admin: Actor


@pytest.fixture
def credit_container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    built = build(make_settings(database_url, tmp_path / "instance"))
    built.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    yield built
    built.engine.dispose()


@pytest.fixture
def credit_world(credit_container: Container) -> CreditWorld:
    container = credit_container
    people = container.people
    district = people.add_organization("Alamo ISD", OrganizationKind.DISTRICT, slug="alamo")
    school = people.add_organization("Alamo High", OrganizationKind.SCHOOL, parent_id=district.id)

    def actor(name: str, org: str, role: Role, employee_id: str | None = None) -> Actor:
        identities = ((IdentityKind.EMPLOYEE_ID, district.id, employee_id),) if employee_id else ()
        email = name.split(maxsplit=1)[0].lower() + "@alamo.example"  # an OB3 recipient
        person = people.add_person(
            name, email=email, organization_id=org, roles=((role, org),), identities=identities
        )
        return people.actor(person.id)

    return CreditWorld(
        container=container,
        district_id=district.id,
        school_id=school.id,
        teacher=actor("Tess Teacher", school.id, Role.EDUCATOR, "E-1001"),
        other_teacher=actor("Otto Other", school.id, Role.EDUCATOR, "E-1002"),
        assessor=actor("Asa Assessor", district.id, Role.ASSESSOR),
        issuer=actor("Isa Issuer", district.id, Role.ISSUER),
        admin=actor("Ada Admin", district.id, Role.ADMIN),
    )


def award(world: CreditWorld, slug: str, educator: Actor | None = None) -> str:
    """Drive one submission of ``slug`` to an award through the services; the award's id."""
    return award_through_services(
        world.container, slug, educator or world.teacher, world.assessor, world.issuer
    )
