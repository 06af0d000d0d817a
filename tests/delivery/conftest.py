"""A wired app with the demo catalog and a district, and awards made through the services."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lti_tool.bootstrap import Container, build
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.roles import IdentityKind, OrganizationKind, Role
from lti_tool.services.common import Actor
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.journeys import award_through_services
from tests.web.conftest import DEMO_CATALOG, make_settings

CREDENTIAL = "hinge-questions"
"""The demo credential with nominal credit (15 clock hours)."""
_numbers = itertools.count(1)


@dataclass
class District:
    container: Container
    organization_id: str
    assessor: Actor
    issuer: Actor
    admin: Actor

    def award(self, name: str | None = None) -> str:
        """A new educator (with an employee id) earns CREDENTIAL; returns the award id."""
        c = self.container
        number = next(_numbers)
        person = c.people.add_person(
            name or f"Educator {number}",
            email=f"educator{number}@maple.example",
            organization_id=self.organization_id,
            roles=((Role.EDUCATOR, self.organization_id),),
            identities=((IdentityKind.EMPLOYEE_ID, "maple", f"E{number:05d}"),),
        )
        educator = c.people.actor(person.id)
        return award_through_services(c, CREDENTIAL, educator, self.assessor, self.issuer)


def make_district(container: Container) -> District:
    people = container.people
    org = people.add_organization("Maple District", OrganizationKind.DISTRICT, slug="maple")
    # Delaware counts clock hours as they are, so the demo credential's 15 hours reach the targets.
    container.credit_admin.configure(None, org.id, "DE")

    def actor(name: str, role: Role) -> Actor:
        return people.actor(
            people.add_person(name, organization_id=org.id, roles=((role, org.id),)).id
        )

    return District(
        container,
        org.id,
        actor("Asa Assessor", Role.ASSESSOR),
        actor("Isa Issuer", Role.ISSUER),
        actor("Ada Admin", Role.ADMIN),
    )


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    built = build(make_settings(database_url, tmp_path / "instance"))
    built.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    yield built
    built.pdms.close()
    built.engine.dispose()


@pytest.fixture
def district(container: Container) -> District:
    return make_district(container)


WORKER_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def kill_worker_at_first_post(receiver: WebhookReceiver, database_url: str, tmp_path: Path) -> None:
    """Start ``credbridge worker`` and SIGKILL it once its first POST reached ``receiver``
    (which holds it with ``delay``): the kill lands mid-delivery, before anything is recorded."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": WORKER_SECRET,
        "CREDBRIDGE_INSTANCE_PATH": str(tmp_path / "instance"),
        "CREDBRIDGE_DEMO": "1",
    }
    credbridge = str(Path(sys.executable).with_name("credbridge"))
    worker = subprocess.Popen(
        [credbridge, "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while receiver.arrived == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.arrived == 1, "the worker never reached the target"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
