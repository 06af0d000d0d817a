"""Helpers that drive the app the way a browser does: real forms, real CSRF tokens (signing in
is the exception: it sets the session an LTI launch would set)."""

from __future__ import annotations

import io
import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lti_tool.bootstrap import Container
from lti_tool.demo_files import sample_file
from lti_tool.domain.catalog import EvidenceKind

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf(client: FlaskClient) -> str:
    """The session's CSRF token, read from a page that shows it to anyone."""
    page = client.get("/sign-in")
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: FlaskClient, person_id: str) -> None:
    """Sign in as ``person_id`` the way an LTI launch does: a fresh session holding their id.

    Test-only: people sign in by launching from their LMS (see tests/lti for real launches).
    """
    with client.session_transaction() as session:
        session.clear()
        session.permanent = True
        session["person_id"] = person_id
    assert client.get("/sign-in").status_code == 200


def post(client: FlaskClient, url: str, **form: Any) -> TestResponse:
    return client.post(url, data={"csrf_token": csrf(client), **form})


def autosave(client: FlaskClient, url: str, body: dict[str, Any]) -> TestResponse:
    return client.post(
        url, json=body, headers={"X-CSRFToken": csrf(client), "Accept": "application/json"}
    )


def start(client: FlaskClient, slug: str) -> str:
    response = post(client, f"/catalog/{slug}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def fill_draft(client: FlaskClient, container: Container, submission_id: str, slug: str) -> None:
    """Write every reflection and link and upload a real file for every file item, over HTTP."""
    definition = container.catalog.credential(slug)[1].definition
    base = f"/submissions/{submission_id}"
    for section in definition.sections:
        for req in section.evidence:
            if req.kind is EvidenceKind.FILE:
                name, data = sample_file(req.accepts[0], f"{section.title} {req.label}")
                response = client.post(
                    f"{base}/files/{section.key}/{req.key}",
                    data={"csrf_token": csrf(client), "file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data",
                )
                assert response.status_code == 302, response.get_data(as_text=True)
                continue
            url = f"{base}/responses/{section.key}/{req.key}"
            body: dict[str, Any] = {"version": 0}
            if req.kind is EvidenceKind.REFLECTION:
                body["text"] = f"My reflection on {section.title}: what students did and why."
            else:
                body["links"] = [f"https://example.org/evidence/{section.key}/{req.key}"]
            response = autosave(client, url, body)
            assert response.status_code == 200, response.get_data(as_text=True)


def review_form(container: Container, slug: str, recommendation: str) -> dict[str, str]:
    definition = container.catalog.credential(slug)[1].definition
    form = {"recommendation": recommendation, "comment": "Thank you."}
    for section in definition.sections:
        level = section.required_level if recommendation == "award" else section.levels[0].key
        form[f"level-{section.key}"] = level
        form[f"feedback-{section.key}"] = f"Feedback on {section.title} ({recommendation})."
    return form
