"""Whole flows through HTTP: the pages and forms people use, on SQLite and PostgreSQL."""

from __future__ import annotations

from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.ports import AuditFilter
from tests.web.conftest import District
from tests.web.http import fill_draft, post, review_form, sign_in, start

SINGLE = "hinge-questions"
CAPPED = "purposeful-wait-time"  # attempt_cap: 2 in the demo catalog
DOUBLE = "talk-moves"  # double_review: true
NAMED = "student-led-discussion"  # blind_review: false


def state_of(container: Container, district_teacher: str, submission_id: str) -> SubmissionState:
    actor = container.people.actor(district_teacher)
    return container.submissions.workspace(actor, submission_id).submission.state


def submit_new(client: FlaskClient, container: Container, teacher: str, slug: str) -> str:
    sign_in(client, teacher)
    submission_id = start(client, slug)
    fill_draft(client, container, submission_id, slug)
    response = post(client, f"/submissions/{submission_id}/submit")
    assert response.status_code == 302, response.get_data(as_text=True)
    return submission_id


def review(
    client: FlaskClient,
    container: Container,
    assessor: str,
    submission_id: str,
    slug: str,
    recommendation: str,
) -> None:
    sign_in(client, assessor)
    assert post(client, f"/review/{submission_id}/claim").status_code == 302
    page = client.get(f"/review/{submission_id}")
    assert page.status_code == 200
    response = post(
        client, f"/review/{submission_id}", **review_form(container, slug, recommendation)
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def decide(
    client: FlaskClient, issuer: str, submission_id: str, outcome: str, note: str = ""
) -> None:
    sign_in(client, issuer)
    assert client.get(f"/decisions/{submission_id}").status_code == 200
    response = post(client, f"/decisions/{submission_id}", outcome=outcome, note=note)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_draft_submit_review_award(
    client: FlaskClient, container: Container, district: District
) -> None:
    submission_id = submit_new(client, container, district.teacher, SINGLE)
    assert state_of(container, district.teacher, submission_id) is SubmissionState.SUBMITTED

    sign_in(client, district.assessor)
    queue = client.get("/review").get_data(as_text=True)
    assert "Hinge" in queue and "Claim" in queue
    review(client, container, district.assessor, submission_id, SINGLE, "award")
    sign_in(client, district.issuer)
    assert "Theodora Quill" in client.get("/decisions").get_data(as_text=True)
    decide(client, district.issuer, submission_id, "award")

    assert state_of(container, district.teacher, submission_id) is SubmissionState.AWARDED
    with container.uow_factory() as uow:
        awards = uow.awards.for_person(district.teacher)
        events = uow.outbox.all("credential.awarded")
        trail = uow.audit.page(
            AuditFilter(entity_type="submission", entity_id=submission_id), 50, 0
        )
    assert len(awards) == 1 and awards[0].submission_id == submission_id
    assert [event.payload["award_id"] for event in events] == [awards[0].id]
    assert [(entry.from_state, entry.to_state) for entry in reversed(trail)] == [
        (None, "draft"),
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "awaiting_decision"),
        ("awaiting_decision", "awarded"),
    ]
    assert trail[0].actor_id == district.issuer

    sign_in(client, district.teacher)
    home = client.get("/").get_data(as_text=True)
    assert "Credentials I hold" in home and "Hinge" in home


def test_return_resubmit_award_shows_feedback_and_carries_evidence(
    client: FlaskClient, container: Container, district: District
) -> None:
    submission_id = submit_new(client, container, district.teacher, SINGLE)
    review(client, container, district.assessor, submission_id, SINGLE, "resubmit")
    decide(client, district.issuer, submission_id, "return", "Please add the student work.")

    sign_in(client, district.teacher)
    page = client.get(f"/submissions/{submission_id}").get_data(as_text=True)
    assert "Returned for resubmission" in page
    assert "Please add the student work." in page and "(resubmit)" in page
    assert post(client, f"/submissions/{submission_id}/resubmit").status_code == 302
    actor = container.people.actor(district.teacher)
    workspace = container.submissions.workspace(actor, submission_id)
    assert workspace.submission.attempt_number == 2 and workspace.editable
    assert workspace.evidence and all(item.carried_from_attempt == 1 for item in workspace.evidence)
    assert all(response.text or response.links for response in workspace.responses.values())
    assert post(client, f"/submissions/{submission_id}/submit").status_code == 302

    review(client, container, district.second_assessor, submission_id, SINGLE, "award")
    decide(client, district.issuer, submission_id, "award")
    assert state_of(container, district.teacher, submission_id) is SubmissionState.AWARDED


def test_resubmission_cap(client: FlaskClient, container: Container, district: District) -> None:
    submission_id = submit_new(client, container, district.teacher, CAPPED)
    review(client, container, district.assessor, submission_id, CAPPED, "resubmit")
    decide(client, district.issuer, submission_id, "return", "Add a second recording.")
    sign_in(client, district.teacher)
    post(client, f"/submissions/{submission_id}/resubmit")
    assert post(client, f"/submissions/{submission_id}/submit").status_code == 302
    review(client, container, district.second_assessor, submission_id, CAPPED, "resubmit")

    sign_in(client, district.issuer)
    page = client.get(f"/decisions/{submission_id}").get_data(as_text=True)
    assert "last allowed attempt" in page and 'value="return"' not in page
    refused = post(client, f"/decisions/{submission_id}", outcome="return", note="Again please.")
    assert refused.status_code == 409
    assert "attempt 2 of 2" in refused.get_data(as_text=True)
    assert state_of(container, district.teacher, submission_id) is SubmissionState.AWAITING_DECISION
    decide(client, district.issuer, submission_id, "deny", "Not yet at the required level.")
    assert state_of(container, district.teacher, submission_id) is SubmissionState.DENIED


def test_double_review_disagreement_goes_to_adjudication(
    client: FlaskClient, container: Container, district: District
) -> None:
    submission_id = submit_new(client, container, district.teacher, DOUBLE)
    review(client, container, district.assessor, submission_id, DOUBLE, "award")
    assert (
        state_of(container, district.teacher, submission_id)
        is SubmissionState.AWAITING_SECOND_REVIEW
    )

    sign_in(client, district.assessor)
    again = post(client, f"/review/{submission_id}/claim")
    assert again.status_code == 403  # the first assessor cannot take the second review

    sign_in(client, district.second_assessor)
    post(client, f"/review/{submission_id}/claim")
    independent = client.get(f"/review/{submission_id}").get_data(as_text=True)
    assert "Feedback on" not in independent  # the first review stays hidden
    post(client, f"/review/{submission_id}", **review_form(container, DOUBLE, "resubmit"))
    assert (
        state_of(container, district.teacher, submission_id)
        is SubmissionState.AWAITING_ADJUDICATION
    )

    sign_in(client, district.lead_assessor)
    post(client, f"/review/{submission_id}/claim")
    adjudication = client.get(f"/review/{submission_id}").get_data(as_text=True)
    assert "adjudicating" in adjudication
    assert "(award)" in adjudication and "(resubmit)" in adjudication
    post(client, f"/review/{submission_id}", **review_form(container, DOUBLE, "award"))
    assert state_of(container, district.teacher, submission_id) is SubmissionState.AWAITING_DECISION

    decide(client, district.issuer, submission_id, "award")
    assert state_of(container, district.teacher, submission_id) is SubmissionState.AWARDED


def test_blind_review_hides_identity_unless_credential_names(
    client: FlaskClient, container: Container, district: District
) -> None:
    blind_id = submit_new(client, container, district.teacher, SINGLE)
    named_id = submit_new(client, container, district.teacher, NAMED)
    sign_in(client, district.assessor)
    queue = client.get("/review").get_data(as_text=True)
    for secret in (
        "Theodora",
        "Quill",
        "lakeside.example",
        district.school_name,
        district.district_name,
    ):
        assert secret not in queue
    post(client, f"/review/{blind_id}/claim")
    page = client.get(f"/review/{blind_id}").get_data(as_text=True)
    assert "Blind review" in page
    for secret in (
        "Theodora",
        "Quill",
        "lakeside.example",
        district.school_name,
        district.district_name,
    ):
        assert secret not in page
    post(client, f"/review/{named_id}/claim")
    named = client.get(f"/review/{named_id}").get_data(as_text=True)
    assert "Theodora Quill" in named and district.school_name in named


def test_people_only_see_what_is_theirs(
    client: FlaskClient, container: Container, district: District
) -> None:
    submission_id = submit_new(client, container, district.teacher, SINGLE)
    evidence_id = (
        container.submissions.workspace(container.people.actor(district.teacher), submission_id)
        .evidence[0]
        .id
    )

    sign_in(client, district.other_teacher)
    assert client.get(f"/submissions/{submission_id}").status_code == 403
    assert client.get(f"/evidence/{evidence_id}").status_code == 403
    assert post(client, f"/submissions/{submission_id}/withdraw").status_code == 403
    assert client.get("/review").status_code == 403
    assert client.get("/decisions").status_code == 403
    assert client.get("/admin/audit").status_code == 403

    sign_in(client, district.assessor)
    assert client.get(f"/review/{submission_id}").status_code == 403  # not assigned yet
    assert client.get(f"/evidence/{evidence_id}").status_code == 403
    post(client, f"/review/{submission_id}/claim")
    assert client.get(f"/review/{submission_id}").status_code == 200
    with client.get(f"/evidence/{evidence_id}") as download:
        assert download.status_code == 200
        assert download.data.startswith((b"%PDF", b"\x89PNG", b"PK"))

    sign_in(client, district.second_assessor)
    assert client.get(f"/review/{submission_id}").status_code == 403
    assert client.get(f"/submissions/{submission_id}").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, district: District) -> None:
    response = client.get("/review")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Open credbridge from your LMS" in page and "/demo-lms" in page


def test_admin_reads_the_audit_trail(
    client: FlaskClient, container: Container, district: District
) -> None:
    submission_id = submit_new(client, container, district.teacher, SINGLE)
    sign_in(client, district.admin)
    page = client.get(f"/admin/audit?entity_type=submission&entity_id={submission_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Theodora Quill" in text and "submitted" in text and "draft" in text
    assert client.get("/admin/audit?since=yesterday").status_code == 422
    assert client.get("/admin/catalog").status_code == 200
