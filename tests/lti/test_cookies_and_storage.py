"""Cookies inside an LMS iframe, and LTI Platform Storage when the browser blocks them.

Sources: RFC 6265bis (``SameSite=None`` needs ``Secure``), CHIPS (``Partitioned``), 1EdTech "LTI
Client Side postMessages" and DOMAIN.md §2 (Canvas offers ``lti_storage_target``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from lti_tool.bootstrap import Container, build
from lti_tool.web.app import create_app
from lti_tool.web.lti_cookies import STORAGE_HEADER
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import FlaskToolClient, parse_forms
from tests.lti.conftest import CLIENT, DEPLOYMENT
from tests.web.conftest import make_settings

HTTPS_BASE = "https://tool.example.org"
TARGET = "post_message_forwarding"


def _set_cookies(response: object) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))  # type: ignore[attr-defined]


def _cookie(response: object, prefix: str) -> str:
    found = [item for item in _set_cookies(response) if item.startswith(prefix)]
    assert found, _set_cookies(response)
    return found[0]


@pytest.fixture
def https_container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    built = build(
        make_settings(
            database_url, tmp_path / "https", CREDBRIDGE_DEMO="0", CREDBRIDGE_BASE_URL=HTTPS_BASE
        )
    )
    yield built
    built.lti.http.close()
    built.engine.dispose()


@pytest.fixture
def https_app(https_container: Container, lms: FakePlatform) -> Flask:
    lms.register_tool(
        CLIENT,
        DEPLOYMENT,
        f"{HTTPS_BASE}/lti/login",
        [f"{HTTPS_BASE}/lti/launch"],
        f"{HTTPS_BASE}/.well-known/jwks.json",
        jwks=https_container.tool_keys.jwks,
    )
    https_container.platforms.register(
        name="Fake LMS",
        issuer=lms.issuer,
        client_id=CLIENT,
        auth_login_url=lms.auth_url,
        auth_token_url=lms.token_url,
        key_set_url=lms.jwks_url,
        deployment_ids=(DEPLOYMENT,),
    )
    return create_app(container=https_container)


def test_over_https_cookies_are_samesite_none_secure_partitioned(
    https_app: Flask, lms: FakePlatform
) -> None:
    tool = FlaskToolClient(https_app.test_client())
    result = lms.launch(tool, CLIENT, launch_preset="student")
    assert result.response.status_code == 302, result.response.get_data(as_text=True)
    for cookie in (
        _cookie(result.grant.login_response, "credbridge-lti-"),
        _cookie(result.response, "credbridge_session="),
    ):
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "partitioned"} <= attributes, cookie
        assert "SameSite=None" in cookie, cookie
    assert "Path=/lti/" in _cookie(result.grant.login_response, "credbridge-lti-")
    home = tool.client.get(f"{HTTPS_BASE}/")
    assert home.status_code == 200


def test_over_plain_http_cookies_are_lax_for_local_development(
    tool: FlaskToolClient, lms: FakePlatform
) -> None:
    result = lms.launch(tool, CLIENT, launch_preset="student")
    assert result.response.status_code == 302
    for cookie in (
        _cookie(result.grant.login_response, "credbridge-lti-"),
        _cookie(result.response, "credbridge_session="),
    ):
        assert "SameSite=Lax" in cookie, cookie
        assert "Secure" not in cookie and "Partitioned" not in cookie, cookie


def test_a_launch_from_a_browser_that_did_not_log_in_is_refused(
    app: Flask, tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    """Login CSRF: the id_token and state of someone else's login, posted by another browser
    (or by one that dropped the cookie) without platform storage, signs nobody in."""
    grant = lms.authorize(tool, CLIENT, launch_preset="student")
    other_browser = FlaskToolClient(app.test_client())
    refused = lms.complete(other_browser, grant)
    assert refused.status_code == 401
    assert "did not send the cookie" in refused.get_data(as_text=True)
    with container.uow_factory() as uow:
        assert uow.people.people(limit=10) == []
    # The browser that logged in can still finish (nothing was spent).
    assert lms.complete(tool, grant).status_code == 302


def _data(page: str) -> dict[str, str]:
    return {
        name.replace("-", "_"): html.unescape(value)
        for name, value in re.findall(r'data-([a-z-]+)="([^"]*)"', page)
    }


def test_platform_storage_launch_when_cookies_are_blocked(
    app: Flask, lms: FakePlatform, container: Container
) -> None:
    """Canvas sends ``lti_storage_target``: the login page puts state and nonce into the
    platform's storage frame; the launch page reads the state back and continues with a
    same-origin request only our page can send."""
    browser = app.test_client()
    params = {**lms.login_params(CLIENT, launch_preset="student"), "lti_storage_target": TARGET}
    login = browser.get("/lti/login", query_string=params)
    assert login.status_code == 200
    page = _data(login.get_data(as_text=True))
    assert page["lti_storage"] == "login" and page["target"] == TARGET
    assert page["origin"] == lms.base_url  # the OIDC auth endpoint's origin
    assert page["state_key"] == "credbridge-state-" + page["state"]
    assert page["nonce_key"] == "credbridge-nonce-" + page["nonce"]
    assert page["next"].startswith(lms.auth_url + "?") and page["state"] in page["next"]
    assert "lti_storage.js" in login.get_data(as_text=True)
    assert "credbridge-lti-" in " ".join(_set_cookies(login))  # cookies still set, in case

    # The platform authenticates; the browser blocks the tool's cookies in the iframe.
    answer = requests.get(page["next"], timeout=10)
    form = parse_forms(answer.text)[0]
    blocked = app.test_client()
    launch = blocked.post("/lti/launch", data={**form.fields, "lti_storage_target": TARGET})
    assert launch.status_code == 200, launch.get_data(as_text=True)
    step = _data(launch.get_data(as_text=True))
    assert step["lti_storage"] == "launch" and step["origin"] == lms.base_url
    assert step["state"] == page["state"] and step["state_key"] == page["state_key"]
    assert step["id_token"] == form.fields["id_token"]

    body = {"id_token": step["id_token"], "state": step["state"]}
    no_header = blocked.post(step["action"], json={**body, "stored_state": step["state"]})
    assert no_header.status_code == 400  # a cross-site form cannot send the header
    wrong = blocked.post(
        step["action"], json={**body, "stored_state": "another-browser"},
        headers={STORAGE_HEADER: "1"},
    )  # fmt: skip
    assert wrong.status_code == 401

    # What our page sends after lti.get_data answered with the state stored at login:
    done = blocked.post(
        step["action"], json={**body, "stored_state": step["state"]},
        headers={STORAGE_HEADER: "1"},
    )  # fmt: skip
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["location"].endswith("/")
    assert blocked.get("/").status_code == 200  # signed in
    replay = blocked.post(
        step["action"], json={**body, "stored_state": step["state"]},
        headers={STORAGE_HEADER: "1"},
    )  # fmt: skip
    assert replay.status_code == 401 and "already used" in replay.get_json()["detail"]


def test_a_storage_target_that_is_not_a_frame_name_is_ignored(
    app: Flask, lms: FakePlatform
) -> None:
    browser = app.test_client()
    params = {**lms.login_params(CLIENT), "lti_storage_target": "<script>"}
    assert browser.get("/lti/login", query_string=params).status_code == 302
