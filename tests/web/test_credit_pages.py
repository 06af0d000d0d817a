"""Credit and stipend pages over HTTP: role checks, CSRF forms, confirmations, downloads."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.demo import fill_draft
from lti_tool.domain.model import SectionScore
from lti_tool.domain.stipends import StipendState
from lti_tool.ports import AuditFilter
from tests.web.conftest import District
from tests.web.http import csrf, post, sign_in

HINGE = "hinge-questions"


def district_id(container: Container) -> str:
    found = container.people.organization_by_slug("lakeside")
    assert found is not None
    return found.id


def award(container: Container, district: District, slug: str = HINGE, teacher_id: str = "") -> str:
    people = container.people
    teacher = people.actor(teacher_id or district.teacher)
    assessor = people.actor(district.assessor)
    _, credential = container.catalog.credential(slug)
    submission = container.submissions.start(teacher, slug)
    fill_draft(container, teacher, submission.id, credential.definition)
    container.submissions.submit(teacher, submission.id)
    container.reviews.claim(assessor, submission.id)
    scores = [SectionScore(s.key, s.required_level, "ok") for s in credential.definition.sections]
    container.reviews.complete(assessor, submission.id, scores, "award")
    container.decisions.decide(people.actor(district.issuer), submission.id, "award")
    with container.uow_factory() as uow:
        found = uow.awards.for_submission(submission.id)
    assert found is not None
    return found.id


def set_up(client: FlaskClient, container: Container, district: District) -> str:
    """The admin picks Texas and a 300.00 Title II stipend for the hinge-questions credential."""
    org = district_id(container)
    sign_in(client, district.admin)
    saved = post(client, f"/admin/credit/{org}/settings", jurisdiction="TX", currency="usd")
    assert saved.status_code == 302, saved.get_data(as_text=True)
    override = post(
        client, f"/admin/credit/{org}/overrides", target=f"credential:{HINGE}",
        credit_amount="12", credit_unit="clock_hours", category="general",
        stipend_amount="300.00", funding_source="Title II", note="2026 board vote",
    )  # fmt: skip
    assert override.status_code == 302, override.get_data(as_text=True)
    return org


def test_the_teacher_sees_progress_as_an_accessible_bar_and_table(
    client: FlaskClient, container: Container, district: District
) -> None:
    set_up(client, container, district)
    award(container, district)
    sign_in(client, district.teacher)
    page = client.get("/credit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<progress max="100" value="8"' in text
    assert "12 of 150 clock hours" in text
    assert "Checking Understanding with Hinge Questions" in text
    assert f"district:{district_id(container)}@1" in text
    assert client.get("/admin/credit").status_code == 403
    assert client.get("/admin/stipends").status_code == 403


def test_only_educators_have_a_credit_page(client: FlaskClient, district: District) -> None:
    sign_in(client, district.assessor)
    assert client.get("/credit").status_code == 403


def test_admin_pages_show_settings_overrides_and_school_progress(
    client: FlaskClient, container: Container, district: District
) -> None:
    org = set_up(client, container, district)
    award(container, district)
    text = client.get("/admin/credit").get_data(as_text=True)
    assert "Texas (CPE)" in text and "300.00 from Title II" in text
    school = next(o for o in container.people.organizations() if o.name == district.school_name)
    progress_page = client.get(f"/admin/credit/people/{school.id}").get_data(as_text=True)
    assert "Theodora Quill" in progress_page and "138 to go" in progress_page
    bad = post(client, f"/admin/credit/{org}/settings", jurisdiction="ZZ")
    assert bad.status_code == 422
    no_csrf = client.post(f"/admin/credit/{org}/settings", data={"jurisdiction": "TN"})
    assert no_csrf.status_code == 400


def test_reevaluation_needs_confirmation_and_a_reason_and_is_audited(
    client: FlaskClient, container: Container, district: District
) -> None:
    set_up(client, container, district)
    award_id = award(container, district)
    url = f"/admin/credit/awards/{award_id}/reevaluate"
    unconfirmed = post(client, url, note="typo in the rule")
    assert unconfirmed.status_code == 302
    assert len(container.credit.history(container.people.actor(district.admin), award_id)) == 1
    assert post(client, url, note="", confirm="yes").status_code == 422
    done = post(client, url, note="typo in the rule", confirm="yes")
    assert done.status_code == 302
    page = client.get(f"/admin/credit/awards/{award_id}").get_data(as_text=True)
    assert "superseded" in page and "current" in page
    admin = container.people.actor(district.admin)
    entries, _ = container.audit.page(admin, AuditFilter(action="reevaluate"))
    assert [e.entity_id for e in entries.items] == [award_id]
    sign_in(client, district.issuer)
    assert post(client, url, note="x", confirm="yes").status_code == 403


def test_stipends_are_approved_exported_and_paid_over_http(
    client: FlaskClient, container: Container, district: District
) -> None:
    org = set_up(client, container, district)
    award(container, district)
    (view,) = container.stipends.ledger(container.people.actor(district.admin))
    stipend_id = view.row.stipend.id
    listing = client.get(f"/admin/stipends?district={org}").get_data(as_text=True)
    assert "Theodora Quill" in listing and "300.00 USD" in listing and "requested" in listing

    assert post(client, f"/admin/stipends/budgets/{org}", funding_source="Title II",
                amount="200").status_code == 302  # fmt: skip
    ask = client.get(f"/admin/stipends/{stipend_id}/approve?district={org}")
    assert ask.status_code == 200 and "Approve this stipend?" in ask.get_data(as_text=True)
    unconfirmed = post(client, f"/admin/stipends/{stipend_id}/approve", district=org)
    assert unconfirmed.status_code == 302 and "/approve" in unconfirmed.headers["Location"]
    (still,) = container.stipends.ledger(container.people.actor(district.admin))
    assert still.row.latest.state is StipendState.REQUESTED
    refused = post(client, f"/admin/stipends/{stipend_id}/approve", district=org, confirm="yes")
    assert refused.status_code == 422
    assert "would exceed the &#39;Title II&#39; budget" in refused.get_data(as_text=True)
    post(client, f"/admin/stipends/budgets/{org}", funding_source="Title II", amount="1000")
    approved = post(client, f"/admin/stipends/{stipend_id}/approve", district=org, confirm="yes")
    assert approved.status_code == 302

    exported = post(client, f"/admin/stipends/export/{org}")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["Stipend ID"], r["Amount"], r["Name"]) for r in rows] == [
        (stipend_id, "300.00", "Theodora Quill")
    ]
    uploaded = client.post(
        f"/admin/stipends/paid/{org}",
        data={
            "csrf_token": csrf(client),
            "file": (io.BytesIO(exported.get_data()), "paid.csv"),
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    (after,) = container.stipends.ledger(container.people.actor(district.admin))
    assert after.row.latest.state is StipendState.PAID
    totals = client.get(f"/admin/stipends?district={org}").get_data(as_text=True)
    assert "Totals per school and funding source" in totals
    assert "<td>1000</td><td>300.00</td><td>700.00</td>" in totals  # budget, committed, left


def test_rejecting_asks_for_confirmation_first(
    client: FlaskClient, container: Container, district: District
) -> None:
    org = set_up(client, container, district)
    award(container, district)
    (view,) = container.stipends.ledger(container.people.actor(district.admin))
    stipend_id = view.row.stipend.id
    ask = client.get(f"/admin/stipends/{stipend_id}/reject?district={org}")
    assert ask.status_code == 200 and "Reject this stipend?" in ask.get_data(as_text=True)
    not_confirmed = post(client, f"/admin/stipends/{stipend_id}/reject", note="dup")
    assert not_confirmed.status_code == 302
    (still,) = container.stipends.ledger(container.people.actor(district.admin))
    assert still.row.latest.state is StipendState.REQUESTED
    done = post(
        client, f"/admin/stipends/{stipend_id}/reject", note="dup", confirm="yes", district=org
    )
    assert done.status_code == 302
    (closed,) = container.stipends.ledger(container.people.actor(district.admin))
    assert closed.row.latest.state is StipendState.REJECTED
    again = post(client, f"/admin/stipends/{stipend_id}/paid", note="x", confirm="yes")
    assert again.status_code == 409
