"""My course: the cohort page and the NRPS roster read on demand over real HTTP from the fake
LMS (three pages, an inactive member, a member who already launched)."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.roles import IdentityKind, Role
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import ROLE_INSTRUCTOR, ROLE_LEARNER, FlaskToolClient
from tests.lti.conftest import BASE, CLIENT, add_roster

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "config" / "catalog" / "demo.yaml"
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _refresh(client: FlaskClient) -> str:
    page = client.get(f"{BASE}/course/cohort")
    token = TOKEN.search(page.get_data(as_text=True))
    assert token
    answer = client.post(f"{BASE}/course/cohort/refresh", data={"csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client.get(f"{BASE}/course/cohort").get_data(as_text=True)


def test_an_instructor_reads_the_roster_and_sees_who_works_on_what(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    container.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    add_roster(lms)

    # A learner launches first and starts a credential from the course.
    learner = FlaskToolClient(tool.client.application.test_client())
    lms.launch(learner, CLIENT, roles=(ROLE_LEARNER,), sub="learner-3", name="Learner 003")
    with container.uow_factory() as uow:
        person = uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, lms.issuer, "learner-3")
    assert person is not None
    slug = container.catalog.browse()[0].credentials[0].slug
    container.submissions.start(container.people.actor(person.id), slug, context_id="ctx-1")

    lms.launch(tool, CLIENT, roles=(ROLE_INSTRUCTOR,), sub="teacher-1", name="Ana Ruiz")
    page = _refresh(tool.client)
    assert "Read 122 members from the LMS: 119 new" in page
    assert "1 inactive skipped" in page
    assert "Learner 000" in page and "Learner 119" in page and "Gone Away" not in page
    assert "draft" in page  # learner 3's submission and its state
    nrps_calls = [call for call in lms.service_calls if call.path.startswith("/nrps/")]
    assert len(nrps_calls) == 3
    with container.uow_factory() as uow:
        imported = uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, lms.issuer, "learner-7")
        assert imported is not None and imported.email == "learner7@district.example"
        assert {item.role for item in uow.people.roles_of(imported.id)} == {Role.EDUCATOR}
    # Reading again changes nothing.
    again = _refresh(tool.client)
    assert "0 new, 0 roles added" in again


def test_students_and_sessions_without_a_course_are_refused(
    tool: FlaskToolClient, lms: FakePlatform
) -> None:
    lms.launch(tool, CLIENT, roles=(ROLE_LEARNER,), sub="student-1")
    assert tool.client.get(f"{BASE}/course/cohort").status_code == 403
    lms.launch(tool, CLIENT, roles=(ROLE_INSTRUCTOR,), sub="teacher-2", context=None)
    page = tool.client.get(f"{BASE}/course/cohort")
    assert page.status_code == 403 and "did not start in a course" in page.get_data(as_text=True)
