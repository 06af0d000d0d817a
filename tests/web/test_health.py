"""``/healthz`` says whether the database answers."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from lti_tool.bootstrap import build
from lti_tool.web.app import create_app
from tests.web.conftest import make_settings

# Port 1 refuses connections at once, so the check fails fast instead of timing out.
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def test_healthz_is_ok_on_a_working_database(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_needs_no_sign_in(client: FlaskClient) -> None:
    """A load balancer has no session: the fresh test client is never signed in."""
    assert client.get("/healthz", follow_redirects=False).status_code == 200
    assert client.head("/healthz").status_code == 200


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    container = build(make_settings(UNREACHABLE, tmp_path / "instance"))
    try:
        client = create_app(container=container).test_client()
        response = client.get("/healthz")
        again = client.get("/healthz")
    finally:
        container.engine.dispose()

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert again.status_code == 503
