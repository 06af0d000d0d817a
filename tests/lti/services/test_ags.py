"""AGS line items and scores against the fake LMS on 127.0.0.1 (a Canvas: 422 for a score for
someone who is not a student). Service tokens are real: the fake checks the tool's client
assertion against the tool's JWKS."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
import requests

from lti_tool.bootstrap import Container
from lti_tool.domain.lti import PlatformRegistration
from lti_tool.lti.ags import (
    LINEITEM_MEDIA,
    LINEITEMS_MEDIA,
    SCOPE_LINEITEM,
    SCOPE_SCORE,
    SCORE_MEDIA,
    AgsClient,
    LineItem,
    RetriableServiceError,
    ScoreResult,
    scores_url,
    with_query,
)
from lti_tool.lti.service_tokens import ServiceError, ServiceTokenClient
from lti_tool.platforms.canvas import SUBMISSION_EXTENSION
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import ROLE_INSTRUCTOR, ROLE_LEARNER
from tests.fakes.lms_tokens import SCOPE_LINEITEM as FAKE_SCOPE_LINEITEM
from tests.fakes.lms_tokens import SCOPE_SCORE as FAKE_SCOPE_SCORE
from tests.fakes.memory import FakeClock

BASE = "http://127.0.0.1:8000"
CLIENT_A = "credbridge-institution-a"
CLIENT_B = "credbridge-institution-b"
BADGE = "https://credbridge.example.org/badges/abc123"
COURSE = "course-1"
LINK = "resource-link-1"
RESOURCE = "credential-42"


@pytest.fixture
def ags(container: Container, clock: FakeClock, http: requests.Session) -> AgsClient:
    return AgsClient(ServiceTokenClient(container.tool_keys, clock, http), http, clock)


def register(
    container: Container, lms: FakePlatform, client_id: str = CLIENT_A
) -> PlatformRegistration:
    lms.register_tool(
        client_id,
        f"deployment-{client_id}",
        f"{BASE}/lti/login",
        [f"{BASE}/lti/launch"],
        f"{BASE}/.well-known/jwks.json",
        jwks=container.tool_keys.jwks,
    )
    registration = container.platforms.register(
        name=f"Fake LMS ({client_id})",
        issuer=lms.issuer,
        client_id=client_id,
        auth_login_url=lms.auth_url,
        auth_token_url=lms.token_url,
        key_set_url=lms.jwks_url,
    )
    return replace(registration, product_family="canvas")


def course(lms: FakePlatform, context_id: str = COURSE, client_id: str | None = None) -> str:
    """A course with a learner and a teacher; its AGS line items URL."""
    lms.add_context(context_id, client_id=client_id)
    lms.add_member(context_id, "learner-1", (ROLE_LEARNER,))
    lms.add_member(context_id, "teacher-1", (ROLE_INSTRUCTOR,))
    return f"{lms.base_url}/ags/{context_id}/lineitems"


def line_item(
    ags: AgsClient, registration: PlatformRegistration, url: str, link: str | None = LINK
) -> LineItem:
    return ags.find_or_create_line_item(
        registration, url, resource_link_id=link, resource_id=RESOURCE, label="Credential 42"
    )


def ags_calls(lms: FakePlatform) -> list[Any]:
    return [call for call in lms.service_calls if call.path.startswith("/ags/")]


def token_scopes(lms: FakePlatform) -> list[str]:
    return [request.body["scope"] for request in lms.token_requests]


# -- line items ----------------------------------------------------------------------------------


def test_a_line_item_is_created_once_and_found_the_second_time(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = register(container, lms)
    url = course(lms)
    first = line_item(ags, registration, url)
    again = line_item(ags, registration, url)

    assert first == again == LineItem(f"{url}/1", "Credential 42", 1.0, RESOURCE, LINK)
    assert len(lms.line_items) == 1
    assert lms.line_items[0] == {
        "id": f"{url}/1",
        "label": "Credential 42",
        "scoreMaximum": 1,
        "resourceId": RESOURCE,
        "resourceLinkId": LINK,
        "tag": "credbridge-credential",
    }
    calls = ags_calls(lms)
    assert [(call.method, call.status) for call in calls] == [
        ("GET", 200),
        ("POST", 201),
        ("GET", 200),
    ]
    query = f"resource_id={RESOURCE}&resource_link_id={LINK}"
    assert calls[0].path == calls[2].path == f"/ags/{COURSE}/lineitems?{query}"
    assert all(call.headers["Accept"] == LINEITEMS_MEDIA for call in (calls[0], calls[2]))
    assert calls[1].headers["Content-Type"] == LINEITEM_MEDIA
    assert calls[1].headers["Accept"] == LINEITEM_MEDIA
    # One token, for the line item scope only.
    assert token_scopes(lms) == [SCOPE_LINEITEM] == [FAKE_SCOPE_LINEITEM]


def test_another_resource_link_gets_its_own_line_item(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = register(container, lms)
    url = course(lms)
    first = line_item(ags, registration, url)
    other = line_item(ags, registration, url, link="resource-link-2")
    assert other.id != first.id and other.resource_link_id == "resource-link-2"
    assert line_item(ags, registration, url, link=None) == first  # resourceId alone matches
    assert len(lms.line_items) == 2


def test_line_item_pages_are_followed(
    container: Container, lms: FakePlatform, ags: AgsClient, http: requests.Session
) -> None:
    registration = register(container, lms)
    url = course(lms)
    created = line_item(ags, registration, url)
    paged: list[str] = []

    def two_pages(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.request.method == "GET" and "/lineitems" in response.url and not paged:
            _ = response.content  # read the body first, so the connection is released
            paged.append(response.url)
            response._content = b"[]"  # the item is on the next page
            response.headers["Link"] = f'<{response.url}&page=2>; rel="next"'

    http.hooks["response"].append(two_pages)
    assert line_item(ags, registration, url) == created
    assert len(lms.line_items) == 1
    assert ags_calls(lms)[-1].path.endswith("&page=2")


# -- scores --------------------------------------------------------------------------------------


def test_an_awarded_score_is_posted_with_the_canvas_submission(
    container: Container, lms: FakePlatform, ags: AgsClient, clock: FakeClock
) -> None:
    registration = register(container, lms)
    item = line_item(ags, registration, course(lms))
    result = ags.post_score(
        registration, item.id, user_id="learner-1", outcome="awarded", badge_url=BADGE
    )

    assert result == ScoreResult("posted", 200)
    [score] = lms.scores
    assert score.user_id == "learner-1" and score.line_item_id == "1"
    body = dict(score.body)
    assert datetime.fromisoformat(body.pop("timestamp")) == clock.now().replace(
        microsecond=clock.now().microsecond // 1000 * 1000
    )
    assert body == {
        "userId": "learner-1",
        "scoreGiven": 1,
        "scoreMaximum": 1,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        SUBMISSION_EXTENSION: {
            "new_submission": True,
            "submission_type": "online_url",
            "submission_data": BADGE,
        },
    }
    call = ags_calls(lms)[-1]
    assert call.path == f"/ags/{COURSE}/lineitems/1/scores"
    assert call.headers["Content-Type"] == SCORE_MEDIA
    assert token_scopes(lms) == [SCOPE_LINEITEM, SCOPE_SCORE]
    assert SCOPE_SCORE == FAKE_SCOPE_SCORE


def test_a_rescore_is_not_a_new_submission_and_carries_the_comment(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = register(container, lms)
    item = line_item(ags, registration, course(lms))
    ags.post_score(
        registration,
        item.id,
        user_id="learner-1",
        outcome="awarded",
        badge_url=BADGE,
        comment="Well evidenced.",
        new_submission=False,
    )
    body = lms.scores[0].body
    assert body["comment"] == "Well evidenced."
    assert body[SUBMISSION_EXTENSION]["new_submission"] is False


def test_a_pending_score_has_no_score_given(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = register(container, lms)
    item = line_item(ags, registration, course(lms))
    result = ags.post_score(
        registration, item.id, user_id="learner-1", outcome="pending", comment="Please resubmit."
    )
    assert result.status == "posted"
    body = lms.scores[0].body
    assert "scoreGiven" not in body and "scoreMaximum" not in body
    assert body["activityProgress"] == "Submitted" and body["gradingProgress"] == "Pending"
    assert body["comment"] == "Please resubmit."
    assert SUBMISSION_EXTENSION not in body  # no badge yet


def test_a_score_in_progress_is_a_fraction_pending_grading(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = register(container, lms)
    item = line_item(ags, registration, course(lms))
    result = ags.post_score(
        registration, item.id, user_id="learner-1", outcome="in_progress", progress=(2, 3)
    )
    assert result.status == "posted"
    body = lms.scores[0].body
    assert (body["scoreGiven"], body["scoreMaximum"]) == (2, 3)
    assert body["activityProgress"] == "InProgress" and body["gradingProgress"] == "Pending"
    for wrong in (None, (4, 3), (0, 0)):
        with pytest.raises(ValueError, match="in_progress"):
            ags.post_score(
                registration, item.id, user_id="learner-1", outcome="in_progress", progress=wrong
            )
    assert len(lms.scores) == 1


def test_a_score_for_a_teacher_is_recorded_as_not_a_student(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = register(container, lms)
    item = line_item(ags, registration, course(lms))
    result = ags.post_score(
        registration, item.id, user_id="teacher-1", outcome="awarded", badge_url=BADGE
    )
    assert result.status == "not_a_student" and result.http_status == 422
    assert result.detail == "User not found in course or is not a student"
    assert not lms.scores
    assert [call.status for call in ags_calls(lms)][-1] == 422


def test_a_422_from_a_platform_without_that_rule_is_a_fatal_error(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = replace(register(container, lms), product_family="moodle")
    item = line_item(ags, registration, course(lms))
    with pytest.raises(ServiceError) as caught:
        ags.post_score(registration, item.id, user_id="teacher-1", outcome="awarded")
    assert not isinstance(caught.value, RetriableServiceError)
    assert caught.value.status == 422
    assert "not a student" in str(caught.value)


def test_a_line_item_id_with_a_query_string_gets_scores_before_it(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = register(container, lms)
    item = line_item(ags, registration, course(lms))
    result = ags.post_score(
        registration, f"{item.id}?type_id=7", user_id="learner-1", outcome="awarded"
    )
    assert result.status == "posted"
    assert ags_calls(lms)[-1].path == f"/ags/{COURSE}/lineitems/1/scores?type_id=7"


def test_scores_url_and_with_query() -> None:
    assert scores_url("https://lms/ags/1/lineitems/2") == "https://lms/ags/1/lineitems/2/scores"
    assert scores_url("https://lms/li/2/?a=B%2F") == "https://lms/li/2/scores?a=B%2F"
    assert with_query("https://lms/li?x=Y%2F", {"resource_id": "r 1"}) == (
        "https://lms/li?x=Y%2F&resource_id=r+1"
    )
    assert with_query("https://lms/li?resource_id=a", {"resource_id": "b"}) == (
        "https://lms/li?resource_id=a"
    )


# -- tokens and failures -------------------------------------------------------------------------


def test_two_institutions_never_share_a_token(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    institution_a = register(container, lms, CLIENT_A)
    institution_b = register(container, lms, CLIENT_B)
    assert institution_a.issuer == institution_b.issuer
    url_a = course(lms, "course-a", client_id=CLIENT_A)
    url_b = course(lms, "course-b", client_id=CLIENT_B)
    for registration, url in ((institution_a, url_a), (institution_b, url_b)):
        item = line_item(ags, registration, url)
        ags.post_score(registration, item.id, user_id="learner-1", outcome="awarded")

    assert [score.client_id for score in lms.scores] == [CLIENT_A, CLIENT_B]
    assert [len(lms.tokens[CLIENT_A]), len(lms.tokens[CLIENT_B])] == [2, 2]  # lineitem, score
    issued = {
        token.access_token: client
        for client in (CLIENT_A, CLIENT_B)
        for token in lms.tokens[client]
    }
    calls = ags_calls(lms)
    assert all(call.status in (200, 201) for call in calls)
    for call in calls:
        assert issued[call.headers["Authorization"].removeprefix("Bearer ")] == call.client_id
    assert [call.client_id for call in calls] == [CLIENT_A] * 3 + [CLIENT_B] * 3


def test_a_401_refreshes_the_token_once(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = register(container, lms)
    item = line_item(ags, registration, course(lms))
    ags.post_score(registration, item.id, user_id="learner-1", outcome="pending")
    lms.expire_access_tokens()
    result = ags.post_score(registration, item.id, user_id="learner-1", outcome="awarded")
    assert result.status == "posted"
    assert [call.status for call in ags_calls(lms)][-3:] == [200, 401, 200]
    assert token_scopes(lms) == [SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_SCORE]


@pytest.mark.parametrize(("status", "retry_after"), [(503, None), (429, 30.0)])
def test_an_overloaded_platform_is_retriable(
    container: Container,
    lms: FakePlatform,
    ags: AgsClient,
    http: requests.Session,
    status: int,
    retry_after: float | None,
) -> None:
    registration = register(container, lms)
    item = line_item(ags, registration, course(lms))

    def overloaded(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.url.endswith("/scores"):
            _ = response.content  # read the body first, so the connection is released
            response.status_code = status
            response._content = json.dumps({"errors": {"message": "slow down"}}).encode()
            if retry_after is not None:
                response.headers["Retry-After"] = "30"

    http.hooks["response"].append(overloaded)
    with pytest.raises(RetriableServiceError) as caught:
        ags.post_score(registration, item.id, user_id="learner-1", outcome="awarded")
    error = caught.value
    assert error.retriable and error.status == status and error.retry_after == retry_after
    assert "slow down" in str(error) and f"HTTP {status}" in str(error)


def test_a_refusal_is_fatal_and_never_shows_the_token(
    container: Container, lms: FakePlatform, ags: AgsClient, http: requests.Session
) -> None:
    registration = register(container, lms)
    item = line_item(ags, registration, course(lms))

    def echo_token(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.url.endswith("/scores"):
            _ = response.content  # read the body first, so the connection is released
            auth = str(response.request.headers["Authorization"])
            response.status_code = 400
            response._content = json.dumps({"message": f"bad score for {auth}"}).encode()

    http.hooks["response"].append(echo_token)
    with pytest.raises(ServiceError) as caught:
        ags.post_score(registration, item.id, user_id="learner-1", outcome="awarded")
    assert not isinstance(caught.value, RetriableServiceError)
    assert caught.value.status == 400 and "bad score for Bearer [token]" in str(caught.value)
    for token in lms.tokens[CLIENT_A]:
        assert token.access_token not in str(caught.value)


def test_an_unknown_line_item_is_fatal(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = register(container, lms)
    url = course(lms)
    with pytest.raises(ServiceError) as caught:
        ags.post_score(registration, f"{url}/99", user_id="learner-1", outcome="awarded")
    assert caught.value.status == 404 and not isinstance(caught.value, RetriableServiceError)


def test_an_unreachable_platform_is_retriable(
    container: Container, lms: FakePlatform, ags: AgsClient
) -> None:
    registration = register(container, lms)
    course(lms)
    with pytest.raises(RetriableServiceError, match="Could not reach"):
        ags.post_score(
            registration, "http://127.0.0.1:9/ags/x/lineitems/1", user_id="u", outcome="awarded"
        )
    down = replace(registration, client_id=CLIENT_B, auth_token_url="http://127.0.0.1:9/token")
    with pytest.raises(RetriableServiceError, match="token endpoint"):
        line_item(ags, down, f"{lms.base_url}/ags/{COURSE}/lineitems")
