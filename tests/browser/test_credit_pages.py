"""Credit and stipends in Chromium: the teacher sees their renewal chart after an award, an
admin approves the stipend through its confirmation page and sees its new state, and every
credit and stipend page passes axe, fits a 390 px phone and is photographed at 800 and 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lti_tool.bootstrap import Container
from lti_tool.demo import register_demo_lms
from lti_tool.demo_lms import demo as demo_lms
from lti_tool.domain.roles import IdentityKind
from tests.browser.accessibility import axe_violations, screenshots
from tests.web.conftest import District
from tests.web.test_credit_pages import HINGE, award, district_id

pytestmark = pytest.mark.browser


def sign_in(page: Page, container: Container, person_id: str, role: str) -> None:
    """Launch credbridge from the demo LMS as its ``role`` user, linked to ``person_id``."""
    user = next(u for u in demo_lms.USERS if u.key == role)
    issuer = demo_lms.issuer_for(container.settings.base_url)
    container.people.add_identities(person_id, ((IdentityKind.LTI_SUBJECT, issuer, user.subject),))
    page.context.clear_cookies()
    page.goto("/demo-lms/")
    page.get_by_role("button", name=f"Open credbridge as {user.name.split()[0]}").click()
    tool = page.frame_locator("iframe[name=credbridge-tool]")
    expect(tool.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/")


def checked(page: Page, path: str, name: str) -> None:
    """Open ``path``: no serious axe violation, no sideways scrolling, screenshots."""
    answer = page.goto(path)
    assert answer is not None and answer.status == 200, (path, answer and answer.status)
    assert not axe_violations(page), (name, axe_violations(page))
    screenshots(page, name)
    page.set_viewport_size({"width": 800, "height": 900})


@pytest.fixture
def awarded(container: Container, district: District) -> str:
    """Texas credit and a 300.00 Title II stipend for hinge questions; one award. The district."""
    admin, org = container.people.actor(district.admin), district_id(container)
    container.credit_admin.configure(admin, org, "TX", currency="USD")
    container.credit_admin.set_override(
        admin, org, "credential", HINGE, credit_amount="12", category="general",
        stipend_amount="300.00", funding_source="Title II",
    )  # fmt: skip
    award(container, district)
    register_demo_lms(container)
    return org


def test_the_teacher_sees_the_renewal_chart_after_an_award(
    page: Page, container: Container, district: District, awarded: str
) -> None:
    sign_in(page, container, district.teacher, "teacher")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My credit").click()
    chart = page.get_by_role("img", name=re.compile(r"^Renewal progress in this cycle"))
    expect(chart).to_be_visible()
    page.get_by_text("Table of the numbers in this chart").click()
    row = page.get_by_role("row", name=re.compile(r"^Total toward renewal"))
    expect(row).to_contain_text("12")
    checked(page, "/credit", "teacher-credit")


def test_an_admin_approves_a_stipend_after_confirming(
    page: Page, container: Container, district: District, awarded: str
) -> None:
    sign_in(page, container, district.admin, "admin")
    page.goto(f"/admin/stipends?district={awarded}")
    stipend = page.locator("tbody tr", has_text="Theodora Quill")
    expect(stipend.locator(".state")).to_have_text("requested")
    stipend.get_by_role("link", name=re.compile(r"^Approve…")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve this stipend?")
    assert not axe_violations(page)
    page.get_by_role("button", name="Approve").click()  # not ticked: the browser refuses
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve this stipend?")
    page.get_by_label("Yes, approve it").check()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Stipend approved.")).to_be_visible()
    expect(stipend.locator(".state")).to_have_text("approved")
    expect(stipend.get_by_role("link", name=re.compile(r"^Approve…"))).to_have_count(0)

    for path, name in (
        ("/admin/credit", "admin-credit"),
        (f"/admin/credit/people/{awarded}", "admin-credit-people"),
        (f"/admin/stipends?district={awarded}", "admin-stipends"),
        ("/admin/dashboards", "admin-dashboards-credit"),
    ):
        checked(page, path, name)
    page.goto("/admin/dashboards")
    for title in ("PD credit granted per jurisdiction", "Stipends by state"):
        expect(page.get_by_role("img", name=re.compile(f"^{title}"))).to_be_visible()


def test_an_admin_closes_the_hr_review_of_a_stipend_revoked_after_payment(
    page: Page, container: Container, district: District, awarded: str
) -> None:
    admin = container.people.actor(district.admin)
    (view,) = container.stipends.ledger(admin)
    award_id, stipend_id = view.row.stipend.award_id, view.row.stipend.id
    container.stipends.approve(admin, stipend_id)
    container.payroll.export(admin, awarded)
    container.stipends.mark_paid(admin, stipend_id, "cheque 12")
    credential = container.credentials.issue_for_award(award_id).credential
    issuer = container.people.actor(district.issuer)
    container.credentials.revoke(issuer, credential.id, "Evidence was not their own.")

    sign_in(page, container, district.admin, "admin")
    checked(page, f"/admin/stipends?district={awarded}", "admin-stipends-hr-review")
    page.goto(f"/admin/stipends?district={awarded}")
    review = page.get_by_role("region", name=re.compile("^Needs HR review"))
    expect(review).to_contain_text("revoked after payment")
    expect(review).to_contain_text("credential revoked: Evidence was not their own.")
    row = page.locator(f"#s-{stipend_id}")
    expect(row.get_by_role("link", name="HR review open")).to_be_visible()
    review.get_by_label(re.compile("^What was done")).fill("Clawed back from the May pay.")
    review.get_by_role("button", name=re.compile("^Close the review")).click()
    expect(page.get_by_text("Review closed")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("^Needs HR review"))).to_have_count(0)
    expect(row).to_contain_text("reviewed: Clawed back from the May pay.")
    checked(page, f"/admin/credit/awards/{award_id}", "admin-credit-award-revoked")
