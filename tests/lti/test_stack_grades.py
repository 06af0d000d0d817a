"""A whole stack in the gradebook, end to end over real HTTP: an instructor deep-links a stack
into a course of the fake LMS (which places it with a line item, as a platform does), a learner
launches from that link, earns the stack's credentials (progress is posted as each badge is
issued) and the issuer approves the stack: the stack badge goes to the LMS as a completed,
fully graded score on the line item deep linking made."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.domain.badges import CredentialKind, StackPolicy
from lti_tool.platforms.canvas import SUBMISSION_EXTENSION
from lti_tool.services.lti_links import SCORE_TOPIC
from tests.fakes.lms import FakePlatform, PlacedLink
from tests.fakes.lms_tokens import ROLE_INSTRUCTOR, ROLE_LEARNER, FlaskToolClient
from tests.journeys import award_through_services
from tests.lti.conftest import BASE, CLIENT
from tests.lti.test_grade_passback import AtTool, _district, _person
from tests.web.http import post, sign_in

STACK = "formative-assessment"
MEMBERS = ("learning-goals-success-criteria", "hinge-questions", "actionable-feedback")
LEARNER = "learner-stack"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
RETURN_FORM = re.compile(
    r'<form method="post" action="([^"]+)" data-autosubmit>\s*'
    r'<input type="hidden" name="JWT" value="([^"]+)">'
)


@pytest.fixture
def tool(app: Flask) -> FlaskToolClient:
    app.test_client_class = AtTool
    return FlaskToolClient(app.test_client())


def _place_stack(tool: FlaskToolClient, lms: FakePlatform) -> PlacedLink:
    """An instructor's deep-linking launch; they choose the whole stack; the LMS places it."""
    launched = lms.launch(
        tool, CLIENT, message_type="LtiDeepLinkingRequest", roles=(ROLE_INSTRUCTOR,),
        sub="teacher-dl",
    )  # fmt: skip
    assert launched.response.headers["Location"].endswith("/lti/deep-link")
    client: FlaskClient = tool.client
    token = TOKEN.search(client.get("/lti/deep-link").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/lti/deep-link", data={"csrf_token": token, "stack": STACK, "action": "add"}
    )
    action, response_jwt = RETURN_FORM.search(answer.get_data(as_text=True)).groups()  # type: ignore[union-attr]
    assert requests.post(action, data={"JWT": response_jwt}, timeout=10).status_code == 200
    (placed,) = lms.placed
    assert placed.custom == {"stack": STACK} and placed.line_item
    return placed


def _learner_launches(
    tool: FlaskToolClient, lms: FakePlatform, container: Container, placed: PlacedLink
) -> str:
    lms.add_member(placed.context_id, LEARNER, (ROLE_LEARNER,), name="Lee Learner")
    launched = lms.launch(
        tool, CLIENT, roles=(ROLE_LEARNER,), sub=LEARNER, name="Lee Learner",
        **placed.launch_kwargs(lms.base_url),
    )  # fmt: skip
    assert launched.response.status_code == 302
    assert launched.response.headers["Location"].endswith(f"/catalog#stack-{STACK}")
    person_id = _person(container, lms, LEARNER)
    with container.uow_factory() as uow:
        (link,) = uow.lti_services.grade_links_for(person_id, STACK, "stack")
        assert uow.lti_services.grade_links_for(person_id, STACK) == []  # not a credential's
    assert link.endpoint.lineitem == placed.line_item
    assert link.resource_link_id == placed.resource_link_id
    return person_id


def _earn(container: Container, learner: str, assessor: str, issuer: str, slug: str) -> None:
    actor = container.people.actor
    award_through_services(container, slug, actor(learner), actor(assessor), actor(issuer))
    report = container.worker.drain()  # issues the badge, then posts what it set off
    assert report.dead == 0 and report.retried == 0, report


def _progress(score: Any) -> tuple[Any, ...]:
    body = score.body
    return (
        body["activityProgress"], body["gradingProgress"],
        body.get("scoreGiven"), body.get("scoreMaximum"),
    )  # fmt: skip


def test_a_deep_linked_stack_gets_progress_then_the_approved_stack_badge(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    assessor, issuer = _district(container)
    placed = _place_stack(tool, lms)
    learner = _learner_launches(tool, lms, container, placed)

    for slug in MEMBERS:
        _earn(container, learner, assessor, issuer, slug)
    assert [_progress(score) for score in lms.scores] == [
        ("InProgress", "Pending", 1, 3),
        ("InProgress", "Pending", 2, 3),
        ("InProgress", "Pending", 3, 3),  # every credential held: the stack waits for approval
    ]
    assert all(SUBMISSION_EXTENSION not in score.body for score in lms.scores)

    (pending,) = container.stacks.pending(container.people.actor(issuer))
    staff = FlaskClient(tool.client.application)
    sign_in(staff, issuer)
    assert post(staff, f"/issued/stacks/{pending.award.id}", decision="approve").status_code == 302
    with container.uow_factory() as uow:
        (event,) = [e for e in uow.outbox.all(SCORE_TOPIC) if e.delivered_at is None]
        stack_badge = uow.credentials.for_stack_award(pending.award.id)
    assert stack_badge is not None and stack_badge.kind is CredentialKind.STACK
    assert event.payload["outcome"] == "awarded"  # queued with the badge, in its transaction
    assert container.worker.drain().dead == 0

    final = lms.scores[-1]
    assert _progress(final) == ("Completed", "FullyGraded", 1, 1)
    assert final.user_id == LEARNER and final.context_id == placed.context_id
    extension = final.body[SUBMISSION_EXTENSION]
    assert extension["submission_data"] == f"{BASE}/credentials/{stack_badge.id}"
    assert extension["new_submission"] is True
    # Every score went to the line item deep linking made: the tool never made another.
    (line_item,) = lms.line_items
    assert line_item["id"] == placed.line_item and line_item["resourceId"] == f"stack-{STACK}"
    assert line_item["tag"] == "credbridge-stack"
    assert {score.line_item_id for score in lms.scores} == {placed.line_item.rsplit("/", 1)[1]}  # type: ignore[union-attr]
    with container.uow_factory() as uow:
        (link,) = uow.lti_services.grade_links_for(learner, STACK, "stack")
    assert (link.last_outcome, link.last_status) == ("awarded", "posted")
    assert container.worker.drain().delivered == 0


def test_a_stack_issued_at_once_never_gets_progress_after_its_completed_score(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    assessor, issuer = _district(container)
    placed = _place_stack(tool, lms)
    learner = _learner_launches(tool, lms, container, placed)
    _earn(container, learner, assessor, issuer, MEMBERS[0])
    with container.uow_factory() as uow:
        (first,) = uow.credentials.for_person(learner)
    container.credentials.update_issuer(first.issuer_id, stack_policy=StackPolicy.AUTO)

    for slug in MEMBERS[1:]:
        _earn(container, learner, assessor, issuer, slug)

    # The last credential's progress row is dropped: the stack credential exists by the time
    # the worker reaches it, and the completed score is the last word.
    assert [_progress(score) for score in lms.scores] == [
        ("InProgress", "Pending", 1, 3),
        ("InProgress", "Pending", 2, 3),
        ("Completed", "FullyGraded", 1, 1),
    ]
    with container.uow_factory() as uow:
        events = uow.outbox.all(SCORE_TOPIC)
    assert len(events) == 4 and all(event.delivered_at is not None for event in events)


def test_a_stack_link_launched_without_grades_records_and_posts_nothing(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    """A platform that sends no AGS claim with the stack's link: no grade link, no score."""
    assessor, issuer = _district(container)
    lms.add_member("ctx-1", LEARNER, (ROLE_LEARNER,), name="Lee Learner")
    launched = lms.launch(
        tool, CLIENT, roles=(ROLE_LEARNER,), sub=LEARNER, custom={"stack": STACK},
        resource_link_id="rl-stack-no-ags", omit=("endpoint",),
    )  # fmt: skip
    assert launched.response.status_code == 302
    learner = _person(container, lms, LEARNER)
    _earn(container, learner, assessor, issuer, MEMBERS[0])
    assert lms.scores == [] and lms.line_items == []
    with container.uow_factory() as uow:
        assert uow.lti_services.grade_links_for(learner, STACK, "stack") == []
        assert uow.outbox.all(SCORE_TOPIC) == []
