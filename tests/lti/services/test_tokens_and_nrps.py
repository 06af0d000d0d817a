"""LTI Advantage service tokens and NRPS against the fake LMS on 127.0.0.1: the token endpoint
verifies the tool's client assertion against the tool's JWKS, NRPS pages like Canvas (50)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from lti_tool.bootstrap import Container
from lti_tool.domain.lti import PlatformRegistration
from lti_tool.lti.nrps import NRPS_MEDIA, NRPS_SCOPE, Member, NrpsClient, with_limit
from lti_tool.lti.service_tokens import ASSERTION_TYPE, ServiceError, ServiceTokenClient
from lti_tool.platforms.d2l import BRIGHTSPACE_OAUTH2_AUDIENCE
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import (
    ROLE_INSTRUCTOR,
    ROLE_LEARNER,
    SCOPE_LINEITEM,
    SCOPE_NRPS,
    SCOPE_SCORE,
    SigningKey,
)
from tests.fakes.memory import FakeClock

BASE = "http://127.0.0.1:8000"
CLIENT_A = "credbridge-institution-a"
CLIENT_B = "credbridge-institution-b"
AGS = (SCOPE_LINEITEM, SCOPE_SCORE)


@pytest.fixture
def nrps(tokens: ServiceTokenClient, http: requests.Session) -> NrpsClient:
    return NrpsClient(tokens, http)


def register(
    container: Container, lms: FakePlatform, client_id: str = CLIENT_A, *, jwks: Any = None
) -> PlatformRegistration:
    """The tool on the fake (checking assertions against our JWKS directly, no HTTP back to
    the tool) and the fake on the tool, as a Canvas registration."""
    lms.register_tool(
        client_id,
        f"deployment-{client_id}",
        f"{BASE}/lti/login",
        [f"{BASE}/lti/launch"],
        f"{BASE}/.well-known/jwks.json",
        jwks=jwks if jwks is not None else container.tool_keys.jwks,
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


def roster(lms: FakePlatform, context_id: str, count: int, client_id: str | None = None) -> str:
    lms.add_context(context_id, client_id=client_id)
    for number in range(count):
        roles = (ROLE_INSTRUCTOR,) if number == 0 else (ROLE_LEARNER,)
        lms.add_member(
            context_id, f"user-{number:03d}", roles, name=f"Person {number}", email=f"p{number}@x"
        )
    return f"{lms.base_url}/nrps/{context_id}"


def nrps_calls(lms: FakePlatform) -> list[Any]:
    return [call for call in lms.service_calls if call.path.startswith("/nrps/")]


# -- service tokens ------------------------------------------------------------------------------


def test_a_token_is_obtained_with_a_signed_assertion_and_cached(
    container: Container, lms: FakePlatform, tokens: ServiceTokenClient
) -> None:
    registration = register(container, lms)
    first = tokens.token(registration, [SCOPE_NRPS])
    again = tokens.token(registration, (SCOPE_NRPS,))
    assert first == again
    assert len(lms.token_requests) == 1
    request = lms.token_requests[0]
    assert request.status == 200 and request.client_id == CLIENT_A
    assert request.body["grant_type"] == "client_credentials"
    assert request.body["client_assertion_type"] == ASSERTION_TYPE
    assert request.body["scope"] == SCOPE_NRPS
    assert request.headers["User-Agent"].startswith("credbridge")
    issued = lms.tokens[CLIENT_A][0]
    assert issued.access_token == first
    assert issued.assertion["sub"] == issued.assertion["iss"] == CLIENT_A
    assert issued.assertion["aud"] == lms.token_url
    assert issued.assertion["exp"] - issued.assertion["iat"] == 300


def test_different_scope_sets_get_separate_tokens(
    container: Container, lms: FakePlatform, tokens: ServiceTokenClient
) -> None:
    registration = register(container, lms)
    nrps_token = tokens.token(registration, [SCOPE_NRPS])
    ags_token = tokens.token(registration, [SCOPE_SCORE, SCOPE_LINEITEM])
    assert nrps_token != ags_token
    # Scope order does not matter: the set is the key, the request sends them sorted.
    assert tokens.token(registration, [SCOPE_LINEITEM, SCOPE_SCORE]) == ags_token
    assert [r.body["scope"] for r in lms.token_requests] == [SCOPE_NRPS, " ".join(sorted(AGS))]


def test_two_institutions_under_one_issuer_never_share_a_token(
    container: Container, lms: FakePlatform, nrps: NrpsClient, tokens: ServiceTokenClient
) -> None:
    institution_a = register(container, lms, CLIENT_A)
    institution_b = register(container, lms, CLIENT_B)
    assert institution_a.issuer == institution_b.issuer
    url_a = roster(lms, "course-a", 3, client_id=CLIENT_A)
    url_b = roster(lms, "course-b", 2, client_id=CLIENT_B)

    assert len(nrps.members(institution_a, url_a)) == 3
    assert len(nrps.members(institution_b, url_b)) == 2
    assert len(nrps.members(institution_a, url_a)) == 3

    assert tokens.token(institution_a, [NRPS_SCOPE]) != tokens.token(institution_b, [NRPS_SCOPE])
    assert [len(lms.tokens[CLIENT_A]), len(lms.tokens[CLIENT_B])] == [1, 1]
    issued = {CLIENT_A: lms.tokens[CLIENT_A][0].access_token}
    issued[CLIENT_B] = lms.tokens[CLIENT_B][0].access_token
    calls = nrps_calls(lms)
    assert [call.status for call in calls] == [200, 200, 200]
    for call in calls:
        assert call.headers["Authorization"] == f"Bearer {issued[str(call.client_id)]}"
    assert [call.client_id for call in calls] == [CLIENT_A, CLIENT_B, CLIENT_A]


def test_an_expiring_token_is_refreshed(
    container: Container, lms: FakePlatform, http: requests.Session
) -> None:
    """The platform's ``expires_in`` (here 120 s) less a 60 s margin. The fake LMS checks the
    assertion's iat/exp against real time, so the clock starts 100 s in the past."""

    def short_lived(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.url.endswith("/token") and response.status_code == 200:
            response._content = json.dumps({**response.json(), "expires_in": 120}).encode()

    http.hooks["response"].append(short_lived)
    clock = FakeClock(datetime.now(UTC) - timedelta(seconds=100))
    tokens = ServiceTokenClient(container.tool_keys, clock, http)
    registration = register(container, lms)
    first = tokens.token(registration, [SCOPE_NRPS])
    clock.advance(seconds=59)
    assert tokens.token(registration, [SCOPE_NRPS]) == first
    clock.advance(seconds=2)  # less than 60 s left: not worth sending
    second = tokens.token(registration, [SCOPE_NRPS])
    assert second != first and len(lms.token_requests) == 2
    assert tokens.token(registration, [SCOPE_NRPS]) == second


def test_an_invalidated_token_is_refreshed(
    container: Container, lms: FakePlatform, tokens: ServiceTokenClient
) -> None:
    registration = register(container, lms)
    first = tokens.token(registration, [SCOPE_NRPS])
    ags = tokens.token(registration, AGS)
    tokens.invalidate(registration, [SCOPE_NRPS], "some-older-token")  # not the cached one
    assert tokens.token(registration, [SCOPE_NRPS]) == first
    tokens.invalidate(registration, [SCOPE_NRPS], first)
    assert tokens.token(registration, [SCOPE_NRPS]) != first
    assert tokens.token(registration, AGS) == ags  # other scope sets are untouched
    assert len(lms.token_requests) == 3


def test_a_refused_assertion_raises_without_secrets(
    container: Container, lms: FakePlatform, tokens: ServiceTokenClient
) -> None:
    kid = container.tool_keys.ensure_signing_key()
    wrong = {"keys": [SigningKey.generate(kid).public_jwk()]}  # our kid, another key
    registration = register(container, lms, jwks=wrong)
    with pytest.raises(ServiceError) as caught:
        tokens.token(registration, [SCOPE_NRPS])
    error = caught.value
    assert error.status == 400 and error.error == "invalid_client"
    assert error.error_description and "Signature verification failed" in error.error_description
    assertion = lms.token_requests[-1].body["client_assertion"]
    text = str(error)
    assert "invalid_client" in text and CLIENT_A in text
    assert assertion not in text and assertion.split(".")[2] not in text and "eyJ" not in text
    assert not lms.tokens  # nothing was issued, so nothing was cached either
    with pytest.raises(ServiceError):
        tokens.token(registration, [SCOPE_NRPS])
    assert len(lms.token_requests) == 2


def test_an_unreachable_token_endpoint_is_a_service_error(
    container: Container, lms: FakePlatform, tokens: ServiceTokenClient
) -> None:
    registration = replace(register(container, lms), auth_token_url="http://127.0.0.1:9/token")
    with pytest.raises(ServiceError, match="Could not reach the token endpoint") as caught:
        tokens.token(registration, [SCOPE_NRPS])
    assert caught.value.status is None


# -- NRPS ----------------------------------------------------------------------------------------


def test_nrps_follows_next_links_across_three_pages(
    container: Container, lms: FakePlatform, nrps: NrpsClient
) -> None:
    registration = register(container, lms)
    url = roster(lms, "course-1", 120)
    members = nrps.members(registration, url)
    assert [member.user_id for member in members] == [f"user-{n:03d}" for n in range(120)]
    assert members[0] == Member(
        user_id="user-000",
        roles=(ROLE_INSTRUCTOR,),
        status="Active",
        name="Person 0",
        email="p0@x",
    )
    assert all(member.roles == (ROLE_LEARNER,) for member in members[1:])
    calls = nrps_calls(lms)
    assert [call.status for call in calls] == [200, 200, 200]
    assert [call.path for call in calls] == [
        "/nrps/course-1?limit=50",
        "/nrps/course-1?limit=50&page=2",
        "/nrps/course-1?limit=50&page=3",
    ]
    assert all(call.headers["Accept"] == NRPS_MEDIA for call in calls)
    assert len(lms.token_requests) == 1
    assert lms.token_requests[0].body["scope"] == NRPS_SCOPE == SCOPE_NRPS
    token = lms.tokens[CLIENT_A][0].access_token
    assert all(call.headers["Authorization"] == f"Bearer {token}" for call in calls)


def test_nrps_stops_at_the_page_cap_with_an_error(
    container: Container, lms: FakePlatform, nrps: NrpsClient
) -> None:
    registration = register(container, lms)
    url = roster(lms, "course-1", 120)
    with pytest.raises(ServiceError, match="more than 2 pages") as caught:
        nrps.members(registration, url, page_cap=2)
    assert "100 members" in str(caught.value)
    assert len(nrps_calls(lms)) == 2
    assert len(nrps.members(registration, url, page_cap=3)) == 120


def test_nrps_refreshes_the_token_once_after_a_401_mid_way(
    container: Container, lms: FakePlatform, nrps: NrpsClient, http: requests.Session
) -> None:
    registration = register(container, lms)
    url = roster(lms, "course-1", 120)
    expired: list[str] = []

    def expire_after_first_page(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if "/nrps/" in response.url and response.status_code == 200 and not expired:
            expired.append(response.url)
            lms.expire_access_tokens()  # the platform revokes the token between pages

    http.hooks["response"].append(expire_after_first_page)
    members = nrps.members(registration, url)
    assert len(members) == 120
    assert [call.status for call in nrps_calls(lms)] == [200, 401, 200, 200]
    assert len(lms.token_requests) == 2
    first, second = (token.access_token for token in lms.tokens[CLIENT_A])
    auth = [call.headers["Authorization"] for call in nrps_calls(lms)]
    assert auth == [f"Bearer {first}"] * 2 + [f"Bearer {second}"] * 2


def test_nrps_gives_up_when_a_fresh_token_is_refused_too(
    container: Container, lms: FakePlatform, nrps: NrpsClient, http: requests.Session
) -> None:
    registration = register(container, lms)
    url = roster(lms, "course-1", 5)

    def expire_everything(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.url.endswith("/token"):
            lms.expire_access_tokens()  # every token is dead on arrival

    http.hooks["response"].append(expire_everything)
    with pytest.raises(ServiceError) as caught:
        nrps.members(registration, url)
    assert caught.value.status == 401
    assert [call.status for call in nrps_calls(lms)] == [401, 401]
    for token in lms.tokens[CLIENT_A]:
        assert token.access_token not in str(caught.value)


def test_nrps_detects_a_next_link_loop(
    container: Container, lms: FakePlatform, nrps: NrpsClient, http: requests.Session
) -> None:
    registration = register(container, lms)
    url = roster(lms, "course-1", 120)

    def loop_back(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if "page=2" in response.url:
            response.headers["Link"] = f'<{url}?limit=50>; rel="next"'

    http.hooks["response"].append(loop_back)
    with pytest.raises(ServiceError, match="loop"):
        nrps.members(registration, url)
    assert len(nrps_calls(lms)) == 2


def test_next_urls_keep_their_case(
    container: Container, lms: FakePlatform, nrps: NrpsClient, http: requests.Session
) -> None:
    registration = register(container, lms)
    lms.add_context("Course-MiXed")
    for number in range(60):
        lms.add_member("Course-MiXed", f"U{number}")
    url = f"{lms.base_url}/nrps/Course-MiXed"
    members = nrps.members(replace(registration, product_family=None), url)
    assert [member.user_id for member in members] == [f"U{n}" for n in range(60)]
    # Unknown platforms ask for the default page size (the fake still caps it at 50); the next
    # link was followed as sent, upper case and all.
    assert [call.path for call in nrps_calls(lms)] == [
        "/nrps/Course-MiXed?limit=100",
        "/nrps/Course-MiXed?limit=50&page=2",
    ]


def test_with_limit_keeps_an_existing_query() -> None:
    assert with_limit("https://lms/nrps/1", 50) == "https://lms/nrps/1?limit=50"
    assert (
        with_limit("https://lms/nrps/1?rlid=Ab%2F", 50) == "https://lms/nrps/1?rlid=Ab%2F&limit=50"
    )
    assert with_limit("https://lms/nrps/1?limit=10", 50) == "https://lms/nrps/1?limit=10"


def test_the_assertion_audience_follows_the_registration(container: Container) -> None:
    with (
        FakePlatform(token_audience=BRIGHTSPACE_OAUTH2_AUDIENCE) as lms,
        requests.Session() as http,
    ):
        registration = register(container, lms)
        client = ServiceTokenClient(container.tool_keys, FakeClock(datetime.now(UTC)), http)
        client.token(replace(registration, product_family="desire2learn"), [SCOPE_NRPS])
        custom = replace(registration, client_id=CLIENT_B, auth_audience="https://aud.example")
        lms.token_audience = custom.auth_audience
        register(container, lms, CLIENT_B)
        client.token(custom, [SCOPE_NRPS])  # an admin's audience wins, whatever the LMS
    assert lms.tokens[CLIENT_A][0].assertion["aud"] == BRIGHTSPACE_OAUTH2_AUDIENCE
    assert lms.tokens[CLIENT_B][0].assertion["aud"] == "https://aud.example"
