"""Webhook signatures, SIF XML round trips, CSV templates and the PDF certificate."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from defusedxml import DTDForbidden
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.pdms.csv_export.certificate import certificate_pdf
from connectors.pdms.csv_export.mapping import TEMPLATES, render
from connectors.pdms.sif.mapping import credit_xml, error_text, parse, read_credit
from connectors.pdms.webhook.mapping import encode, headers, verify
from lti_tool.db.models import DeliveryRow, OutboxEventRow
from lti_tool.domain.credit_lines import CreditLine
from lti_tool.domain.delivery import (
    DeliveryAction,
    DeliveryItem,
    DeliveryStatus,
    integer_hours,
    title_key,
)
from lti_tool.ports import AuditFilter
from tests.delivery.conftest import District
from tests.fakes.webhook_receiver import WebhookReceiver


def item(**changes: object) -> DeliveryItem:
    base = DeliveryItem(
        delivery_id="d1",
        idempotency_key="6a0e7a51-3f35-5c1c-9d55-6f1c0e1c2d3e",
        action=DeliveryAction.AWARD,
        award_id="a1",
        awarded_at=datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
        educator_id="E00042",
        educator_name="Zoë Ortega",
        educator_email="zoe@maple.example",
        credential_slug="hinge-questions",
        credential_title="Hinge Questions",
        credential_version=2,
        verification_url="https://cred.example/credentials/c1",
        provider_name="Maple PD Center",
        provider_number="TN-PD-0042",
        lines=(
            CreditLine(
                "a1", Decimal("15"), "clock_hours", "TN", "general", "TN@2026", Decimal("15")
            ),
        ),
        stipend=Decimal("150.00"),
    )
    return base if not changes else DeliveryItem(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_title_keys_are_deterministic_and_fit_60() -> None:
    long = "Formative Assessment: Designing Hinge Questions That Reveal Misconceptions Quickly"
    key = title_key(long)
    assert len(key) == 60 and key == title_key(long) and key.startswith("Formative Assessment")
    assert title_key(long + " II") != key
    assert title_key("  Short   title ") == "Short title"


def test_integer_hours_round_by_policy() -> None:
    assert integer_hours(Decimal("7.5")) == 8
    assert integer_hours(Decimal("7.5"), "down") == 7
    assert integer_hours(Decimal("7.1"), "up") == 8
    assert integer_hours(Decimal("0.2"), "down") == 1  # some credit never rounds to none
    assert integer_hours(Decimal(0)) == 0


def test_webhook_signature_and_replay_window() -> None:
    raw = encode({"a": 1})
    now = int(time.time())
    sent = headers("k", now, raw, "key-1", "credential.awarded")
    assert verify("k", sent, raw, now) is None
    assert verify("other", sent, raw, now) == "signature does not match"
    assert verify("k", sent, raw + b" ", now) == "signature does not match"
    assert verify("k", sent, raw, now + 301) == "timestamp outside the replay window"


def test_webhook_delivery_is_signed_and_a_repeat_counts_as_delivered(district: District) -> None:
    container = district.container
    with WebhookReceiver(secret="hook-secret") as receiver:
        container.delivery_admin.add_target(
            None,
            "webhook",
            "hr-hook",
            {"url": receiver.base_url + "/in"},
            {"secret": "hook-secret"},
        )
        assert container.delivery_admin.test(None, "hr-hook")[0]
        award_id = district.award()
        container.worker.drain()
        (received,) = [r for r in receiver.received.values() if r["type"] == "credential.awarded"]
        assert received["award_id"] == award_id
        assert received["credit"][0]["unit"] == "clock_hours"
        assert receiver.rejected == []
        # The worker died after the POST but before recording it: the row runs again.
        (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)
        with Session(container.engine) as session:
            session.get(DeliveryRow, delivery.id).status = "pending"  # type: ignore[union-attr]
            for row in session.scalars(select(OutboxEventRow)):
                row.delivered_at, row.available_at = None, row.created_at
            session.commit()
        assert container.worker.drain().delivered >= 1
        (again,) = container.delivery_admin.deliveries_for_award(None, award_id)
        assert again.status is DeliveryStatus.DELIVERED and again.last_status_code == 409
        assert "already" in again.last_answer
        assert len([r for r in receiver.received.values() if r["type"] != "ping"]) == 1


def test_webhook_with_a_wrong_secret_is_refused_for_a_person(district: District) -> None:
    container = district.container
    with WebhookReceiver(secret="right") as receiver:
        container.delivery_admin.add_target(
            None, "webhook", "hr-hook", {"url": receiver.base_url}, {"secret": "wrong"}
        )
        award_id = district.award()
        container.worker.drain()
    (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)
    assert delivery.status is DeliveryStatus.REFUSED and delivery.last_status_code == 401
    assert "signature does not match" in delivery.last_answer


def test_sif_employee_credit_round_trips() -> None:
    raw = credit_xml(item())
    back = read_credit(raw)
    assert back["ref_id"] == item().idempotency_key
    assert back["employee_id"] == "E00042" and back["employee_name"] == "Zoë Ortega"
    assert back["hours"] == Decimal("15") and back["credits"] == [(Decimal("15"), "clock_hours")]
    assert back["stipend"] == Decimal("150.00") and back["completion_date"] == "2026-11-02"


def test_sif_parsing_refuses_entities() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;">]><error><message>&b;</message></error>'
    )
    with pytest.raises(DTDForbidden):
        parse(bomb)
    assert error_text(bomb.decode()) == "unreadable XML answer (DTDForbidden)"
    said = (
        "<error><code>409</code><message>Conflict</message>"
        "<description>exists</description></error>"
    )
    assert error_text(said) == "409; Conflict; exists"


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_csv_templates_have_their_columns_and_neutralise_formulas(template: str) -> None:
    rows = list(csv.reader(io.StringIO(render(template, [item(educator_name="=HYPERLINK(1)")]))))
    header, row = rows
    assert header == TEMPLATES[template][0] and len(row) == len(header)
    assert "E00042" in row and "'=HYPERLINK(1)" in row
    assert any("https://cred.example/credentials/c1" in cell for cell in row)


def test_the_certificate_carries_what_states_require() -> None:
    text = PdfReader(io.BytesIO(certificate_pdf(item()))).pages[0].extract_text()
    for expected in (
        "Maple PD Center",
        "TN-PD-0042",
        "Zoë Ortega",
        "E00042",
        "Hinge Questions",
        "2026-11-02",
        "15 Clock Hours",
        "https://cred.example/credentials/c1",
    ):
        assert expected in text, expected


def test_csv_export_writes_a_file_and_a_certificate_per_award(
    district: District, tmp_path: Path
) -> None:
    container = district.container
    folder = tmp_path / "exports"
    container.delivery_admin.add_target(
        None,
        "csv_export",
        "frontline",
        {"template": "frontline", "dir": str(folder), "provider_number": "PD-7"},
        {},
    )
    award_id = district.award()
    container.worker.drain()
    assert (folder / f"frontline-{award_id}-award.csv").is_file()
    pdf = PdfReader(folder / f"certificate-{award_id}.pdf").pages[0].extract_text()
    assert "PD-7" in pdf and "/credentials/" in pdf
    assert container.delivery_admin.reconcile(None, "frontline") == (True, [])
    exported = container.delivery_admin.export(None, "frontline")
    assert exported is not None and award_id.encode() not in exported  # Frontline keys by request
    assert exported.count(b"\r\n") == 2


def test_sif_zone_gets_the_credit_once_and_loses_it_on_revocation(district: District) -> None:
    from tests.fakes.sif_zone import FakeSifZone

    container = district.container
    with FakeSifZone() as zone:
        container.delivery_admin.add_target(
            None,
            "sif",
            "hr-zone",
            {"url": zone.base_url, "username": "district"},
            {"password": "zone-pass"},
        )
        assert container.delivery_admin.test(None, "hr-zone")[0]
        award_id = district.award()
        container.worker.drain()
        (credit,) = zone.objects["employeeCredits"].values()
        assert read_credit(credit)["hours"] == Decimal("15")
        assert len(zone.objects["professionalDevelopmentActivitys"]) == 1
        # A second award of the same credential shares the activity; the 409 is harmless.
        district.award()
        container.worker.drain()
        assert len(zone.objects["professionalDevelopmentActivitys"]) == 1
        assert len(zone.objects["employeeCredits"]) == 2
        assert container.delivery_admin.reconcile(None, "hr-zone") == (True, [])
        issued = container.credentials.issue_for_award(award_id).credential
        container.credentials.revoke(district.issuer, issued.id, "Withdrawn by the district.")
        container.worker.drain()
        assert len(zone.objects["employeeCredits"]) == 1
        statuses = {d.status for d in container.delivery_admin.deliveries_for_award(None, award_id)}
        assert statuses == {DeliveryStatus.DELIVERED}
        revoke = next(
            d
            for d in container.delivery_admin.deliveries_for_award(None, award_id)
            if d.action is DeliveryAction.REVOKE
        )
        with container.uow_factory() as uow:
            (created,) = uow.audit.page(AuditFilter(entity_id=revoke.id, action="create"), 10, 0)
        assert created.actor_id == district.issuer.person_id  # who revoked queued it
