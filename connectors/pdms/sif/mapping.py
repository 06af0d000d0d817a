"""SIF US XML (pure): a ``ProfessionalDevelopmentActivity`` per credential and an
``EmployeeCredit`` per award, with hours, credits and the stipend; and safe parsing.

XML is parsed with xmltodict with entity expansion disabled, after defusedxml has refused any
DTD, so a hostile answer cannot expand entities or reach files.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import xmltodict
from defusedxml import ElementTree as SafeTree

from lti_tool.domain.delivery import DeliveryItem

SIF_NS = "http://www.sifassociation.org/datamodel/na/3.3"
ACTIVITY_NS = uuid.UUID("0d8f1f7a-4f0e-4c55-9a8e-7b6a1c2d3e4f")
ACTIVITIES = "professionalDevelopmentActivitys"
CREDITS = "employeeCredits"


def activity_ref(item: DeliveryItem) -> str:
    """The activity's RefId: the same for every award of one credential version."""
    return str(uuid.uuid5(ACTIVITY_NS, f"{item.credential_slug}@{item.credential_version}"))


def activity_xml(item: DeliveryItem) -> bytes:
    document = {
        "ProfessionalDevelopmentActivity": {
            "@xmlns": SIF_NS,
            "@RefId": activity_ref(item),
            "Title": item.credential_title,
            "Provider": {"Name": item.provider_name, "Number": item.provider_number},
            "ClockHours": str(item.clock_hours),
            "VerificationURL": item.verification_url,
        }
    }
    text: str = xmltodict.unparse(document, pretty=True)
    return text.encode("utf-8")


def credit_xml(item: DeliveryItem) -> bytes:
    """An ``EmployeeCredit`` whose RefId is the delivery's idempotency key."""
    credit: dict[str, Any] = {
        "@xmlns": SIF_NS,
        "@RefId": item.idempotency_key,
        "ProfessionalDevelopmentActivityRefId": activity_ref(item),
        "EmployeeLocalId": item.educator_id,
        "EmployeeName": item.educator_name,
        "CompletionDate": item.awarded_at.date().isoformat(),
        "Hours": str(item.clock_hours),
        "Credits": {
            "Credit": [
                {
                    "Amount": str(line.amount),
                    "Unit": line.unit,
                    "Jurisdiction": line.jurisdiction,
                    "RuleVersion": line.rule_version,
                }
                for line in item.lines
            ]
        },
        "Stipend": {"Amount": str(item.stipend), "Currency": "USD"} if item.stipend else None,
    }
    text: str = xmltodict.unparse({"EmployeeCredit": credit}, pretty=True)
    return text.encode("utf-8")


def parse(raw: bytes | str) -> dict[str, Any]:
    """XML as dicts, refusing DTDs and entities (billion laughs, external entities)."""
    SafeTree.fromstring(raw, forbid_dtd=True)
    parsed: dict[str, Any] = xmltodict.parse(raw, disable_entities=True)
    return parsed


def read_credit(raw: bytes | str) -> dict[str, Any]:
    """The fields of an ``EmployeeCredit`` document, with decimals as ``Decimal``."""
    credit = parse(raw)["EmployeeCredit"]
    listed = (credit.get("Credits") or {}).get("Credit") or []
    lines = listed if isinstance(listed, list) else [listed]
    stipend = credit.get("Stipend") or {}
    return {
        "ref_id": credit["@RefId"],
        "activity_ref_id": credit["ProfessionalDevelopmentActivityRefId"],
        "employee_id": credit["EmployeeLocalId"],
        "employee_name": credit["EmployeeName"],
        "completion_date": credit["CompletionDate"],
        "hours": Decimal(credit["Hours"]),
        "credits": [(Decimal(line["Amount"]), line["Unit"]) for line in lines],
        "stipend": Decimal(stipend["Amount"]) if stipend.get("Amount") else None,
    }


def error_text(raw: str) -> str:
    """A SIF ``<error>`` (code, message, description) in one line; other bodies as they are."""
    if not raw.lstrip().startswith("<"):
        return raw[:500]
    try:
        error = parse(raw).get("error") or {}
    except Exception as problem:  # a hostile or broken document: say so, never expand it
        return f"unreadable XML answer ({type(problem).__name__})"
    if not isinstance(error, dict):
        return raw[:500]
    parts = [str(error[key]) for key in ("code", "message", "description") if error.get(key)]
    return "; ".join(parts) or raw[:500]
