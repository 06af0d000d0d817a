"""The demo LMS at /demo-lms: it launches the tool through the real OIDC login and launch (the
same platform code as the tests' fake LMS), signs in the demo district's people, and takes a
deep-linking answer back, checking its signature."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.bootstrap import Container, build
from lti_tool.demo import register_demo_lms
from lti_tool.demo_lms import demo
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.web.app import create_app
from tests.fakes.lms_tokens import parse_forms
from tests.web.conftest import make_settings
from tests.web.http import csrf

BASE = "http://127.0.0.1:8000"  # the settings' default base URL
ROLES = {
    "teacher": Role.EDUCATOR,
    "assessor": Role.ASSESSOR,
    "issuer": Role.ISSUER,
    "admin": Role.ADMIN,
}


class AtBase(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", BASE)
        return super().open(*args, **kwargs)


@pytest.fixture
def people(container: Container) -> dict[str, str]:
    district = container.people.add_organization("Riverbend", OrganizationKind.DISTRICT).id
    ids = {
        user.key: container.people.add_person(
            user.name, email=user.email, organization_id=district,
            roles=((ROLES[user.key], district),),
        ).id
        for user in demo.USERS
    }  # fmt: skip
    register_demo_lms(container)
    return ids


@pytest.fixture
def browser(app: Flask) -> FlaskClient:
    app.test_client_class = AtBase
    return app.test_client()


def _launch(browser: FlaskClient, **form: str) -> Any:
    """Press a button of the demo LMS and follow the browser through login and launch."""
    form["csrf_token"] = csrf(browser)
    started = browser.post("/demo-lms/launch", data=form)
    assert started.status_code == 302 and "/lti/login?" in started.headers["Location"]
    login = browser.get(started.headers["Location"])
    assert login.status_code == 302 and "/demo-lms/auth?" in login.headers["Location"]
    auth = browser.get(login.headers["Location"])
    assert auth.status_code == 200, auth.get_data(as_text=True)
    (post,) = parse_forms(auth.get_data(as_text=True))
    assert urlsplit(post.action).path == "/lti/launch" and set(post.fields) == {"id_token", "state"}
    return browser.post(post.action, data=post.fields)


def test_each_demo_person_launches_and_is_signed_in_as_themselves(
    browser: FlaskClient, container: Container, people: dict[str, str]
) -> None:
    page = browser.get("/demo-lms/").get_data(as_text=True)
    assert 'name="credbridge-tool"' in page
    for user in demo.USERS:
        assert f"Open credbridge as {user.name.split()[0]}" in page
        launched = _launch(browser, user=user.key, kind="navigation")
        assert launched.status_code == 302, launched.get_data(as_text=True)
        home = browser.get("/").get_data(as_text=True)
        assert user.name in home
        with browser.session_transaction(base_url=BASE) as session:
            assert session["person_id"] == people[user.key]  # the seeded person, not a new one


def test_a_course_assignment_opens_its_credential(
    browser: FlaskClient, container: Container, people: dict[str, str]
) -> None:
    slug = container.catalog.browse()[0].credentials[0].slug
    launched = _launch(browser, user="teacher", kind="link", credential=slug)
    assert launched.status_code == 302 and launched.headers["Location"].endswith(f"/catalog/{slug}")


def test_deep_linking_round_trip_is_checked_by_the_demo_lms(
    browser: FlaskClient, container: Container, people: dict[str, str]
) -> None:
    launched = _launch(browser, user="assessor", kind="deep_linking")
    assert launched.status_code == 302
    chooser = browser.get(launched.headers["Location"])
    assert chooser.status_code == 200
    slug = container.catalog.browse()[0].credentials[0].slug
    answer = browser.post(
        launched.headers["Location"],
        data={"csrf_token": csrf(browser), "credential": slug, "action": "add"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    (back,) = [form for form in parse_forms(answer.get_data(as_text=True)) if "JWT" in form.fields]
    assert urlsplit(back.action).path == "/demo-lms/deep_link_return"
    added = browser.post(back.action, data=back.fields)
    assert added.status_code == 200, added.get_data(as_text=True)
    text = added.get_data(as_text=True)
    assert "added these assignments" in text and f'value="{slug}"' in text
    forged = browser.post(back.action, data={"JWT": back.fields["JWT"][:-4] + "AAAA"})
    assert forged.status_code == 400


def test_a_deep_linked_stack_opens_the_stack_from_the_demo_lms(
    browser: FlaskClient, container: Container, people: dict[str, str]
) -> None:
    launched = _launch(browser, user="assessor", kind="deep_linking")
    stack = container.catalog.browse()[0].stack.slug
    answer = browser.post(
        launched.headers["Location"],
        data={"csrf_token": csrf(browser), "stack": stack, "action": "add"},
    )
    (back,) = [form for form in parse_forms(answer.get_data(as_text=True)) if "JWT" in form.fields]
    added = browser.post(back.action, data=back.fields).get_data(as_text=True)
    assert f'name="stack" value="{stack}"' in added and 'name="credential"' not in added
    opened = _launch(browser, user="teacher", kind="link", stack=stack)
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/catalog#stack-{stack}")


def test_signed_out_visitors_are_pointed_at_the_demo_lms(browser: FlaskClient) -> None:
    response = browser.get("/review")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    assert "/demo-lms/" in browser.get("/sign-in").get_data(as_text=True)


def test_there_is_no_demo_lms_outside_demo_mode(database_url: str, tmp_path: Path) -> None:
    built = build(make_settings(database_url, tmp_path / "instance", CREDBRIDGE_DEMO="0"))
    try:
        client = create_app(container=built).test_client()
        assert client.get("/demo-lms/").status_code == 404
        assert "/demo-lms" not in client.get("/sign-in").get_data(as_text=True)
    finally:
        built.engine.dispose()
