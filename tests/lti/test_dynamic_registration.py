"""LTI Dynamic Registration end to end over HTTP: the tool served on 127.0.0.1 registers with
Canvas-shaped and Moodle-shaped fake platforms, an admin approves the deployment, and the
platform then launches the tool (1EdTech LTI Dynamic Registration 1.0; Canvas "Registering an
LTI Tool")."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from lti_tool.bootstrap import Container, build
from lti_tool.domain.lti import DeploymentStatus
from lti_tool.services.platforms import OPERATOR
from lti_tool.settings import SettingsError
from lti_tool.web.app import create_app
from tests.fakes.lms_registration import CANVAS_PRIVACY, TOOL_CONFIGURATION, RegistrationPlatform
from tests.lti.live import live_tool
from tests.web.conftest import make_settings

CLOSE = "org.imsglobal.lti.close"


@pytest.fixture
def built(database_url: str, tmp_path: Path) -> Iterator[dict[str, Container]]:
    """Holds the tool's container once the live server knows its URL."""
    holder: dict[str, Container] = {}
    yield holder
    if "container" in holder:
        holder["container"].lti.http.close()
        holder["container"].engine.dispose()


@pytest.fixture
def tool(built: dict[str, Container], database_url: str, tmp_path: Path) -> Iterator[str]:
    def make_app(url: str):  # type: ignore[no-untyped-def]
        settings = make_settings(
            database_url, tmp_path / "instance", CREDBRIDGE_DEMO="0", CREDBRIDGE_BASE_URL=url
        )
        built["container"] = build(settings)
        return create_app(container=built["container"])

    with live_tool(make_app) as url:
        yield url


def _register(lms: RegistrationPlatform, tool: str, token: str | None = None) -> requests.Response:
    return requests.get(lms.registration_url(f"{tool}/lti/register", token), timeout=10)


@pytest.mark.parametrize("family", ["canvas", "moodle"])
def test_dynamic_registration_then_launch(
    family: str, tool: str, built: dict[str, Container]
) -> None:
    container = built["container"]
    with RegistrationPlatform(family) as lms, requests.Session() as browser:
        page = _register(lms, tool)
        assert page.status_code == 200, page.text
        assert "lti_register.js" in page.text and "data-lti-close" in page.text
        script = requests.get(f"{tool}/static/lti_register.js", timeout=10).text
        assert CLOSE in script and "postMessage" in script

        assert len(lms.registered) == 1
        body = lms.registered[0]
        assert body["jwks_uri"] == f"{tool}/.well-known/jwks.json"
        assert body["initiate_login_uri"] == f"{tool}/lti/login"
        assert body["redirect_uris"] == [f"{tool}/lti/launch"]
        configuration = body[TOOL_CONFIGURATION]
        messages = {item["type"]: item for item in configuration["messages"]}
        assert set(messages) == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
        if family == "canvas":
            assert configuration[CANVAS_PRIVACY] == "public"
            assert messages["LtiDeepLinkingRequest"]["placements"] == [
                "assignment_selection",
                "link_selection",
            ]
            assert messages["LtiResourceLinkRequest"]["placements"] == [
                "course_navigation",
                "account_navigation",
            ]
            assert configuration["custom_parameters"]["canvas_user_id"] == "$Canvas.user.id"
            # Canvas wanted the token on the configuration GET too.
            assert lms.configuration_requests[0]["Authorization"].startswith("Bearer ")
        else:
            assert CANVAS_PRIVACY not in configuration
            assert all("placements" not in item for item in messages.values())

        client_id = next(iter(lms.registrations))
        deployment_id = lms.registrations[client_id].deployment_id
        stored = container.platforms.find(lms.issuer, client_id)
        assert stored is not None
        assert stored.product_family == family
        assert stored.auth_login_url == lms.auth_url and stored.key_set_url == lms.jwks_url
        assert stored.auth_audience is None  # Canvas: its bare-host authorization_server unused
        [summary] = [s for s in container.platforms.registrations() if s.registration == stored]
        assert [(d.deployment_id, d.status) for d in summary.deployments] == [
            (deployment_id, DeploymentStatus.PENDING)
        ]

        # Waiting for an admin: a launch is refused until the deployment is approved.
        refused = lms.launch(browser, client_id, launch_preset="student")
        assert refused.response.status_code == 403, refused.response.text
        container.platforms.decide(OPERATOR, stored.id, deployment_id, approve=True)
        launched = lms.launch(browser, client_id, launch_preset="student")
        assert launched.response.status_code == 302, launched.response.text
        assert browser.get(f"{tool}/", timeout=10).status_code == 200


def test_a_refused_registration_token_is_a_clear_403(tool: str) -> None:
    with RegistrationPlatform("canvas") as lms:
        page = _register(lms, tool, token="not-a-token-the-platform-issued")
    assert page.status_code == 403
    assert "refused the registration token" in page.text
    assert lms.registered == [] and lms.refused[0][0] == 401


def test_a_bad_token_on_the_registration_post_is_refused(tool: str) -> None:
    """Moodle reads its configuration without the token; the POST is where it is checked."""
    with RegistrationPlatform("moodle") as lms:
        page = _register(lms, tool, token="forged")
    assert page.status_code == 403, page.text
    assert "registration endpoint" in page.text


def test_an_issuer_on_another_origin_is_refused(tool: str, built: dict[str, Container]) -> None:
    with RegistrationPlatform("canvas", issuer_override="https://canvas.instructure.com") as lms:
        page = _register(lms, tool)
    assert page.status_code == 400
    assert "same origin" in page.text and "https://canvas.instructure.com" in page.text
    assert lms.registered == []
    assert built["container"].platforms.registrations() == []


def test_an_unreachable_configuration_is_a_clear_4xx(tool: str) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"{tool}/lti/register"
    page = requests.get(
        url,
        params={
            "openid_configuration": f"http://127.0.0.1:{port}/openid-configuration",
            "registration_token": "t",
        },
        timeout=10,
    )
    assert page.status_code == 400
    assert "could not be reached" in page.text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "Dynamic Registration URL"),
        (
            {"openid_configuration": "http://lms.example.org/config", "registration_token": "t"},
            "must use https",
        ),
        ({"openid_configuration": "file:///etc/passwd"}, "not an absolute URL"),
        (
            {"openid_configuration": "https://10.1.2.3/config", "registration_token": "t"},
            "private or local network address",
        ),
        (
            {"openid_configuration": "https://[::1]:8443/config", "registration_token": "t"},
            "private or local network address",
        ),
        (
            {"openid_configuration": "https://169.254.169.254/latest", "registration_token": "t"},
            "private or local network address",
        ),
    ],
)
def test_bad_parameters_are_refused_before_any_request(
    tool: str, params: dict[str, str], expected: str
) -> None:
    page = requests.get(
        f"{tool}/lti/register", params=params, headers={"Accept": "application/json"}, timeout=10
    )
    assert page.status_code == 400
    assert expected in page.json()["detail"]


@pytest.fixture
def limited_tool(built: dict[str, Container], database_url: str, tmp_path: Path) -> Iterator[str]:
    """The tool behind one trusted proxy, allowing two registrations a minute per client."""

    def make_app(url: str):  # type: ignore[no-untyped-def]
        settings = make_settings(
            database_url,
            tmp_path / "instance",
            CREDBRIDGE_DEMO="0",
            CREDBRIDGE_BASE_URL=url,
            CREDBRIDGE_REGISTER_RATE_LIMIT="2 per minute",
            CREDBRIDGE_TRUSTED_PROXIES="1",
        )
        built["container"] = build(settings)
        return create_app(container=built["container"])

    with live_tool(make_app) as url:
        yield url


def test_registrations_over_the_budget_wait_and_are_not_fetched(limited_tool: str) -> None:
    with RegistrationPlatform("canvas") as lms:
        forwarded = {"X-Forwarded-For": "203.0.113.7"}
        answers = [
            requests.get(
                lms.registration_url(f"{limited_tool}/lti/register"), headers=forwarded, timeout=10
            )
            for _ in range(3)
        ]
        assert [answer.status_code for answer in answers] == [200, 200, 429]
        refused = answers[2]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "Too many registrations" in refused.text
        assert "Try again in about 1 minute" in refused.text
        assert len(lms.registered) == 2  # the refused one never reached the platform

        # Another client behind the same proxy has its own budget.
        other = requests.get(
            lms.registration_url(f"{limited_tool}/lti/register"),
            headers={"X-Forwarded-For": "198.51.100.4"},
            timeout=10,
        )
        assert other.status_code == 200
        assert len(lms.registered) == 3


def test_a_malformed_rate_limit_stops_the_start_with_its_name(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url, tmp_path / "instance", CREDBRIDGE_REGISTER_RATE_LIMIT="lots please"
    )
    container = build(settings)
    try:
        with pytest.raises(SettingsError, match="CREDBRIDGE_REGISTER_RATE_LIMIT"):
            create_app(container=container)
    finally:
        container.engine.dispose()
