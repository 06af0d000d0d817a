"""What people see after an issuer revokes a credential over HTTP: the teacher's credit page and
the admin's progress and award pages mark the credit revoked and stop counting it; the stipends
page shows a rejected stipend, or, when it had gone to payroll, HR's review list with a form to
close the review."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.domain.stipends import StipendState
from tests.web.conftest import District
from tests.web.http import post, sign_in
from tests.web.test_credit_pages import award, set_up

WHY = "Evidence was not their own."


def revoke_over_http(
    client: FlaskClient, container: Container, district: District, award_id: str
) -> None:
    credential = container.credentials.issue_for_award(award_id).credential
    sign_in(client, district.issuer)
    done = post(client, f"/issued/{credential.id}/revoke", reason=WHY)
    assert done.status_code == 302
    with container.uow_factory() as uow:
        assert uow.credentials.get(credential.id).revoked


def text(client: FlaskClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return page.get_data(as_text=True)


def test_revoked_credit_is_shown_marked_and_not_counted(
    client: FlaskClient, container: Container, district: District
) -> None:
    org = set_up(client, container, district)
    award_id = award(container, district)
    sign_in(client, district.teacher)
    assert "12 of 150 clock hours" in text(client, "/credit")

    revoke_over_http(client, container, district, award_id)

    sign_in(client, district.teacher)
    mine = text(client, "/credit")
    assert "0 of 150 clock hours" in mine and "12 of 150" not in mine
    assert "Checking Understanding with Hinge Questions" in mine  # the line is still listed
    assert re.search(r"Revoked [^<]+: not counted</strong><br><span class=\"meta\">"
                     + re.escape(WHY.replace("'", "&#39;")), mine)  # fmt: skip

    sign_in(client, district.admin)
    school = next(o for o in container.people.organizations() if o.name == district.school_name)
    progress = text(client, f"/admin/credit/people/{school.id}")
    assert "150 to go" in progress and "(revoked, not counted)" in progress
    award_page = text(client, f"/admin/credit/awards/{award_id}")
    assert "revoked" in award_page and WHY in award_page
    assert "Re-evaluate" not in award_page and "is not re-evaluated" in award_page
    refused = post(client, f"/admin/credit/awards/{award_id}/reevaluate", note="x", confirm="yes")
    assert refused.status_code == 409

    ledger = text(client, f"/admin/stipends?district={org}")
    assert 'state-rejected">rejected' in ledger and "Needs HR review" not in ledger
    (view,) = container.stipends.ledger(container.people.actor(district.admin))
    assert view.row.latest.state is StipendState.REJECTED
    assert view.row.latest.note == f"credential revoked: {WHY}"


def test_a_stipend_paid_before_revocation_waits_for_hr_on_the_stipends_page(
    client: FlaskClient, container: Container, district: District
) -> None:
    org = set_up(client, container, district)
    award_id = award(container, district)
    admin = container.people.actor(district.admin)
    (view,) = container.stipends.ledger(admin)
    stipend_id = view.row.stipend.id
    assert post(client, f"/admin/stipends/{stipend_id}/approve", confirm="yes").status_code == 302
    assert post(client, f"/admin/stipends/export/{org}").status_code == 200
    assert post(client, f"/admin/stipends/{stipend_id}/paid", confirm="yes").status_code == 302
    assert "Needs HR review" not in text(client, f"/admin/stipends?district={org}")

    revoke_over_http(client, container, district, award_id)

    sign_in(client, district.admin)
    page = text(client, f"/admin/stipends?district={org}")
    section = page.split('id="hr-review"', 1)[1].split("</section>", 1)[0]
    assert "credential revoked after export or payment" in section
    assert "Theodora Quill" in section and "300.00 USD" in section
    assert "revoked after payment" in section and f"credential revoked: {WHY}" in section
    (review,) = container.stipends.reviews(admin, org)
    assert f'action="/admin/stipends/reviews/{review.review.id}/resolve"' in section
    row = page.split(f'<tr id="s-{stipend_id}">', 1)[1].split("</tr>", 1)[0]
    assert 'state-paid">paid' in row and f'href="#review-{stipend_id}">HR review open' in row
    assert "Needs HR review" in text(client, "/admin/stipends")  # every district's list too

    url = f"/admin/stipends/reviews/{review.review.id}/resolve"
    assert post(client, url, note=" ", district=org).status_code == 422
    sign_in(client, district.issuer)
    assert post(client, url, note="waived").status_code == 403
    sign_in(client, district.admin)
    closed = post(client, url, note="Clawed back from the May pay.", district=org)
    assert closed.status_code == 302 and f"district={org}" in closed.headers["Location"]
    after = text(client, f"/admin/stipends?district={org}")
    assert 'id="hr-review"' not in after
    assert "reviewed: Clawed back from the May pay." in after
    assert post(client, url, note="again", district=org).status_code == 409
