"""Grades back to the LMS through the outbox, end to end: a learner launches a credential from a
course resource link of the fake LMS, submits over HTTP, an assessor recommends and the issuer
awards over HTTP, and ``worker.drain`` posts the score over real HTTP (AGS line item, score
with Canvas's submission extension carrying the badge URL)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.errors import RetryLater
from lti_tool.domain.model import OutboxEvent
from lti_tool.domain.roles import IdentityKind, OrganizationKind, Role
from lti_tool.platforms.canvas import SUBMISSION_EXTENSION
from lti_tool.ports import AuditFilter
from lti_tool.services.lti_links import SCORE_TOPIC
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import ROLE_INSTRUCTOR, ROLE_LEARNER, FlaskToolClient
from tests.lti.conftest import BASE, CLIENT
from tests.lti.test_cohort import DEMO_CATALOG
from tests.web.http import fill_draft, post, start
from tests.web.test_flows import decide, review

SLUG = "hinge-questions"  # single review in the demo catalog
LINK = "rl-hinge"


class AtTool(FlaskClient):
    """Relative URLs go to the host the fake LMS launches (its cookies are for that host)."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", BASE)
        return super().open(*args, **kwargs)


@pytest.fixture
def tool(app: Flask) -> FlaskToolClient:
    app.test_client_class = AtTool
    return FlaskToolClient(app.test_client())


def _district(container: Container) -> tuple[str, str]:
    container.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    org = container.people.add_organization("Provider", OrganizationKind.DISTRICT).id
    assessor = container.people.add_person(
        "Asa Assessor", organization_id=org, roles=((Role.ASSESSOR, org),)
    )
    issuer = container.people.add_person(
        "Ida Issuer", organization_id=org, roles=((Role.ISSUER, org),)
    )
    return assessor.id, issuer.id


def _learner_submits(
    tool: FlaskToolClient,
    lms: FakePlatform,
    container: Container,
    sub: str,
    roles: tuple[str, ...] = (ROLE_LEARNER,),
    roster_roles: tuple[str, ...] = (ROLE_LEARNER,),
) -> str:
    lms.add_member("ctx-1", sub, roster_roles, name=f"Member {sub}")
    launched = lms.launch(
        tool, CLIENT, roles=roles, sub=sub, name=f"Member {sub}",
        custom={"credential": SLUG}, resource_link_id=LINK,
    )  # fmt: skip
    assert launched.response.status_code == 302
    assert launched.response.headers["Location"].endswith(f"/catalog/{SLUG}")
    client: FlaskClient = tool.client
    submission_id = start(client, SLUG)
    fill_draft(client, container, submission_id, SLUG)
    assert post(client, f"/submissions/{submission_id}/submit").status_code == 302
    return submission_id


def _person(container: Container, lms: FakePlatform, sub: str) -> str:
    with container.uow_factory() as uow:
        person = uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, lms.issuer, sub)
    assert person is not None
    return person.id


def test_an_award_posts_a_completed_score_with_the_badge(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    _decided(tool, lms, container, "learner-1", "award")
    with container.uow_factory() as uow:
        (queued,) = uow.outbox.all(SCORE_TOPIC)
    assert queued.payload["outcome"] == "awarded" and not lms.scores

    report = container.worker.drain()

    assert report.dead == 0 and report.retried == 0
    (item,) = lms.line_items
    assert item["resourceId"] == SLUG and item["resourceLinkId"] == LINK
    assert item["label"] and item["scoreMaximum"] == 1
    (score,) = lms.scores
    assert score.user_id == "learner-1" and score.context_id == "ctx-1"
    assert score.body["activityProgress"] == "Completed"
    assert score.body["gradingProgress"] == "FullyGraded"
    assert score.body["scoreGiven"] == score.body["scoreMaximum"] == 1
    with container.uow_factory() as uow:
        (issued,) = uow.credentials.for_person(_person(container, lms, "learner-1"))
        (link,) = uow.lti_services.grade_links_for(issued.person_id, SLUG)
    extension = score.body[SUBMISSION_EXTENSION]
    assert extension["submission_data"].endswith(f"/credentials/{issued.id}")
    assert extension["submission_type"] == "online_url"
    assert link.last_status == "posted" and link.line_item_url == item["id"]
    assert container.worker.drain().delivered == 0  # nothing left over


def test_a_return_posts_pending_and_the_score_waits_for_the_badge(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    submission_id, issuer = _decided(tool, lms, container, "learner-2", "return")
    staff = FlaskClient(tool.client.application)
    assert container.worker.drain().delivered == 1
    (score,) = lms.scores
    assert score.body["gradingProgress"] == "Pending" and "scoreGiven" not in score.body

    # Resubmitted and awarded: until the badge is issued, the score waits for it.
    assert post(tool.client, f"/submissions/{submission_id}/resubmit").status_code == 302
    assert post(tool.client, f"/submissions/{submission_id}/submit").status_code == 302
    organization = container.people.add_organization("Second", OrganizationKind.DISTRICT).id
    second = container.people.add_person(
        "Bea Assessor", organization_id=organization, roles=((Role.ASSESSOR, organization),)
    )
    review(staff, container, second.id, submission_id, SLUG, "award")
    decide(staff, issuer, submission_id, "award")
    with container.uow_factory() as uow:
        event = next(e for e in uow.outbox.all(SCORE_TOPIC) if e.delivered_at is None)
    with pytest.raises(RetryLater, match="not issued yet"):
        container.grade_passback.consume_score(event)
    assert len(lms.scores) == 1
    assert container.worker.drain().dead == 0
    assert [s.body["gradingProgress"] for s in lms.scores] == ["Pending", "FullyGraded"]
    assert lms.scores[-1].body[SUBMISSION_EXTENSION]["new_submission"] is True


def _decided(
    tool: FlaskToolClient,
    lms: FakePlatform,
    container: Container,
    sub: str,
    outcome: str,
    roles: tuple[str, ...] = (ROLE_LEARNER,),
    roster_roles: tuple[str, ...] = (ROLE_LEARNER,),
) -> tuple[str, str]:
    """``sub`` launches, submits; an assessor recommends and the issuer decides ``outcome``,
    all over HTTP. Returns the submission's and the issuer's ids."""
    assessor, issuer = _district(container)
    submission_id = _learner_submits(tool, lms, container, sub, roles, roster_roles)
    staff = FlaskClient(tool.client.application)
    recommendation = "award" if outcome == "award" else "resubmit"
    review(staff, container, assessor, submission_id, SLUG, recommendation)
    decide(staff, issuer, submission_id, outcome)
    return submission_id, issuer


def _award(
    tool: FlaskToolClient,
    lms: FakePlatform,
    container: Container,
    sub: str,
    *roles: tuple[str, ...],
) -> str:
    _decided(tool, lms, container, sub, "award", *roles)
    return _person(container, lms, sub)


def _score_event(container: Container) -> OutboxEvent:
    with container.uow_factory() as uow:
        (event,) = uow.outbox.all(SCORE_TOPIC)
    return event


def test_a_score_for_someone_who_is_not_a_student_is_recorded_not_retried(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    # A teacher of the course earning a credential from it: the LMS lists them as an
    # instructor, not a student, and (like Canvas) answers the score with a 422.
    both = (ROLE_INSTRUCTOR, ROLE_LEARNER)
    person_id = _award(tool, lms, container, "teacher-1", both, (ROLE_INSTRUCTOR,))
    report = container.worker.drain()
    assert report.dead == 0 and report.retried == 0 and not lms.scores
    assert [call.status for call in lms.service_calls if call.path.endswith("/scores")] == [422]
    event = _score_event(container)
    assert event.delivered_at is not None and event.attempts == 1
    with container.uow_factory() as uow:
        (link,) = uow.lti_services.grade_links_for(person_id, SLUG)
        trail = uow.audit.page(AuditFilter(entity_id=person_id, action="grade_refused"), 5, 0)
    assert link.last_status == "not_a_student" and "not a student" in (link.last_detail or "")
    assert len(trail) == 1 and "refused the awarded score" in trail[0].note
    cohort = tool.client.get("/course/cohort").get_data(as_text=True)
    assert "not a student" in cohort


def test_an_overloaded_lms_is_retried_after_its_retry_after(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    _award(tool, lms, container, "learner-3")
    lms.score_failures.append((429, "120"))
    report = container.worker.drain()
    assert report.retried == 1 and not lms.scores
    event = _score_event(container)
    with container.uow_factory() as uow:
        row = uow.outbox.get(event.id)
    assert row.delivered_at is None and "HTTP 429" in (row.last_error or "")
    lms.score_failures.append((503, None))
    with pytest.raises(RetryLater, match="HTTP 503"):
        container.grade_passback.consume_score(event)
    container.grade_passback.consume_score(event)  # the LMS is back
    assert [s.user_id for s in lms.scores] == ["learner-3"]


def test_a_refusal_is_a_dead_letter_with_the_lms_answer(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    _award(tool, lms, container, "learner-4")
    lms.score_failures.append((400, None))
    report = container.worker.drain()
    assert report.dead == 1 and not lms.scores
    with container.uow_factory() as uow:
        row = uow.outbox.get(_score_event(container).id)
    assert row.dead_at is not None and "HTTP 400" in (row.last_error or "")
    assert "failing on purpose (400)" in (row.last_error or "")
