"""A fake LMS on 127.0.0.1 and a tool registered with it, for LTI tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from lti_tool.bootstrap import Container, build
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import ROLE_INSTRUCTOR, ROLE_LEARNER, FlaskToolClient
from tests.web.conftest import make_settings

BASE = "http://127.0.0.1:8000"
CLIENT = "credbridge-client-a"
DEPLOYMENT = "deployment-1"


@pytest.fixture
def lms() -> Iterator[FakePlatform]:
    with FakePlatform() as platform:
        yield platform


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    built = build(make_settings(database_url, tmp_path / "instance", CREDBRIDGE_DEMO="0"))
    yield built
    built.lti.http.close()
    built.engine.dispose()


def register(
    container: Container, lms: FakePlatform, client_id: str = CLIENT, **options: object
) -> str:
    lms.register_tool(
        client_id,
        DEPLOYMENT,
        f"{BASE}/lti/login",
        [f"{BASE}/lti/launch"],
        f"{BASE}/.well-known/jwks.json",
        jwks=container.tool_keys.jwks,  # the tool runs in a test client: no port to fetch from
    )
    registration = container.platforms.register(
        name=f"Fake LMS ({client_id})",
        issuer=lms.issuer,
        client_id=client_id,
        auth_login_url=lms.auth_url,
        auth_token_url=lms.token_url,
        key_set_url=lms.jwks_url,
        deployment_ids=(DEPLOYMENT,),
        **options,  # type: ignore[arg-type]
    )
    return registration.id


@pytest.fixture
def app(container: Container, lms: FakePlatform) -> Flask:
    from lti_tool.web.app import create_app

    register(container, lms)
    return create_app(container=container)


@pytest.fixture
def tool(app: Flask) -> FlaskToolClient:
    return FlaskToolClient(app.test_client())


def add_roster(lms: FakePlatform) -> None:
    """Course ctx-1: 120 active learners (three NRPS pages: Canvas, the fake's family, pages by
    50), one inactive member and the instructor ``teacher-1``."""
    for number in range(120):
        lms.add_member(
            "ctx-1", f"learner-{number}", (ROLE_LEARNER,), name=f"Learner {number:03d}",
            email=f"learner{number}@district.example",
        )  # fmt: skip
    lms.add_member("ctx-1", "gone", (ROLE_LEARNER,), status="Inactive", name="Gone Away")
    lms.add_member("ctx-1", "teacher-1", (ROLE_INSTRUCTOR,), name="Ana Ruiz")
