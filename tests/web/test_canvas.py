"""Canvas REST end to end against the fake Canvas on 127.0.0.1, on SQLite and PostgreSQL:
course roster sync (identities matched), feedback posted back once as a submission comment,
and evidence picked from Canvas through a teacher's own OAuth grant."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from lti_tool.bootstrap import Container
from lti_tool.domain.catalog import EvidenceKind
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.report import ReportStatus
from lti_tool.services.canvas_feedback import COMMENT_TOPIC, CanvasFeedback, marker
from tests.fakes.canvas import ACCOUNT_TOKEN, CLIENT_ID, CLIENT_SECRET, FakeCanvas, course_data
from tests.roster.conftest import stored
from tests.web.conftest import District
from tests.web.test_flows import SINGLE, decide, review, submit_new

COURSE, ASSIGNMENT = "101", "55"


@pytest.fixture
def canvas(district: District) -> Iterator[FakeCanvas]:
    data = course_data(int(COURSE), students=12, sections=2)
    data["users"][0]["email"] = "theodora.quill@lakeside.example"  # the district's teacher
    with FakeCanvas() as fake:
        fake.add_course(data)
        yield fake


@pytest.fixture
def scope(container: Container, canvas: FakeCanvas) -> str:
    organization = container.people.organization_by_slug("lakeside")
    assert organization is not None
    container.canvas.connect(canvas.base_url, CLIENT_ID, CLIENT_SECRET, organization.id,
                             ACCOUNT_TOKEN)  # fmt: skip
    return organization.id


def launch(container: Container, canvas: FakeCanvas, person: str, slug: str | None) -> None:
    custom = {"canvas_course_id": COURSE, "canvas_user_id": "5000",
              "canvas_assignment_id": ASSIGNMENT if slug else "$Canvas.assignment.id",
              "canvas_api_base_url": canvas.base_url + "/"}  # fmt: skip
    if slug:
        custom["credential"] = slug
    link = container.canvas.record_launch(person, custom, "lti-sub-theodora", slug)
    assert link is not None and link.base_url == canvas.base_url


def test_secrets_are_stored_encrypted(container: Container, scope: str) -> None:
    with container.engine.connect() as connection:
        query = text("SELECT client_secret, account_token FROM canvas_connections")
        secret, token = connection.execute(query).one()
    assert CLIENT_SECRET not in secret and ACCOUNT_TOKEN not in token
    plain = container.canvas.plain(None)
    assert (plain.client_secret, plain.account_token) == (CLIENT_SECRET, ACCOUNT_TOKEN)
    assert CLIENT_SECRET not in repr(plain)


def test_course_sync_fills_the_roster_and_matches_people(
    container: Container, canvas: FakeCanvas, scope: str, district: District
) -> None:
    launch(container, canvas, district.teacher, None)
    report = container.canvas.sync_course(canvas.base_url, COURSE)
    assert report.status is not ReportStatus.FAILED, report.message
    users = stored(container, Entity.USERS, scope)
    assert len(users) == 13
    teacher = users["E00000"]  # the SIS id is the sourcedId OneRoster exports use
    assert teacher["role"] == "teacher" and teacher["identifier"] == "E00000"
    assert teacher["username"] == "t0@riverbend.example"
    assert "{canvas:5000}" in str(teacher["user_ids"])
    assert "{LTI:lti-sub-theodora}" in str(teacher["user_ids"])
    assert teacher["person_id"] == district.teacher  # matched by email to the district's teacher
    assert "canvas-user-5005" in users  # a student without an SIS id keeps a Canvas key
    classes = stored(container, Entity.CLASSES, scope)
    assert set(classes) == {"SEC-101-1", "SEC-101-2"}
    enrollments = stored(container, Entity.ENROLLMENTS, scope)
    assert len(enrollments) == 13
    assert {row["class_sourced_id"] for row in enrollments.values()} == set(classes)
    again = container.canvas.sync_course(canvas.base_url, COURSE)
    assert again.count("users").unchanged == 13


def test_a_sync_that_loses_canvas_part_way_fails_and_stores_what_came(
    container: Container, canvas: FakeCanvas, scope: str
) -> None:
    waits: list[float] = []
    container.canvas_connector.sleep = waits.append
    canvas.add_course(course_data(102, students=250, sections=1))
    canvas.per_page_cap = 100
    # course, sections and the first page of users answer; then Canvas keeps failing.
    canvas.faults = [("ok",)] * 3 + [("500",)] * 20
    report = container.canvas.sync_course(canvas.base_url, "102")
    assert report.status is ReportStatus.FAILED
    assert "resumes" in (report.message or "")
    assert len(waits) == 5  # retried with backoff before giving up
    assert waits == sorted(waits)
    assert len(stored(container, Entity.USERS, scope)) == 100  # the page that came is kept


def test_scheduled_sync_goes_through_the_outbox_once_an_hour(
    container: Container, canvas: FakeCanvas, scope: str, district: District
) -> None:
    launch(container, canvas, district.teacher, SINGLE)
    assert container.canvas.schedule_syncs() == 1
    assert container.canvas.schedule_syncs() == 0  # already queued this hour
    report = container.worker.drain()
    assert report.delivered == 1
    assert "E00000" in stored(container, Entity.USERS, scope)


def test_the_running_worker_queues_the_hourly_course_syncs_itself(
    container: Container, canvas: FakeCanvas, scope: str, district: District
) -> None:
    launch(container, canvas, district.teacher, SINGLE)
    report = container.worker.drain()  # no one ran schedule-syncs: the periodic job did
    assert report.jobs >= 1 and report.delivered >= 1
    assert "E00000" in stored(container, Entity.USERS, scope)
    assert container.canvas.schedule_due() == 0  # once per hour


def test_feedback_is_posted_once_as_a_submission_comment(
    client: FlaskClient, container: Container, canvas: FakeCanvas, scope: str, district: District
) -> None:
    launch(container, canvas, district.teacher, SINGLE)
    submission_id = submit_new(client, container, district.teacher, SINGLE)
    review(client, container, district.assessor, submission_id, SINGLE, "award")
    decide(client, district.issuer, submission_id, "award")
    with container.uow_factory() as uow:
        events = uow.outbox.all(COMMENT_TOPIC)
    assert len(events) == 1  # written with the decision
    container.worker.drain()
    comments = canvas.comments[(COURSE, ASSIGNMENT, "5000")]
    assert len(comments) == 1
    definition = container.catalog.credential(SINGLE)[1].definition
    assert comments[0].startswith(f"{definition.title}: Awarded")
    for section in definition.sections:
        assert section.title in comments[0]
        assert f"Feedback on {section.title} (award)." in comments[0]
    assert "Ada Assessor" not in comments[0]  # reviews may be blind
    assert marker(events[0].payload["decision_id"]) in comments[0]
    # A repeat delivery (a worker died after posting) finds the comment and posts nothing.
    CanvasFeedback(container.canvas, container.canvas_connector, container.uow_factory).consume(
        events[0]
    )
    assert len(canvas.comments[(COURSE, ASSIGNMENT, "5000")]) == 1


def test_no_comment_without_a_canvas_assignment(
    client: FlaskClient, container: Container, canvas: FakeCanvas, scope: str, district: District
) -> None:
    launch(container, canvas, district.teacher, None)  # course navigation, no assignment
    submission_id = submit_new(client, container, district.teacher, SINGLE)
    review(client, container, district.assessor, submission_id, SINGLE, "award")
    decide(client, district.issuer, submission_id, "award")
    with container.uow_factory() as uow:
        assert uow.outbox.all(COMMENT_TOPIC) == []


def _authorise(client: FlaskClient, start: str) -> str:
    """Follow the OAuth dance: our authorize page, Canvas's approval, our callback."""
    import requests

    to_canvas = client.get(start)
    assert to_canvas.status_code == 302, to_canvas.get_data(as_text=True)
    approval = requests.get(to_canvas.headers["Location"], allow_redirects=False, timeout=5)
    back = approval.headers["Location"]
    path = back.split("://", 1)[1].split("/", 1)[1]
    done = client.get("/" + path)
    assert done.status_code == 302, done.get_data(as_text=True)
    return str(done.headers["Location"])


def test_teacher_picks_evidence_from_canvas(
    client: FlaskClient, container: Container, canvas: FakeCanvas, scope: str, district: District
) -> None:
    from lti_tool.demo_files import sample_file
    from tests.web.http import post, sign_in, start

    launch(container, canvas, district.teacher, SINGLE)
    definition = container.catalog.credential(SINGLE)[1].definition
    section, req = next((s, r) for s in definition.sections for r in s.evidence
                        if r.kind is EvidenceKind.FILE)  # fmt: skip
    name, content = sample_file(req.accepts[0], "Lesson evidence")
    mine = canvas.add_file(name, content, "application/octet-stream", owner="5000")
    fake = canvas.add_file("disguised." + name.rsplit(".", 1)[1], b"just text, not media" * 10,
                           "text/plain", owner="5000")  # fmt: skip
    course_file = canvas.add_file("course-" + name, content, "application/pdf", course=COURSE)
    canvas.add_submission(COURSE, ASSIGNMENT, "5000", [course_file])

    sign_in(client, district.teacher)
    submission_id = start(client, SINGLE)
    picker = f"/submissions/{submission_id}/canvas/{section.key}/{req.key}"
    first = client.get(picker)  # no grant yet: off to authorise
    assert first.status_code == 302 and "/canvas/authorize" in first.headers["Location"]
    assert _authorise(client, first.headers["Location"]).endswith(picker)
    with container.engine.connect() as connection:
        stored_token = connection.execute(text("SELECT access_token FROM canvas_grants")).scalar()
    assert stored_token and len(stored_token) > 40  # encrypted, not a bare Canvas token

    canvas.expire_after = 1  # the access token dies after one request: refreshed on the way
    page = client.get(picker).get_data(as_text=True)
    assert name in page and "disguised" in page
    imported = post(client, picker, kind="user_files", where="", file_id=mine)
    assert imported.status_code == 302, imported.get_data(as_text=True)
    refused = post(client, picker, kind="user_files", where="", file_id=fake)
    assert refused.status_code == 303
    from_submission = post(client, picker, kind="submission",
                           where=f"{COURSE}/{ASSIGNMENT}", file_id=course_file)  # fmt: skip
    assert from_submission.status_code == 302
    assert canvas.refreshes >= 1
    huge = canvas.add_file("huge-" + name, content + b"\0" * (3 * 1024 * 1024), "video/mp4",
                           owner="5000")  # fmt: skip
    too_large = post(client, picker, kind="user_files", where="", file_id=huge)
    assert too_large.status_code == 303
    assert huge not in canvas.downloads  # refused on Canvas's size, before any byte came
    assert sorted(canvas.downloads) == sorted([mine, fake, course_file])

    actor = container.people.actor(district.teacher)
    files = container.submissions.workspace(actor, submission_id).files_for(section.key, req.key)
    assert sorted(f.filename for f in files) == sorted([name, "course-" + name])
    origins = container.canvas_evidence.origins([f.id for f in files])
    assert {o.kind for o in origins.values()} == {"user_files", "submission"}
    assert {o.canvas_file_id for o in origins.values()} == {mine, course_file}

    canvas.revoke()
    canvas.expire_all()  # the teacher revoked credbridge in Canvas
    again = client.get(picker)
    assert again.status_code == 302 and "/canvas/authorize" in again.headers["Location"]
    with client.session_transaction() as session:
        messages = " ".join(text for _, text in session.get("_flashes", []))
    assert "Connect your Canvas account again" in messages


def test_admin_connects_canvas_in_the_admin_pages(
    client: FlaskClient, container: Container, canvas: FakeCanvas, district: District
) -> None:
    from tests.web.http import post, sign_in

    organization = container.people.organization_by_slug("lakeside")
    assert organization is not None
    form = {"base_url": canvas.base_url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "account_token": ACCOUNT_TOKEN, "scope_id": organization.id}  # fmt: skip
    sign_in(client, district.teacher)
    assert client.get("/admin/canvas").status_code == 403
    assert post(client, "/admin/canvas", **form).status_code == 403
    sign_in(client, district.admin)
    assert client.post("/admin/canvas", data=form).status_code == 400  # no CSRF token
    bad = post(client, "/admin/canvas", **{**form, "client_id": "not-digits"})
    assert bad.status_code == 422
    assert CLIENT_SECRET not in bad.get_data(as_text=True)  # never sent back
    done = post(client, "/admin/canvas", **form)
    assert done.status_code == 302
    page = client.get("/admin/canvas").get_data(as_text=True)
    assert canvas.base_url in page and "stored (encrypted)" in page
    assert CLIENT_SECRET not in page and ACCOUNT_TOKEN not in page
    assert container.canvas.plain(canvas.base_url).account_token == ACCOUNT_TOKEN


def test_a_comment_canvas_cannot_take_now_is_retried_later(
    client: FlaskClient, container: Container, canvas: FakeCanvas, scope: str, district: District
) -> None:
    waits: list[float] = []
    container.canvas_connector.sleep = waits.append
    launch(container, canvas, district.teacher, SINGLE)
    container.worker.drain()  # the worker's hourly course sync, while Canvas still answers
    submission_id = submit_new(client, container, district.teacher, SINGLE)
    review(client, container, district.assessor, submission_id, SINGLE, "resubmit")
    decide(client, district.issuer, submission_id, "return")
    canvas.faults = [("500",)] * 6  # Canvas is down for the whole delivery attempt
    report = container.worker.drain()
    assert report.retried == 1 and report.delivered == 0
    with container.uow_factory() as uow:
        [event] = uow.outbox.all(COMMENT_TOPIC)
    assert event.delivered_at is None and "500" in (event.last_error or "")
    assert (COURSE, ASSIGNMENT, "5000") not in canvas.comments
    CanvasFeedback(container.canvas, container.canvas_connector, container.uow_factory).consume(
        event
    )  # Canvas is back: the retry posts it
    [comment] = canvas.comments[(COURSE, ASSIGNMENT, "5000")]
    assert "Returned for resubmission" in comment and "(resubmit)" in comment
