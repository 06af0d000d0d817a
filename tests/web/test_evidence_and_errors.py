"""Uploads that must be refused, concurrent edits, and errors that reach people as clear pages."""

from __future__ import annotations

import io
import os

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from lti_tool.bootstrap import Container
from lti_tool.demo_files import sample_pdf, sample_png
from tests.web.conftest import District
from tests.web.http import autosave, csrf, post, sign_in, start

SLUG = "hinge-questions"
LIMIT = 2 * 1024 * 1024  # CREDBRIDGE_MAX_UPLOAD_BYTES in tests/web/conftest.py


def file_item(container: Container) -> tuple[str, str]:
    definition = container.catalog.credential(SLUG)[1].definition
    for section in definition.sections:
        for req in section.evidence:
            if req.kind.value == "file" and "pdf" in {family.value for family in req.accepts}:
                return section.key, req.key
    raise AssertionError("the demo credential has no PDF item")


def reflection_item(container: Container) -> tuple[str, str]:
    definition = container.catalog.credential(SLUG)[1].definition
    for section in definition.sections:
        for req in section.evidence:
            if req.kind.value == "reflection":
                return section.key, req.key
    raise AssertionError("the demo credential has no reflection")


def upload(
    client: FlaskClient,
    submission_id: str,
    item: tuple[str, str],
    name: str,
    data: bytes,
    *,
    json: bool = False,
):  # type: ignore[no-untyped-def]
    # Encoded up front: werkzeug's test client would spool a large body to a temporary file
    # that it never closes when the app refuses the request early (a ResourceWarning).
    boundary, body = encode_multipart(
        {"csrf_token": csrf(client), "file": FileStorage(io.BytesIO(data), filename=name)}
    )
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        f"/submissions/{submission_id}/files/{item[0]}/{item[1]}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
    )


def draft_with_text(
    client: FlaskClient, container: Container, district: District
) -> tuple[str, str]:
    sign_in(client, district.teacher)
    submission_id = start(client, SLUG)
    section, req = reflection_item(container)
    saved = autosave(
        client,
        f"/submissions/{submission_id}/responses/{section}/{req}",
        {"version": 0, "text": "What I wrote before the upload."},
    )
    assert saved.status_code == 200 and saved.get_json()["version"] == 1
    return submission_id, "What I wrote before the upload."


def stored_text(container: Container, district: District, submission_id: str) -> list[str]:
    workspace = container.submissions.workspace(
        container.people.actor(district.teacher), submission_id
    )
    return [response.text for response in workspace.responses.values()]


def evidence_files(container: Container) -> list[str]:
    root = container.settings.storage_path
    return [os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names]


def test_accepted_upload_is_hashed_and_stored(
    client: FlaskClient, container: Container, district: District
) -> None:
    submission_id, _ = draft_with_text(client, container, district)
    data = sample_pdf("Lesson plan")
    response = upload(
        client, submission_id, file_item(container), "lesson plan.pdf", data, json=True
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    import hashlib

    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["size_bytes"] == len(data)
    with client.get(f"/evidence/{body['id']}") as download:
        assert download.data == data and download.mimetype == "application/pdf"


def test_disguised_upload_is_refused_and_draft_intact(
    client: FlaskClient, container: Container, district: District
) -> None:
    submission_id, text = draft_with_text(client, container, district)
    item = file_item(container)
    for name, data in [
        ("plan.pdf", sample_png()),  # an image named like a PDF
        ("plan.pdf", b"<!doctype html><script>alert(1)</script>"),  # HTML named like a PDF
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 100),  # a type we never accept
        ("empty.pdf", b""),
    ]:
        response = upload(client, submission_id, item, name, data, json=True)
        assert response.status_code in (400, 415), (name, response.status_code)
        assert response.get_json()["message"]
    page = upload(client, submission_id, item, "plan.pdf", sample_png())
    assert page.status_code == 303
    follow = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "Problem:" in follow and "renamed" in follow
    assert text in follow
    assert stored_text(container, district, submission_id) == [text]
    assert evidence_files(container) == []


def test_oversized_upload_is_refused_and_draft_intact(
    client: FlaskClient, container: Container, district: District
) -> None:
    submission_id, text = draft_with_text(client, container, district)
    item = file_item(container)
    just_over = sample_pdf("big") + b"\x00" * (LIMIT + 10)  # over the limit, under the body cap
    refused = upload(client, submission_id, item, "big.pdf", just_over, json=True)
    assert refused.status_code == 413 and "MB" in refused.get_json()["message"]
    far_over = sample_pdf("huge") + b"\x00" * (LIMIT + 2 * 1024 * 1024)  # over the request cap
    too_big = upload(client, submission_id, item, "huge.pdf", far_over)
    assert too_big.status_code == 413 and "at most 2 MB" in too_big.get_data(as_text=True)
    assert stored_text(container, district, submission_id) == [text]
    assert evidence_files(container) == []


def test_two_concurrent_edits_never_overwrite_silently(
    client: FlaskClient,
    app,
    container: Container,  # type: ignore[no-untyped-def]
    district: District,
) -> None:
    submission_id, text = draft_with_text(client, container, district)
    section, req = reflection_item(container)
    url = f"/submissions/{submission_id}/responses/{section}/{req}"
    other_tab = app.test_client()
    sign_in(other_tab, district.teacher)
    # Both tabs opened the draft at version 1; the first tab saves, then the second.
    first = autosave(client, url, {"version": 1, "text": "First tab's words."})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    second = autosave(other_tab, url, {"version": 1, "text": "Second tab's words."})
    assert second.status_code == 409
    assert "Nothing was overwritten" in second.get_json()["message"]
    assert stored_text(container, district, submission_id) == ["First tab's words."]
    # The plain form (no JavaScript) gets the same protection, as a page.
    page = post(other_tab, url, version="1", text="Second tab again.")
    assert page.status_code == 409 and "changed somewhere else" in page.get_data(as_text=True)
    assert text not in stored_text(container, district, submission_id)


def test_invalid_actions_are_clear_pages_not_errors(
    client: FlaskClient, container: Container, district: District
) -> None:
    sign_in(client, district.teacher)
    submission_id = start(client, SLUG)
    missing = post(client, f"/submissions/{submission_id}/submit")
    assert missing.status_code == 422
    body = missing.get_data(as_text=True)
    assert "Some required evidence is missing" in body and "upload at least one file" in body
    as_json = client.post(
        f"/submissions/{submission_id}/submit",
        headers={"X-CSRFToken": csrf(client), "Accept": "application/json"},
    )
    assert as_json.status_code == 422 and as_json.mimetype == "application/problem+json"
    assert as_json.get_json()["problems"]
    assert post(client, f"/submissions/{submission_id}/resubmit").status_code == 409
    assert client.get("/submissions/does-not-exist").status_code == 404
    assert client.get("/catalog/no-such-credential").status_code == 404
    no_token = client.post(f"/submissions/{submission_id}/withdraw")
    assert no_token.status_code == 400 and "expired" in no_token.get_data(as_text=True)
    bad_links = autosave(client, f"/submissions/{submission_id}/responses/x/y", {"version": 0})
    assert bad_links.status_code == 422
