"""Admin, Delivery over HTTP: add a target (secrets write-only), test it, see deliveries, retry,
resolve by hand; admins only, CSRF on every form, everything audited."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db.models import AuditEntryRow, DeliveryTargetRow
from lti_tool.domain.delivery import DeliveryStatus
from lti_tool.web.app import create_app
from tests.delivery.conftest import District
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.web.http import csrf, post, sign_in

URL = "/admin/delivery"


def test_admin_connects_tests_and_settles_deliveries(district: District) -> None:
    container = district.container
    client = create_app(container=container).test_client()
    sign_in(client, district.admin.person_id)
    with WebhookReceiver(secret="top-secret-value") as receiver:
        assert client.post(URL, data={"kind": "webhook", "name": "x"}).status_code == 400  # no CSRF
        bad = client.post(
            URL,
            data={
                "csrf_token": csrf(client),
                "kind": "webhook",
                "name": "hr",
                "url": "ftp://x",
                "secret": "",
            },
        )
        assert bad.status_code == 422
        assert "url: must be an http(s) URL" in bad.get_data(as_text=True)
        added = client.post(
            URL,
            data={
                "csrf_token": csrf(client),
                "kind": "webhook",
                "name": "hr",
                "url": receiver.base_url,
                "secret": "top-secret-value",
            },
        )
        assert added.status_code == 302
        page = client.get(URL).get_data(as_text=True)
        assert "hr" in page and "<dt>secret</dt><dd>set (hidden)</dd>" in page
        assert "top-secret-value" not in page
        with Session(container.engine) as session:
            sealed = session.scalars(select(DeliveryTargetRow)).one().sealed_secrets
        assert "top-secret-value" not in sealed and sealed

        target = container.delivery_admin.target(None, "hr")
        tested = post(client, f"{URL}/{target.id}/test")
        assert tested.status_code == 302
        assert "Test passed" in client.get(URL).get_data(as_text=True)

        receiver.secret = "rotated-on-their-side"
        award_id = district.award()
        container.worker.drain()
        listing = client.get(f"{URL}/{target.id}").get_data(as_text=True)
        assert "refused" in listing and "signature does not match" in listing
        (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)

        receiver.secret = "top-secret-value"
        assert (
            post(client, f"{URL}/deliveries/{delivery.id}/retry", back="//evil.example/").headers[
                "Location"
            ]
            == URL
        )
        container.worker.drain()
        assert (
            container.delivery_admin.delivery(None, delivery.id).status is DeliveryStatus.DELIVERED
        )
        per_award = client.get(f"{URL}/awards/{award_id}").get_data(as_text=True)
        assert "delivered" in per_award
        pdf = client.get(f"{URL}/deliveries/{delivery.id}/certificate.pdf")
        assert pdf.status_code == 200
        assert "Hinge" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()

        second = district.award()
        receiver.fail_next(400)
        container.worker.drain()
        (refused,) = container.delivery_admin.deliveries_for_award(None, second)
        assert post(client, f"{URL}/deliveries/{refused.id}/resolve", note="").status_code == 422
        resolved = post(
            client, f"{URL}/deliveries/{refused.id}/resolve", note="Typed into Frontline"
        )
        assert resolved.status_code == 302
        assert container.delivery_admin.delivery(None, refused.id).status is DeliveryStatus.RESOLVED

    with Session(container.engine) as session:
        actions = {(row.entity_type, row.action) for row in session.scalars(select(AuditEntryRow))}
    assert {
        ("delivery_target", "create"),
        ("delivery_target", "test"),
        ("delivery", "retry"),
        ("delivery", "resolve"),
        ("delivery", "attempt"),
    } <= actions


def test_only_admins_see_delivery_pages(district: District) -> None:
    client = create_app(container=district.container).test_client()
    sign_in(client, district.issuer.person_id)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"csrf_token": csrf(client), "kind": "webhook"}).status_code == 403


def test_a_disconnected_target_gets_nothing_more(district: District) -> None:
    container = district.container
    with WebhookReceiver(secret="k") as receiver:
        container.delivery_admin.add_target(
            None, "webhook", "hook", {"url": receiver.base_url}, {"secret": "k"}
        )
        award_id = district.award()
        container.delivery_admin.disconnect(district.admin, "hook")
        container.worker.drain()
        later = district.award()
        container.worker.drain()
    assert receiver.received == {}
    (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)
    assert delivery.status is DeliveryStatus.REFUSED and "disconnected" in delivery.last_answer
    assert container.delivery_admin.deliveries_for_award(None, later) == []
