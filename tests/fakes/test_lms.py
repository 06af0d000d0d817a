"""Tests of the fake LMS (tests/fakes/lms.py), driven the way a tool would: PyJWT and requests.

A small Flask tool (``MiniTool``) plays the tool's side where one is needed: it serves its JWKS
over a second werkzeug server on 127.0.0.1, answers the OIDC login, and checks launches.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import flask
import jwt
import pytest
import requests
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.fakes.lms import (
    CERTIFICATION_INVALID,
    CERTIFICATION_VALID,
    FakePlatform,
    FlaskToolClient,
    LaunchFlowError,
)
from tests.fakes.lms_tokens import (
    AGS_CLAIM,
    AGS_SCOPES,
    CLAIM,
    DL_CLAIM,
    NRPS_CLAIM,
    ROLE_INSTRUCTOR,
    ROLE_LEARNER,
    SCOPE_LINEITEM,
    SCOPE_NRPS,
    SCOPE_SCORE,
    SigningKey,
    parse_forms,
)

CLIENT_ID = "client-a"
OTHER_CLIENT_ID = "client-b"
DEPLOYMENT_ID = "deployment-1"
NRPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT = 10


class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        return


class MiniTool:
    """The least an LTI 1.3 tool does: JWKS, OIDC login, launch checks (state, nonce, JWT)."""

    def __init__(self, platform: FakePlatform) -> None:
        self.platform = platform
        self.key = SigningKey.generate(kid="tool-key-1")
        self.logins: list[dict[str, str]] = []
        self.pending: dict[str, tuple[str, str]] = {}  # state -> (nonce, client_id)
        self.app = self._make_app()
        self.base_url = ""
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def serve(self) -> MiniTool:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        return self

    def close(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.public_jwk()]}

    def _make_app(self) -> flask.Flask:
        app = flask.Flask("mini_tool")
        app.add_url_rule("/jwks", "jwks", self.jwks)
        app.add_url_rule("/login", "login", self._login, methods=["GET", "POST"])
        app.add_url_rule("/launch", "launch", self._launch, methods=["POST"])
        return app

    def _login(self) -> Any:
        params = flask.request.values.to_dict()
        self.logins.append(params)
        if params.get("iss") != self.platform.issuer:
            return "unknown issuer", 400
        state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        self.pending[state] = (nonce, params["client_id"])
        query = {
            "response_type": "id_token",
            "scope": "openid",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": params["client_id"],
            "redirect_uri": flask.request.host_url + "launch",
            "login_hint": params["login_hint"],
            "state": state,
            "nonce": nonce,
        }
        if "lti_message_hint" in params:
            query["lti_message_hint"] = params["lti_message_hint"]
        response = flask.redirect(f"{self.platform.auth_url}?{urlencode(query)}")
        response.set_cookie("lti-state", state)
        return response

    def _launch(self) -> Any:
        state = flask.request.form.get("state", "")
        if flask.request.cookies.get("lti-state") != state or state not in self.pending:
            return "unknown or used state", 400
        nonce, client_id = self.pending.pop(state)
        try:
            claims = verify(self.platform, flask.request.form["id_token"], client_id)
        except (jwt.PyJWTError, KeyError) as error:
            return f"bad id_token: {error!r}", 400
        if claims["nonce"] != nonce or claims.get(CLAIM + "version") != "1.3.0":
            return "bad nonce or version", 400
        return {"sub": claims.get("sub"), "roles": claims.get(CLAIM + "roles")}


def verify(platform: FakePlatform, token: str, audience: str = CLIENT_ID) -> dict[str, Any]:
    """What a tool does with an id_token: the platform's JWKS over HTTP, then PyJWT."""
    key_set = jwt.PyJWKSet.from_dict(requests.get(platform.jwks_url, timeout=TIMEOUT).json())
    key = key_set[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(
        token, key, algorithms=["RS256"], audience=audience, issuer=platform.issuer, leeway=60
    )


def unverified(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def assertion(key: SigningKey, aud: str, client_id: str = CLIENT_ID, **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "iat": now, "exp": now + 300}
    claims["jti"] = secrets.token_hex(8)
    return jwt.encode({**claims, **overrides}, key.private_key, "RS256", {"kid": key.kid})


def token_form(client_assertion: str, scopes: tuple[str, ...] = (SCOPE_NRPS,)) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion,
        "scope": " ".join(scopes),
    }


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    with FakePlatform() as lms:
        yield lms


@pytest.fixture
def tool(platform: FakePlatform) -> Iterator[MiniTool]:
    mini = MiniTool(platform).serve()
    for client_id in (CLIENT_ID, OTHER_CLIENT_ID):
        platform.register_tool(
            client_id,
            DEPLOYMENT_ID,
            f"{mini.base_url}/login",
            [f"{mini.base_url}/launch"],
            f"{mini.base_url}/jwks",
        )
    yield mini
    mini.close()


@pytest.fixture
def access_token(platform: FakePlatform, tool: MiniTool) -> Callable[..., str]:
    def get(*scopes: str, client_id: str = CLIENT_ID) -> str:
        form = token_form(assertion(tool.key, platform.token_url, client_id), scopes)
        response = requests.post(platform.token_url, data=form, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    return get


# -- keys and id_tokens ----------------------------------------------------------------------


def test_jwks_serves_the_key_that_signs_launches(platform: FakePlatform, tool: MiniTool) -> None:
    token = platform.id_token(CLIENT_ID, nonce="nonce-1")

    claims = verify(platform, token)

    assert platform.jwks_hits == 1
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT", "kid": platform.kid}
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (
        platform.issuer,
        CLIENT_ID,
        "nonce-1",
    )
    assert claims["sub"] == "user-1" and claims["exp"] > claims["iat"]
    assert claims[CLAIM + "message_type"] == "LtiResourceLinkRequest"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "deployment_id"] == DEPLOYMENT_ID
    assert claims[CLAIM + "target_link_uri"] == f"{tool.base_url}/launch"
    assert claims[CLAIM + "resource_link"]["id"] == "rl-1"
    assert claims[CLAIM + "roles"] == [ROLE_INSTRUCTOR]
    assert claims[CLAIM + "context"]["id"] == "ctx-1"
    assert claims[CLAIM + "tool_platform"]["product_family_code"] == "canvas"
    assert claims[CLAIM + "custom"] == {}
    assert claims[CLAIM + "launch_presentation"]["document_target"] == "iframe"
    assert claims[NRPS_CLAIM]["context_memberships_url"] == f"{platform.base_url}/nrps/ctx-1"
    assert claims[AGS_CLAIM] == {
        "scope": list(AGS_SCOPES),
        "lineitems": f"{platform.base_url}/ags/ctx-1/lineitems",
    }


def test_deep_linking_request_and_a_list_audience_with_azp(
    platform: FakePlatform, tool: MiniTool
) -> None:
    token = platform.id_token(
        CLIENT_ID,
        nonce="n",
        message_type="LtiDeepLinkingRequest",
        extra_audiences=("someone-else",),
        custom={"course": "$Canvas.course.id"},
    )

    claims = verify(platform, token)

    settings = claims[DL_CLAIM + "deep_linking_settings"]
    assert settings["deep_link_return_url"] == platform.deep_link_return_url
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_presentation_document_targets"] == ["iframe", "window"]
    assert settings["data"] in platform.deep_link_data[CLIENT_ID]
    assert CLAIM + "resource_link" not in claims
    assert (claims["aud"], claims["azp"]) == ([CLIENT_ID, "someone-else"], CLIENT_ID)
    assert claims[CLAIM + "custom"] == {"course": "$Canvas.course.id"}


def test_rotate_key_serves_old_and_new_keys_until_dropped(
    platform: FakePlatform, tool: MiniTool
) -> None:
    old_kid = platform.kid
    old_token = platform.id_token(CLIENT_ID, nonce="n")

    new_kid = platform.rotate_key()
    new_token = platform.id_token(CLIENT_ID, nonce="n")

    kids = [key["kid"] for key in requests.get(platform.jwks_url, timeout=TIMEOUT).json()["keys"]]
    assert new_kid != old_kid and kids == [old_kid, new_kid]
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    assert verify(platform, old_token)["nonce"] == verify(platform, new_token)["nonce"]

    newest = platform.rotate_key(drop_old=True)
    kids = [key["kid"] for key in requests.get(platform.jwks_url, timeout=TIMEOUT).json()["keys"]]
    assert kids == [newest]
    with pytest.raises(KeyError):
        verify(platform, new_token)


def test_omit_takes_full_claim_names_short_names_and_nested_keys(
    platform: FakePlatform, tool: MiniTool
) -> None:
    omit = (CLAIM + "custom", "launch_presentation", "context.title")

    claims = verify(platform, platform.id_token(CLIENT_ID, nonce="n", omit=omit))

    assert CLAIM + "custom" not in claims and CLAIM + "launch_presentation" not in claims
    assert claims[CLAIM + "context"] == {
        "id": "ctx-1",
        "label": "MC-101",
        "type": ["CourseOffering"],
    }


# -- the authorization endpoint --------------------------------------------------------------


def auth_params(platform: FakePlatform, launch_url: str, **changes: str | None) -> dict[str, str]:
    login = platform.login_params(CLIENT_ID)
    params: dict[str, str | None] = {
        "response_type": "id_token",
        "scope": "openid",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": CLIENT_ID,
        "redirect_uri": launch_url,
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
        "state": "state-1",
        "nonce": "nonce-1",
        **changes,
    }
    return {name: value for name, value in params.items() if value is not None}


def test_auth_answers_an_auto_posting_form(platform: FakePlatform, tool: MiniTool) -> None:
    redirect_uri = f"{tool.base_url}/launch"

    response = requests.get(
        platform.auth_url, params=auth_params(platform, redirect_uri), timeout=TIMEOUT
    )

    assert response.status_code == 200
    assert "document.forms[0].submit()" in response.text
    [form] = parse_forms(response.text)
    assert (form.method, form.action, set(form.fields)) == (
        "post",
        redirect_uri,
        {"id_token", "state"},
    )
    assert form.fields["state"] == "state-1"
    assert verify(platform, form.fields["id_token"])["nonce"] == "nonce-1"
    assert platform.auth_requests[-1].status == 200
    assert platform.auth_requests[-1].nonce == "nonce-1"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"redirect_uri": "https://evil.example/launch"}, "is not registered"),
        ({"nonce": None}, "missing nonce"),
        ({"state": None}, "missing state"),
        ({"client_id": "nobody"}, "unknown client_id"),
        ({"response_mode": "query"}, "response_mode"),
        ({"prompt": None}, "prompt"),
        ({"login_hint": "forged"}, "login_hint"),
        ({"lti_message_hint": "changed"}, "lti_message_hint"),
    ],
)
def test_auth_refuses_a_bad_request(
    platform: FakePlatform, tool: MiniTool, changes: dict[str, str | None], reason: str
) -> None:
    params = auth_params(platform, f"{tool.base_url}/launch", **changes)

    response = requests.post(platform.auth_url, data=params, timeout=TIMEOUT)

    assert response.status_code == 400
    assert reason in response.text
    assert platform.auth_requests[-1].status == 400
    assert reason in (platform.auth_requests[-1].error or "")


# -- the token endpoint ----------------------------------------------------------------------


def test_token_accepts_a_signed_client_assertion(platform: FakePlatform, tool: MiniTool) -> None:
    scopes = (SCOPE_NRPS, SCOPE_LINEITEM, SCOPE_SCORE)
    form = token_form(assertion(tool.key, platform.token_url), scopes)

    response = requests.post(platform.token_url, data=form, timeout=TIMEOUT)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert body["scope"].split() == list(scopes)
    [issued] = platform.tokens[CLIENT_ID]
    assert issued.access_token == body["access_token"]
    assert platform.token_requests[-1].status == 200


def test_token_accepts_the_configured_audience(tool: MiniTool) -> None:
    with FakePlatform(token_audience="https://api.example.com/auth/token") as lms:
        lms.register_tool(CLIENT_ID, DEPLOYMENT_ID, "x", ["y"], f"{tool.base_url}/jwks")
        form = token_form(assertion(tool.key, "https://api.example.com/auth/token"))
        assert requests.post(lms.token_url, data=form, timeout=TIMEOUT).status_code == 200


@pytest.mark.parametrize(
    ("make_assertion", "reason"),
    [
        (
            lambda key, url: assertion(SigningKey.generate(kid=key.kid), url),
            "Signature verification failed",
        ),
        (lambda key, url: assertion(key, "https://elsewhere.example/token"), "Audience"),
        (lambda key, url: assertion(key, url, sub="someone-else"), "sub must equal iss"),
        (lambda key, url: assertion(key, url, exp=int(time.time()) - 10), "expired"),
        (lambda key, url: assertion(key, url, client_id="nobody"), "unknown client"),
        (lambda key, url: "not-a-jwt", "not a JWT"),
    ],
)
def test_token_refuses_a_bad_client_assertion(
    platform: FakePlatform,
    tool: MiniTool,
    make_assertion: Callable[[SigningKey, str], str],
    reason: str,
) -> None:
    form = token_form(make_assertion(tool.key, platform.token_url))

    response = requests.post(platform.token_url, data=form, timeout=TIMEOUT)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"
    assert reason in response.json()["error_description"]
    assert platform.tokens == {}


def test_token_refuses_a_reused_jti(platform: FakePlatform, tool: MiniTool) -> None:
    signed = assertion(tool.key, platform.token_url, jti="jti-1")
    first = requests.post(platform.token_url, data=token_form(signed), timeout=TIMEOUT)
    again = assertion(tool.key, platform.token_url, jti="jti-1", iat=int(time.time()) - 1)

    second = requests.post(platform.token_url, data=token_form(again), timeout=TIMEOUT)

    assert first.status_code == 200
    assert second.status_code == 400
    assert "already used" in second.json()["error_description"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"client_assertion_type": "secret"}, "invalid_request"),
        ({"scope": "https://example.com/everything"}, "invalid_scope"),
    ],
)
def test_token_refuses_a_bad_grant(
    platform: FakePlatform, tool: MiniTool, change: dict[str, str], error: str
) -> None:
    form = {**token_form(assertion(tool.key, platform.token_url)), **change}

    response = requests.post(platform.token_url, data=form, timeout=TIMEOUT)

    assert (response.status_code, response.json()["error"]) == (400, error)


def test_two_clients_of_one_issuer_get_their_own_tokens(
    platform: FakePlatform, access_token: Callable[..., str]
) -> None:
    platform.add_context("ctx-b", client_id=OTHER_CLIENT_ID)
    token_a = access_token(SCOPE_NRPS)
    token_b = access_token(SCOPE_NRPS, client_id=OTHER_CLIENT_ID)

    wrong_tenant = requests.get(
        f"{platform.base_url}/nrps/ctx-b",
        headers={"Authorization": f"Bearer {token_a}", "Accept": NRPS_MEDIA},
        timeout=TIMEOUT,
    )

    assert token_a != token_b
    assert [t.access_token for t in platform.tokens[CLIENT_ID]] == [token_a]
    assert [t.access_token for t in platform.tokens[OTHER_CLIENT_ID]] == [token_b]
    assert wrong_tenant.status_code == 403
    assert platform.service_calls[-1].client_id == CLIENT_ID


# -- NRPS ------------------------------------------------------------------------------------


def test_nrps_pages_with_link_next_and_caps_the_page_at_50(
    platform: FakePlatform, access_token: Callable[..., str]
) -> None:
    platform.add_member("ctx-1", "teacher-1", (ROLE_INSTRUCTOR,), name="Ada Lovelace")
    for number in range(119):
        platform.add_member("ctx-1", f"student-{number}", email=f"s{number}@example.edu")
    headers = {"Authorization": f"Bearer {access_token(SCOPE_NRPS)}", "Accept": NRPS_MEDIA}
    url: str | None = f"{platform.base_url}/nrps/ctx-1?limit=100"
    pages: list[list[dict[str, Any]]] = []

    while url:
        response = requests.get(url, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == NRPS_MEDIA
        pages.append(response.json()["members"])
        next_url = response.links.get("next", {}).get("url")
        if next_url:
            assert "Link" in list(response.raw.headers.keys())  # the header's case as sent
            assert response.raw.headers["Link"].endswith('>; rel="next"')
        url = next_url

    assert [len(page) for page in pages] == [50, 50, 20]
    user_ids = [member["user_id"] for page in pages for member in page]
    assert len(set(user_ids)) == 120 and user_ids[0] == "teacher-1"
    assert [call.path for call in platform.service_calls] == [
        "/nrps/ctx-1?limit=100",
        "/nrps/ctx-1?limit=50&page=2",
        "/nrps/ctx-1?limit=50&page=3",
    ]
    assert platform.service_calls[0].headers["Accept"] == NRPS_MEDIA


def test_nrps_refuses_without_token_scope_or_accept(
    platform: FakePlatform, access_token: Callable[..., str]
) -> None:
    platform.add_member("ctx-1", "student-1")
    url = f"{platform.base_url}/nrps/ctx-1"
    no_scope = access_token(SCOPE_SCORE)

    answers = [
        requests.get(url, headers={"Accept": NRPS_MEDIA}, timeout=TIMEOUT),
        requests.get(
            url, headers={"Authorization": f"Bearer {no_scope}", "Accept": NRPS_MEDIA}, timeout=10
        ),
        requests.get(
            url, headers={"Authorization": f"Bearer {access_token(SCOPE_NRPS)}"}, timeout=10
        ),
    ]

    assert [answer.status_code for answer in answers] == [401, 403, 406]
    assert [call.status for call in platform.service_calls] == [401, 403, 406]


def test_an_expired_access_token_is_refused(
    platform: FakePlatform, access_token: Callable[..., str]
) -> None:
    platform.add_member("ctx-1", "student-1")
    headers = {"Authorization": f"Bearer {access_token(SCOPE_NRPS)}", "Accept": NRPS_MEDIA}

    platform.expire_access_tokens(CLIENT_ID)

    url = f"{platform.base_url}/nrps/ctx-1"
    assert requests.get(url, headers=headers, timeout=TIMEOUT).status_code == 401


# -- AGS -------------------------------------------------------------------------------------


def test_ags_records_line_items_and_scores_and_refuses_non_learners(
    platform: FakePlatform, access_token: Callable[..., str]
) -> None:
    platform.add_member("ctx-1", "student-1")
    platform.add_member("ctx-1", "teacher-1", (ROLE_INSTRUCTOR,))
    bearer = {"Authorization": f"Bearer {access_token(SCOPE_LINEITEM, SCOPE_SCORE)}"}
    lineitems_url = f"{platform.base_url}/ags/ctx-1/lineitems"
    line_item: dict[str, Any] = {
        "label": "Questioning",
        "scoreMaximum": 1,
        "resourceLinkId": "rl-1",
    }

    created = requests.post(
        lineitems_url,
        json=line_item,
        headers={**bearer, "Content-Type": LINEITEM_MEDIA},
        timeout=TIMEOUT,
    )
    listed = requests.get(
        lineitems_url,
        params={"resourceLinkId": "rl-1"},
        headers={**bearer, "Accept": LINEITEMS_MEDIA},
        timeout=TIMEOUT,
    )
    item_url = created.json()["id"]

    def post_score(user_id: str, content_type: str = SCORE_MEDIA) -> requests.Response:
        score: dict[str, Any] = {
            "userId": user_id,
            "scoreGiven": 1,
            "scoreMaximum": 1,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": "2025-01-01T00:00:00.000Z",
        }
        headers = {**bearer, "Content-Type": content_type}
        return requests.post(f"{item_url}/scores", json=score, headers=headers, timeout=TIMEOUT)

    learner, teacher, stranger = post_score("student-1"), post_score("teacher-1"), post_score("x")
    wrong_type = post_score("student-1", content_type="application/json")

    assert created.status_code == 201
    assert created.headers["Content-Type"] == LINEITEM_MEDIA
    assert item_url.startswith(lineitems_url + "/")
    assert listed.headers["Content-Type"] == LINEITEMS_MEDIA
    assert listed.json() == [created.json()]
    assert platform.line_items == [created.json()]
    assert learner.status_code == 200
    assert (teacher.status_code, stranger.status_code, wrong_type.status_code) == (422, 422, 415)
    assert teacher.json()["errors"]["type"] == "unprocessable_entity"
    [score] = platform.scores
    assert (score.client_id, score.context_id, score.user_id) == (CLIENT_ID, "ctx-1", "student-1")
    assert [call.status for call in platform.service_calls] == [201, 200, 200, 422, 422, 415]


def test_ags_refuses_a_line_item_without_the_lineitem_scope(
    platform: FakePlatform, access_token: Callable[..., str]
) -> None:
    platform.add_context("ctx-1")
    response = requests.post(
        f"{platform.base_url}/ags/ctx-1/lineitems",
        json={"label": "x", "scoreMaximum": 1},
        headers={
            "Authorization": f"Bearer {access_token(SCOPE_SCORE)}",
            "Content-Type": LINEITEM_MEDIA,
        },
        timeout=TIMEOUT,
    )

    assert response.status_code == 403
    assert platform.line_items == []


# -- certification presets -------------------------------------------------------------------


def _omits(claim: str) -> Callable[[FakePlatform, str, dict[str, Any]], None]:
    def check(platform: FakePlatform, token: str, baseline: dict[str, Any]) -> None:
        claims = verify(platform, token)
        assert set(baseline) - set(claims) == {claim}

    return check


def _check_expired(platform: FakePlatform, token: str, baseline: dict[str, Any]) -> None:
    assert unverified(token)["exp"] < time.time() - 60
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(platform, token)


def _check_iat_in_future(platform: FakePlatform, token: str, baseline: dict[str, Any]) -> None:
    assert unverified(token)["iat"] > time.time() + 60
    with pytest.raises(jwt.ImmatureSignatureError):
        verify(platform, token)


def _check_missing_kid(platform: FakePlatform, token: str, baseline: dict[str, Any]) -> None:
    assert "kid" not in jwt.get_unverified_header(token)
    assert unverified(token)["nonce"] == "n"


def _check_wrong_kid(platform: FakePlatform, token: str, baseline: dict[str, Any]) -> None:
    kid = jwt.get_unverified_header(token)["kid"]
    assert kid not in {key["kid"] for key in platform.jwks()["keys"]}


def _check_not_a_jwt(platform: FakePlatform, token: str, baseline: dict[str, Any]) -> None:
    with pytest.raises(jwt.DecodeError):
        jwt.get_unverified_header(token)


def _check_not_an_lti_jwt(platform: FakePlatform, token: str, baseline: dict[str, Any]) -> None:
    claims = verify(platform, token)
    assert set(claims) == {"iss", "sub", "aud", "iat", "exp", "nonce", "name", "given_name"} | {
        "family_name",
        "email",
    }


def _check_wrong_version(platform: FakePlatform, token: str, baseline: dict[str, Any]) -> None:
    assert verify(platform, token)[CLAIM + "version"] == "1.0.0"


def _check_no_resource_link_id(
    platform: FakePlatform, token: str, baseline: dict[str, Any]
) -> None:
    link = verify(platform, token)[CLAIM + "resource_link"]
    assert "id" not in link and link["title"]


INVALID_CHECKS: dict[str, Callable[[FakePlatform, str, dict[str, Any]], None]] = {
    "missing_kid": _check_missing_kid,
    "wrong_kid": _check_wrong_kid,
    "expired": _check_expired,
    "iat_in_future": _check_iat_in_future,
    "not_a_jwt": _check_not_a_jwt,
    "not_an_lti_jwt": _check_not_an_lti_jwt,
    "wrong_lti_version": _check_wrong_version,
    "no_lti_version": _omits(CLAIM + "version"),
    "no_deployment_id": _omits(CLAIM + "deployment_id"),
    "no_message_type": _omits(CLAIM + "message_type"),
    "no_roles_claim": _omits(CLAIM + "roles"),
    "no_sub": _omits("sub"),
    "no_resource_link_id": _check_no_resource_link_id,
}
PERSONAL = {"name", "given_name", "family_name", "email"}


def _personal(claims: dict[str, Any]) -> set[str]:
    return PERSONAL & set(claims)


VALID_CHECKS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "teacher_several_roles": lambda c: (
        len(c[CLAIM + "roles"]) >= 2 and ROLE_INSTRUCTOR in c[CLAIM + "roles"]
    ),
    "short_role_instructor": lambda c: c[CLAIM + "roles"] == ["Instructor"],
    "unknown_role": lambda c: (
        len(c[CLAIM + "roles"]) == 1
        and not c[CLAIM + "roles"][0].startswith("http://purl.imsglobal.org/vocab/")
    ),
    "no_role": lambda c: c[CLAIM + "roles"] == [],
    "only_email": lambda c: _personal(c) == {"email"},
    "only_names": lambda c: _personal(c) == {"name", "given_name", "family_name"},
    "no_personal_data": lambda c: _personal(c) == set(),
    "no_context": lambda c: not {CLAIM + "context", NRPS_CLAIM, AGS_CLAIM} & set(c),
    "student": lambda c: (
        c[CLAIM + "roles"] == [ROLE_LEARNER] and ROLE_INSTRUCTOR not in c[CLAIM + "roles"]
    ),
}


def test_every_preset_has_a_check() -> None:
    assert set(INVALID_CHECKS) == set(CERTIFICATION_INVALID)
    assert set(VALID_CHECKS) == set(CERTIFICATION_VALID)
    assert not set(CERTIFICATION_INVALID) & set(CERTIFICATION_VALID)


@pytest.mark.parametrize("name", sorted(CERTIFICATION_INVALID))
def test_invalid_preset_has_the_defect_it_names(
    platform: FakePlatform, tool: MiniTool, name: str
) -> None:
    baseline = verify(platform, platform.id_token(CLIENT_ID, nonce="n"))

    token = platform.id_token(CLIENT_ID, nonce="n", **CERTIFICATION_INVALID[name])

    INVALID_CHECKS[name](platform, token, baseline)


@pytest.mark.parametrize("name", sorted(CERTIFICATION_VALID))
def test_valid_preset_is_a_complete_launch_with_its_trait(
    platform: FakePlatform, tool: MiniTool, name: str
) -> None:
    claims = verify(platform, platform.id_token(CLIENT_ID, nonce="n", **CERTIFICATION_VALID[name]))

    assert claims["sub"] and claims["nonce"] == "n"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "message_type"] == "LtiResourceLinkRequest"
    assert claims[CLAIM + "deployment_id"] == DEPLOYMENT_ID
    assert claims[CLAIM + "resource_link"]["id"] == "rl-1"
    assert isinstance(claims[CLAIM + "roles"], list)
    assert VALID_CHECKS[name](claims)


# -- the launch driver -----------------------------------------------------------------------


def test_launch_over_http_runs_the_three_steps(platform: FakePlatform, tool: MiniTool) -> None:
    with requests.Session() as browser:
        result = platform.launch(browser, CLIENT_ID, launch_preset="student")

    assert result.response.status_code == 200, result.response.text
    assert result.response.json() == {"sub": "student-1", "roles": [ROLE_LEARNER]}
    [login] = tool.logins
    assert set(login) == {
        "iss",
        "login_hint",
        "target_link_uri",
        "lti_message_hint",
        "client_id",
        "lti_deployment_id",
    }
    assert (login["client_id"], login["lti_deployment_id"]) == (CLIENT_ID, DEPLOYMENT_ID)
    assert result.grant.record.status == 200
    assert result.nonce == unverified(result.grant.id_token)["nonce"] == result.grant.record.nonce
    assert result.state == platform.auth_requests[-1].state


def test_launch_without_a_message_hint(platform: FakePlatform, tool: MiniTool) -> None:
    with requests.Session() as browser:
        result = platform.launch(browser, CLIENT_ID, lti_message_hint="")

    assert result.response.status_code == 200
    assert "lti_message_hint" not in tool.logins[0]


def test_unknown_id_token_arguments_fail_in_the_test_not_the_server(
    platform: FakePlatform, tool: MiniTool
) -> None:
    with requests.Session() as browser, pytest.raises(TypeError, match="rolez"):
        platform.launch(browser, CLIENT_ID, rolez=("Instructor",))


def test_launch_through_a_flask_test_client(platform: FakePlatform, tool: MiniTool) -> None:
    platform.register_tool(
        "client-flask",
        DEPLOYMENT_ID,
        "https://tool.test/login",
        ["https://tool.test/launch"],
        "https://tool.test/jwks",
        jwks=tool.jwks,
    )
    client = FlaskToolClient(tool.app.test_client())

    result = platform.launch(client, "client-flask", sub="teacher-7")

    assert result.response.status_code == 200, result.response.text
    assert result.response.get_json()["sub"] == "teacher-7"
    assert result.grant.redirect_uri == "https://tool.test/launch"


def test_tampering_after_the_auth_step(platform: FakePlatform, tool: MiniTool) -> None:
    with requests.Session() as browser:
        first = platform.launch(browser, CLIENT_ID)
        replayed = platform.complete(browser, first.grant)
        grant = platform.authorize(browser, CLIENT_ID)
        forged = platform.id_token(
            CLIENT_ID, nonce=grant.nonce, **CERTIFICATION_INVALID["wrong_kid"]
        )
        substituted = platform.complete(browser, grant, id_token=forged)
        expired = platform.launch(browser, CLIENT_ID, launch_preset="expired")

    assert first.response.status_code == 200
    assert (replayed.status_code, substituted.status_code) == (400, 400)
    assert "bad id_token" in substituted.text
    assert expired.response.status_code == 400


def test_launch_reports_where_the_flow_stopped(platform: FakePlatform, tool: MiniTool) -> None:
    platform.register_tool(
        "client-elsewhere", DEPLOYMENT_ID, f"{tool.base_url}/login", ["https://x.test/"], "x"
    )
    with requests.Session() as browser, pytest.raises(LaunchFlowError) as stopped:
        platform.launch(browser, "client-elsewhere")

    assert stopped.value.step == "auth"
    assert "is not registered" in stopped.value.message


# -- deep-linking return ---------------------------------------------------------------------


def test_deep_link_return_checks_the_signed_response(
    platform: FakePlatform, tool: MiniTool
) -> None:
    request = unverified(
        platform.id_token(CLIENT_ID, nonce="n", message_type="LtiDeepLinkingRequest")
    )
    settings = request[DL_CLAIM + "deep_linking_settings"]

    def reply(data: str) -> requests.Response:
        now = int(time.time())
        claims = {
            "iss": CLIENT_ID,
            "aud": platform.issuer,
            "iat": now,
            "exp": now + 300,
            "nonce": secrets.token_hex(8),
            CLAIM + "message_type": "LtiDeepLinkingResponse",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": DEPLOYMENT_ID,
            DL_CLAIM + "data": data,
            DL_CLAIM + "content_items": [{"type": "ltiResourceLink", "title": "Questioning"}],
        }
        signed = jwt.encode(claims, tool.key.private_key, "RS256", {"kid": tool.key.kid})
        return requests.post(settings["deep_link_return_url"], data={"JWT": signed}, timeout=10)

    accepted, refused = reply(settings["data"]), reply("not-what-was-sent")

    assert (accepted.status_code, refused.status_code) == (200, 400)
    assert "data claim" in refused.text
    assert [exchange.status for exchange in platform.deep_link_responses] == [200, 400]
    assert platform.deep_link_responses[0].body[DL_CLAIM + "content_items"][0]["title"]


def test_stop_closes_the_server() -> None:
    with FakePlatform() as lms:
        url = lms.jwks_url
        assert requests.get(url, timeout=TIMEOUT).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=TIMEOUT)
