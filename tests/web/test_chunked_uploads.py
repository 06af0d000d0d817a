"""Chunked, resumable uploads over HTTP: pieces at explicit offsets, a resend after a drop, a
resume after a reload, and the finished file checked like any upload."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lti_tool.bootstrap import Container
from lti_tool.demo_files import sample_mp4
from tests.web.conftest import District
from tests.web.http import csrf, sign_in, start

SLUG = "hinge-questions"
TARGET = "practice/lesson_recording"
VIDEO = sample_mp4() + bytes(range(256)) * 1200  # about 300 KB, still an MP4 to the sniffer
PIECE = 100_000


def call(client: FlaskClient, method: str, url: str, **kwargs: Any) -> TestResponse:
    headers = {"X-CSRFToken": csrf(client), "Accept": "application/json"}
    return client.open(url, method=method, headers=headers, **kwargs)


def begin(client: FlaskClient, draft: str, name: str = "lesson.mp4", size: int = len(VIDEO)) -> Any:
    return call(client, "POST", f"/submissions/{draft}/uploads/{TARGET}",
                json={"filename": name, "size": size})  # fmt: skip


def put(client: FlaskClient, session: str, offset: int, data: bytes) -> TestResponse:
    return call(client, "PUT", f"/uploads/{session}?offset={offset}", data=data,
                content_type="application/octet-stream")  # fmt: skip


def evidence(container: Container, district: District, draft: str) -> list[Any]:
    actor = container.people.actor(district.teacher)
    return list(container.submissions.workspace(actor, draft).evidence)


def test_pieces_resend_resume_and_finish(
    client: FlaskClient, container: Container, district: District
) -> None:
    sign_in(client, district.teacher)
    draft = start(client, SLUG)
    started = begin(client, draft)
    assert started.status_code == 201
    session = started.get_json()["id"]
    assert put(client, session, 0, VIDEO[:PIECE]).get_json()["received_bytes"] == PIECE
    # The answer to the next piece was lost: the browser resends it, then the same piece again.
    assert put(client, session, PIECE, VIDEO[PIECE : 2 * PIECE]).status_code == 200
    stale = put(client, session, PIECE, VIDEO[PIECE : 2 * PIECE])
    assert stale.status_code == 409 and stale.get_json()["received_bytes"] == 2 * PIECE

    # The page was reloaded and the same file chosen again: the upload goes on where it was.
    again = begin(client, draft)
    assert again.get_json() == {"id": session, "filename": "lesson.mp4",
                                "received_bytes": 2 * PIECE, "total_bytes": len(VIDEO)}  # fmt: skip
    assert call(client, "POST", f"/uploads/{session}/finish").status_code == 409  # incomplete
    for offset in range(2 * PIECE, len(VIDEO), PIECE):
        assert put(client, session, offset, VIDEO[offset : offset + PIECE]).status_code == 200
    done = call(client, "POST", f"/uploads/{session}/finish")
    assert done.status_code == 201, done.get_data(as_text=True)
    assert done.get_json()["sha256"] == hashlib.sha256(VIDEO).hexdigest()

    files = evidence(container, district, draft)
    assert [(f.filename, f.size_bytes, f.media_type) for f in files] == [
        ("lesson.mp4", len(VIDEO), "video/mp4")
    ]
    assert call(client, "GET", f"/uploads/{session}").status_code == 404
    spool = Path(container.settings.instance_path) / "uploads"
    assert not list(spool.glob("*.part"))


def test_a_disguised_file_is_refused_at_the_end_and_the_draft_is_untouched(
    client: FlaskClient, container: Container, district: District
) -> None:
    sign_in(client, district.teacher)
    draft = start(client, SLUG)
    fake = b"<!doctype html><script>alert(1)</script>" + b" " * 1000
    session = begin(client, draft, "lesson.mp4", len(fake)).get_json()["id"]
    assert put(client, session, 0, fake).status_code == 200
    refused = call(client, "POST", f"/uploads/{session}/finish")
    assert refused.status_code == 415
    assert "named like a video file" in refused.get_json()["detail"]
    assert evidence(container, district, draft) == []
    assert call(client, "GET", f"/uploads/{session}").status_code == 404


def test_limits_types_and_owners(
    client: FlaskClient, container: Container, district: District
) -> None:
    sign_in(client, district.teacher)
    draft = start(client, SLUG)
    assert begin(client, draft, size=3 * 1024 * 1024).status_code == 413  # the limit is 2 MiB
    assert begin(client, draft, name="notes.txt").status_code == 415
    assert begin(client, draft, size=0).status_code == 415
    session = begin(client, draft, size=10).get_json()["id"]
    assert put(client, session, 0, b"x" * 11).status_code == 415  # past the announced size

    sign_in(client, district.other_teacher)
    assert call(client, "GET", f"/uploads/{session}").status_code == 403
    assert put(client, session, 0, b"x").status_code == 403
    sign_in(client, district.teacher)
    assert call(client, "POST", f"/uploads/{session}/cancel").status_code == 204
    assert call(client, "GET", f"/uploads/{session}").status_code == 404


def test_uploads_untouched_for_two_days_are_thrown_away(
    client: FlaskClient, container: Container, district: District, tmp_path: Path
) -> None:
    from datetime import timedelta

    from lti_tool.db.repositories.uploads import SqlUploadSessions
    from lti_tool.services.chunked_uploads import ChunkedUploads
    from lti_tool.storage.spool import LocalUploadSpool
    from tests.fakes.memory import FakeClock

    sign_in(client, district.teacher)
    draft = start(client, SLUG)
    clock = FakeClock(container.clock.now())
    spool_root = Path(container.settings.instance_path) / "uploads"
    uploads = ChunkedUploads(
        SqlUploadSessions(container.engine), LocalUploadSpool(spool_root), container.evidence,
        clock, container.policy,
    )  # fmt: skip
    actor = container.people.actor(district.teacher)
    old = uploads.begin(actor, draft, "practice", "lesson_recording", "old.mp4", 100)
    assert put(client, old.id, 0, b"x" * 10).status_code == 200
    clock.advance(timedelta(days=2, minutes=1))
    fresh = uploads.begin(actor, draft, "practice", "lesson_recording", "new.mp4", 100)
    assert call(client, "GET", f"/uploads/{old.id}").status_code == 404
    assert [p.name for p in spool_root.glob("*.part")] == []
    assert uploads.status(actor, fresh.id).received_bytes == 0
