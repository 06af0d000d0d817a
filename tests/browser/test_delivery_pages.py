"""Delivery in Chromium: an admin connects a webhook target (a fake receiver on 127.0.0.1) in
the admin page, an award is made, the worker drains, and the admin sees the delivery as
delivered on the target's page, the award's page and the delivery-health dashboard. Every
delivery page passes axe, fits a 390 px phone and is photographed at 800 and 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Dialog, Page, expect

from lti_tool.bootstrap import Container
from lti_tool.demo import register_demo_lms
from tests.browser.accessibility import axe_violations
from tests.browser.test_credit_pages import checked, sign_in
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.web.conftest import District
from tests.web.test_credit_pages import HINGE, award, district_id

pytestmark = pytest.mark.browser
SECRET = "hook-secret-for-the-browser"


def test_an_admin_connects_a_webhook_and_sees_the_award_delivered(
    page: Page, container: Container, district: District
) -> None:
    register_demo_lms(container)
    sign_in(page, container, district.admin, "admin")
    checked(page, "/admin/delivery", "admin-delivery-targets-empty")
    expect(page.get_by_text("No target is connected yet.")).to_be_visible()

    with WebhookReceiver(secret=SECRET) as receiver:
        page.get_by_label("Name", exact=True).fill("HR webhook")
        page.get_by_label("Kind").select_option("webhook")
        page.get_by_role("button", name="Connect").click()  # no URL, no secret: refused
        expect(page.get_by_role("alert")).to_contain_text("url")
        assert not axe_violations(page)
        checked_form = page.url
        assert checked_form.endswith("/admin/delivery")
        page.get_by_label("Webhook or SIF: URL").fill(receiver.base_url)
        page.get_by_label(re.compile(r"^Webhook: signing secret")).fill(SECRET)
        page.get_by_role("button", name="Connect").click()
        expect(page.get_by_text("Connected HR webhook.")).to_be_visible()
        assert SECRET not in page.content()

        award_id = award(container, district)
        container.worker.drain()
        assert len(receiver.received) == 1

        page.on("dialog", _accept)
        page.get_by_role("button", name="Send earlier awards to HR webhook").click()
        expect(page.get_by_text("Queued 0 earlier award(s).")).to_be_visible()
    delivered = page.locator(".deliveries li", has_text=award_id[:8])
    expect(delivered.locator(".state")).to_have_text("delivered")
    target_path = page.url.removeprefix(page.url.split("/admin")[0])
    checked(page, target_path, "admin-delivery-target")
    checked(page, "/admin/delivery", "admin-delivery-targets")
    checked(page, f"/admin/delivery/awards/{award_id}", "admin-delivery-award")
    expect(page.locator(".deliveries .state")).to_have_text("delivered")

    checked(page, "/admin/dashboards", "admin-dashboards-delivery")
    health = page.get_by_role("region", name="Delivery health per target")
    expect(
        health.get_by_role("img", name=re.compile("^Delivery health per target"))
    ).to_be_visible()
    health.get_by_text("Table of the numbers in this chart").click()
    expect(health.get_by_role("row", name=re.compile("^HR webhook"))).to_contain_text("1")
    assert not axe_violations(page)


def test_the_payroll_export_says_it_is_working_then_that_the_file_arrived(
    page: Page, container: Container, district: District
) -> None:
    org = district_id(container)
    admin = container.people.actor(district.admin)
    container.credit_admin.configure(admin, org, "TX", currency="USD")
    container.credit_admin.set_override(
        admin, org, "credential", HINGE, credit_amount="12", category="general",
        stipend_amount="300.00", funding_source="Title II",
    )  # fmt: skip
    found = container.stipends.for_award(award(container, district))
    assert found is not None
    container.stipends.approve(admin, found[0].id)
    register_demo_lms(container)
    sign_in(page, container, district.admin, "admin")
    page.goto(f"/admin/stipends?district={org}")
    button = page.get_by_role("button", name=re.compile("^Download the payroll file"))
    status = page.locator("form", has=button).get_by_role("status")
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith(".csv")
    expect(status).to_contain_text("Done: ")
    expect(status).to_contain_text("downloaded")
    expect(button).to_be_enabled()
    page.reload()
    expect(page.locator("tbody tr", has_text="Theodora Quill").locator(".state")).to_have_text(
        "exported"
    )
    assert not axe_violations(page)


def _accept(dialog: Dialog) -> None:
    """The backfill asks first (data-confirm): the admin says yes."""
    dialog.accept()
