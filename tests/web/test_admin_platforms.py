"""Admin, Platforms over HTTP: add, list, approve, reject; on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
import re
import threading
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from lti_tool.bootstrap import Container
from lti_tool.db.engine import make_engine
from lti_tool.domain.lti import Deployment, DeploymentStatus, PlatformRegistration
from lti_tool.ports import AuditFilter
from lti_tool.services.platforms import PlatformService
from lti_tool.web.app import create_app
from tests.web.conftest import District
from tests.web.http import post, sign_in

URL = "/admin/platforms"
CANVAS = "https://canvas.instructure.com"
FORM = {
    "name": "Riverside Canvas",
    "issuer": CANVAS,
    "client_id": "10000000000001",
    "deployment_ids": "1:abc\r\n2:def\r\n",
    "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
    "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks",
    "key_set": "",
    "auth_audience": "",
}
RSA_KEY = {"kty": "RSA", "kid": "d2l-1", "n": "sXchR0w", "e": "AQAB"}
LABELLED = (
    "name", "issuer", "client_id", "deployment_ids", "auth_login_url", "auth_token_url",
    "key_set_url", "key_set", "auth_audience", "auto_approve",
)  # fmt: skip


@pytest.fixture
def app(container: Container) -> Flask:
    return create_app(container=container)


@pytest.fixture
def platforms(container: Container) -> PlatformService:
    return PlatformService(container.uow_factory, container.clock)


def page(client: FlaskClient) -> str:
    response = client.get(URL)
    assert response.status_code == 200, response.get_data(as_text=True)
    return html.unescape(response.get_data(as_text=True))


def registered(platforms: PlatformService, **form: str) -> PlatformRegistration:
    fields = {**FORM, **form}
    return platforms.register(
        fields["name"],
        fields["issuer"],
        fields["client_id"],
        fields["auth_login_url"],
        fields["auth_token_url"],
        key_set_url=fields["key_set_url"],
    )


def audit_actions(container: Container) -> list[tuple[str | None, str, str | None, str | None]]:
    with container.uow_factory() as uow:
        entries = uow.audit.page(AuditFilter(entity_type="platform"), 50, 0)
    return [(e.actor_id, e.action, e.from_state, e.to_state) for e in reversed(entries)]


def test_admin_adds_a_platform_and_sees_it_listed(
    client: FlaskClient, container: Container, district: District, platforms: PlatformService
) -> None:
    sign_in(client, district.admin)
    empty = page(client)
    assert "No platform is registered yet." in empty
    for name in LABELLED:
        assert f'<label for="f-{name}">' in empty, name
        assert f'id="f-{name}"' in empty, name

    response = post(client, URL, **FORM)

    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(URL)
    listed = page(client)
    assert "Registered Riverside Canvas." in listed
    for value in (CANVAS, "10000000000001", FORM["auth_token_url"], FORM["key_set_url"]):
        assert value in listed
    assert "<code>1:abc</code>" in listed
    assert "<code>2:def</code>" in listed
    assert "No deployment is waiting." in listed
    [summary] = platforms.registrations()
    assert summary.registration.name == "Riverside Canvas"
    assert [(d.deployment_id, d.status) for d in summary.deployments] == [
        ("1:abc", DeploymentStatus.APPROVED),
        ("2:def", DeploymentStatus.APPROVED),
    ]
    assert audit_actions(container) == [
        (district.admin, "register", None, None),
        (district.admin, "approve_deployment", None, "approved"),
        (district.admin, "approve_deployment", None, "approved"),
    ]


def test_a_pasted_key_set_and_audience_with_automatic_approval(
    client: FlaskClient, district: District, platforms: PlatformService
) -> None:
    sign_in(client, district.admin)
    form = {
        **FORM,
        "name": "District D2L",
        "issuer": "https://district.brightspace.com",
        "key_set_url": "",
        "key_set": json.dumps({"keys": [RSA_KEY]}),
        "auth_audience": "https://api.brightspace.com/auth/token",
        "deployment_ids": "",
        "auto_approve": "1",
    }

    assert post(client, URL, **form).status_code == 302

    [summary] = platforms.registrations()
    assert summary.registration.key_set == {"keys": [RSA_KEY]}
    assert summary.registration.auth_audience == "https://api.brightspace.com/auth/token"
    assert summary.registration.auto_approve_deployments is True
    listed = page(client)
    assert "pasted key set (1 key)" in listed
    assert "Approved automatically." in listed


def test_invalid_input_re_renders_the_form_with_what_was_typed(
    client: FlaskClient, district: District, platforms: PlatformService
) -> None:
    sign_in(client, district.admin)
    typed = {**FORM, "auth_token_url": "http://sso.example/token", "key_set": "{oops"}

    response = post(client, URL, **typed)

    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert "The platform registration is not valid" in body
    assert 'value="http://sso.example/token"' in body
    assert 'value="Riverside Canvas"' in body
    assert ">{oops</textarea>" in body
    assert re.search(r">1:abc\r?\n2:def\r?\n</textarea>", body)
    assert re.search(
        r'id="f-auth_token_url-problem"><strong>Problem:</strong> must use https', body
    )
    assert 'aria-describedby="f-auth_token_url-problem"' in body
    assert 'id="f-key_set-problem"><strong>Problem:</strong> is not valid JSON' in body
    assert "auth_token_url: must use https" in body  # the summary names every problem
    assert platforms.registrations() == []


def test_a_registered_issuer_and_client_id_is_refused_on_the_form(
    client: FlaskClient, district: District, platforms: PlatformService
) -> None:
    registered(platforms)
    sign_in(client, district.admin)

    response = post(client, URL, **{**FORM, "name": "Copy"})

    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert "is already registered as 'Riverside Canvas'" in body
    assert 'value="Copy"' in body
    assert len(platforms.registrations()) == 1


def test_admin_approves_and_rejects_pending_deployments(
    client: FlaskClient, container: Container, district: District, platforms: PlatformService
) -> None:
    registration = registered(platforms)
    platforms.deployment_seen(registration.id, "7:course-a")
    platforms.deployment_seen(registration.id, "8:course-b")
    sign_in(client, district.admin)

    waiting = page(client)
    assert "Waiting for approval" in waiting
    assert f'action="{URL}/{registration.id}/approve"' in waiting
    assert 'data-confirm="Reject deployment 8:course-b of Riverside Canvas?' in waiting
    assert waiting.count('name="csrf_token"') >= 5

    approved = post(client, f"{URL}/{registration.id}/approve", deployment_id="7:course-a")
    rejected = post(client, f"{URL}/{registration.id}/reject", deployment_id="8:course-b")

    assert approved.status_code == rejected.status_code == 302
    assert platforms.deployment_seen(registration.id, "7:course-a").status.value == "approved"
    assert platforms.deployment_seen(registration.id, "8:course-b").status.value == "rejected"
    after = page(client)
    assert "No deployment is waiting." in after
    assert "Deployment 8:course-b is rejected." in after
    assert audit_actions(container)[-2:] == [
        (district.admin, "approve_deployment", "pending", "approved"),
        (district.admin, "reject_deployment", "pending", "rejected"),
    ]


def test_admin_turns_automatic_approval_on_and_off(
    client: FlaskClient, container: Container, district: District, platforms: PlatformService
) -> None:
    registration = registered(platforms)
    sign_in(client, district.admin)
    assert "Approve every new deployment of Riverside Canvas automatically?" in page(client)

    assert post(client, f"{URL}/{registration.id}/auto-approve", on="1").status_code == 302
    assert platforms.get(registration.id).auto_approve_deployments is True
    assert platforms.deployment_seen(registration.id, "new").status.value == "approved"
    assert post(client, f"{URL}/{registration.id}/auto-approve", on="0").status_code == 302
    assert platforms.get(registration.id).auto_approve_deployments is False
    assert (district.admin, "set_auto_approve", "off", "on") in audit_actions(container)


def test_unknown_registrations_are_not_found(client: FlaskClient, district: District) -> None:
    sign_in(client, district.admin)

    assert post(client, f"{URL}/nope/approve", deployment_id="1").status_code == 404
    assert post(client, f"{URL}/nope/auto-approve", on="1").status_code == 404


@pytest.mark.parametrize("who", ["teacher", "assessor", "issuer"])
def test_only_admins_reach_the_platforms_page(
    client: FlaskClient, district: District, platforms: PlatformService, who: str
) -> None:
    registration = registered(platforms)
    platforms.deployment_seen(registration.id, "waiting")
    sign_in(client, getattr(district, who))

    assert client.get(URL).status_code == 403
    assert post(client, URL, **{**FORM, "client_id": "2"}).status_code == 403
    assert post(
        client, f"{URL}/{registration.id}/approve", deployment_id="waiting"
    ).status_code == (403)
    assert post(client, f"{URL}/{registration.id}/auto-approve", on="1").status_code == 403

    assert len(platforms.registrations()) == 1
    assert platforms.pending().total == 1
    assert platforms.get(registration.id).auto_approve_deployments is False


def test_forms_without_the_csrf_token_are_refused(
    client: FlaskClient, district: District, platforms: PlatformService
) -> None:
    sign_in(client, district.admin)

    assert client.post(URL, data=FORM).status_code == 400
    assert platforms.registrations() == []


# -- the same service on the real database: a race between two launches ----------------------


def _wait_until_blocked(database_url: str) -> None:
    """Until a second transaction waits on a lock (PostgreSQL), or a moment (SQLite)."""
    if not database_url.startswith("postgresql"):
        time.sleep(0.3)
        return
    engine = make_engine(database_url)
    try:
        for _ in range(100):
            with engine.connect() as connection:
                if connection.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
                    return
            time.sleep(0.05)
    finally:
        engine.dispose()


def test_two_launches_recording_the_same_new_deployment_both_succeed(
    container: Container, database_url: str, platforms: PlatformService
) -> None:
    registration = registered(platforms)
    first = container.uow_factory()
    first.__enter__()
    first.platforms.add_deployment(
        Deployment(registration.id, "1:race", DeploymentStatus.PENDING, container.clock.now())
    )
    outcome: list[object] = []

    def second_launch() -> None:
        try:
            outcome.append(platforms.deployment_seen(registration.id, "1:race"))
        except Exception as error:  # reported below, not lost in the thread
            outcome.append(error)

    thread = threading.Thread(target=second_launch)
    thread.start()
    _wait_until_blocked(database_url)
    first.commit()
    first.__exit__(None, None, None)
    thread.join(timeout=30)

    assert not thread.is_alive()
    [seen] = outcome
    assert isinstance(seen, Deployment), seen
    assert seen.status is DeploymentStatus.PENDING
    assert [d.deployment_id for d in platforms.registrations()[0].deployments] == ["1:race"]
