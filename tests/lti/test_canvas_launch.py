"""A real LTI launch from Canvas (the fake LMS signs it) records the Canvas course, assignment
and user its custom fields carry; a launch without them records nothing."""

from __future__ import annotations

from lti_tool.bootstrap import Container
from lti_tool.domain.roles import IdentityKind, OrganizationKind
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import ROLE_LEARNER, FlaskToolClient
from tests.lti.conftest import CLIENT

CANVAS = "https://district.instructure.com"


def connect(container: Container) -> None:
    scope = container.people.add_organization("District", OrganizationKind.DISTRICT, slug="d")
    container.canvas.connect(CANVAS, "170000000000042", "secret", scope.id, "token")


def test_an_assignment_launch_records_its_canvas_ids(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    connect(container)
    custom = {"credential": "talk-moves", "canvas_course_id": "101", "canvas_user_id": "5000",
              "canvas_assignment_id": "55", "canvas_api_base_url": CANVAS}  # fmt: skip
    result = lms.launch(tool, CLIENT, roles=(ROLE_LEARNER,), sub="ana-1", custom=custom)
    assert result.response.status_code == 302, result.response.get_data(as_text=True)
    with container.uow_factory() as uow:
        person = uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, lms.issuer, "ana-1")
    assert person is not None
    link = container.canvas.link_for(person.id, "talk-moves")
    assert link is not None
    assert (link.base_url, link.course_id, link.assignment_id, link.canvas_user_id) == (
        CANVAS,
        "101",
        "55",
        "5000",
    )
    assert link.lti_subject == "ana-1"


def test_a_launch_without_canvas_fields_records_nothing(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    connect(container)
    custom = {"canvas_course_id": "$Canvas.course.id", "canvas_user_id": "$Canvas.user.id"}
    result = lms.launch(tool, CLIENT, roles=(ROLE_LEARNER,), sub="ben-2", custom=custom)
    assert result.response.status_code == 302
    assert container.canvas.connections()[0].base_url == CANVAS
    with container.uow_factory() as uow:
        person = uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, lms.issuer, "ben-2")
    assert person is not None
    assert container.canvas.links_of(container.people.actor(person.id)) == []
