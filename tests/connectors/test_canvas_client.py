"""The Canvas client against the fake Canvas on 127.0.0.1: Link pagination with per_page=100
and a page cap, throttling (429 and the older 403) slowed by X-Rate-Limit-Remaining, 5xx
retried, other 4xx fatal with the request and response attached, and OAuth tokens refreshed
when they expire mid-listing (Canvas REST facts: DOMAIN.md section 3)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from connectors.canvas.api import CanvasApi
from connectors.canvas.client import (
    CanvasApiError,
    CanvasAuthError,
    CanvasClient,
    StaticToken,
    Throttle,
)
from connectors.canvas.oauth import CanvasOAuth, GrantRevoked, Token, UserGrant
from connectors.http import FatalError, RetriableError
from tests.fakes.canvas import ACCOUNT_TOKEN, CLIENT_ID, CLIENT_SECRET, FakeCanvas, course_data


@pytest.fixture
def canvas() -> Iterator[FakeCanvas]:
    with FakeCanvas() as fake:
        fake.add_course(course_data(101, students=249, sections=3))
        yield fake


def account_api(canvas: FakeCanvas, **options: object) -> CanvasApi:
    waits: list[float] = []
    client = CanvasClient(canvas.base_url, StaticToken(ACCOUNT_TOKEN), sleep=waits.append,
                          **options)  # type: ignore[arg-type]  # fmt: skip
    return CanvasApi(client)


def test_listing_follows_link_headers_with_100_per_page(canvas: FakeCanvas) -> None:
    api = account_api(canvas)
    pages = list(api.user_pages("101"))
    assert [len(page) for page in pages] == [100, 100, 50]
    users = [user for page in pages for user in page]
    assert len({user["id"] for user in users}) == 250
    assert users[0]["email"] == "teacher0@riverbend.example"
    assert users[0]["enrollments"][0]["type"] == "TeacherEnrollment"
    assert all(agent.startswith("credbridge") for agent in canvas.user_agents)


def test_page_cap_stops_a_listing_that_never_ends(canvas: FakeCanvas) -> None:
    client = account_api(canvas).client
    with pytest.raises(FatalError, match="more than 2 pages"):
        list(client.pages("/api/v1/courses/101/users", max_pages=2))


def test_5xx_is_retried_with_backoff_then_succeeds(canvas: FakeCanvas) -> None:
    api = account_api(canvas)
    canvas.faults = [("500",), ("500",)]
    assert api.course("101")["name"] == "Grade 9 Biology"
    assert api.client.requests_sent == 3


def test_429_with_retry_after_is_honoured(canvas: FakeCanvas) -> None:
    waits: list[float] = []
    client = CanvasClient(canvas.base_url, StaticToken(ACCOUNT_TOKEN), sleep=waits.append)
    canvas.faults = [("429", 7)]
    assert CanvasApi(client).course("101")["id"] == 101
    assert 7.0 in waits
    assert client.throttled == 1


def test_other_4xx_is_fatal_with_request_and_response(canvas: FakeCanvas) -> None:
    api = account_api(canvas)
    with pytest.raises(CanvasApiError) as caught:
        api.course("999")
    assert caught.value.status == 404
    assert caught.value.response.status_code == 404
    assert caught.value.request.url.endswith("/api/v1/courses/999")
    assert ACCOUNT_TOKEN not in str(caught.value)


def test_retries_give_up_after_max_attempts(canvas: FakeCanvas) -> None:
    api = account_api(canvas, max_attempts=2)
    canvas.faults = [("500",)] * 3
    with pytest.raises(RetriableError):
        api.course("101")


@pytest.mark.parametrize("legacy", [False, True], ids=["429", "403 Rate Limit Exceeded"])
def test_throttling_slows_down_and_retries_until_it_gets_through(
    canvas: FakeCanvas, legacy: bool
) -> None:
    canvas.throttling, canvas.legacy_403 = True, legacy
    canvas.bucket, canvas.leak, canvas.cost = 20.0, 200.0, 5.0
    client = CanvasClient(
        canvas.base_url, StaticToken(ACCOUNT_TOKEN), sleep=time.sleep,
        throttle=Throttle(low_water=15.0, leak_per_second=200.0), backoff=0.01,
    )  # fmt: skip
    users = list(CanvasApi(client).user_pages("101"))
    assert sum(len(page) for page in users) == 250
    for _ in range(10):
        client.get("/api/v1/courses/101")
    assert client.throttle.waited > 0  # it slowed down before the bucket ran dry
    assert client.throttled == canvas.throttled  # every refusal was seen and retried


def test_throttle_pauses_grow_as_the_bucket_empties() -> None:
    throttle = Throttle(low_water=300.0, leak_per_second=10.0)
    throttle.observe({"X-Rate-Limit-Remaining": "600", "X-Request-Cost": "2"})
    assert throttle.pause() == 0.0
    throttle.observe({"X-Rate-Limit-Remaining": "150"})
    half = throttle.pause()
    throttle.observe({"X-Rate-Limit-Remaining": "10"})
    assert 0 < half < throttle.pause()


def test_expired_user_token_is_refreshed_mid_listing(canvas: FakeCanvas) -> None:
    access, refresh = canvas.user_token("5000")
    saved: list[Token] = []
    oauth = CanvasOAuth(canvas.base_url, CLIENT_ID, CLIENT_SECRET)
    grant = UserGrant(oauth, Token(access, refresh, time.time() + 3600, "5000"), saved.append)
    canvas.expire_after = 2  # the token dies after two requests, as after an hour
    client = CanvasClient(canvas.base_url, grant, sleep=lambda _: None)
    pages = list(CanvasApi(client).user_pages("101"))
    assert sum(len(page) for page in pages) == 250
    assert grant.refreshes == 1 and canvas.refreshes == 1
    assert saved[0].refresh_token == refresh  # Canvas keeps the refresh token
    assert saved[0].access_token != access


def test_token_close_to_expiry_is_refreshed_before_use(canvas: FakeCanvas) -> None:
    access, refresh = canvas.user_token("5000")
    oauth = CanvasOAuth(canvas.base_url, CLIENT_ID, CLIENT_SECRET)
    grant = UserGrant(oauth, Token(access, refresh, time.time() + 60, "5000"), lambda _: None)
    client = CanvasClient(canvas.base_url, grant)
    client.get("/api/v1/courses/101")
    assert grant.refreshes == 1
    assert canvas.api_requests() and canvas.refreshes == 1


def test_revoked_grant_is_an_auth_error(canvas: FakeCanvas) -> None:
    access, refresh = canvas.user_token("5000")
    oauth = CanvasOAuth(canvas.base_url, CLIENT_ID, CLIENT_SECRET)
    grant = UserGrant(oauth, Token(access, refresh, time.time() + 3600, "5000"), lambda _: None)
    canvas.revoke()
    canvas.expire_all()
    client = CanvasClient(canvas.base_url, grant)
    with pytest.raises(CanvasAuthError, match="authorise again"):
        client.get("/api/v1/courses/101")
    with pytest.raises(GrantRevoked):
        oauth.refresh(refresh)


def test_authorization_code_flow(canvas: FakeCanvas) -> None:
    oauth = CanvasOAuth(canvas.base_url, CLIENT_ID, CLIENT_SECRET)
    url = oauth.authorize_url("http://tool.example/canvas/callback", "state-1")
    assert url.startswith(canvas.base_url + "/login/oauth2/auth?")
    answer = requests.get(url + "&login_as=5003", allow_redirects=False, timeout=5)
    location = answer.headers["Location"]
    assert "state=state-1" in location
    code = location.split("code=")[1].split("&")[0]
    token = oauth.exchange(code, "http://tool.example/canvas/callback")
    assert token.canvas_user_id == "5003" and token.refresh_token
    assert token.expires_at is not None and token.expires_at > time.time() + 3000
    with pytest.raises(GrantRevoked):
        oauth.exchange(code, "http://tool.example/canvas/callback")  # a code works once


def test_file_download_follows_the_redirect_without_the_token(canvas: FakeCanvas) -> None:
    file_id = canvas.add_file("lesson plan.pdf", b"%PDF-1.4 lesson", "application/pdf",
                              owner="1")  # fmt: skip
    api = account_api(canvas)
    item = api.file(file_id)
    assert item["size"] == 15
    assert api.download(item).read() == b"%PDF-1.4 lesson"


def test_throttle_measures_the_leak_rate_while_the_bucket_is_busy() -> None:
    throttle = Throttle(low_water=300.0, leak_per_second=10.0)
    throttle.observe({"X-Rate-Limit-Remaining": "700", "X-Request-Cost": "10"}, now=0.0)
    remaining = 700.0
    for step in range(1, 30):  # requests cost 10 every 0.1 s; the server drains 50 a second
        remaining = remaining - 10 + 50 * 0.1
        throttle.observe({"X-Rate-Limit-Remaining": str(remaining), "X-Request-Cost": "10"},
                         now=step * 0.1)  # fmt: skip
    assert 45 < throttle.leak_per_second < 52
