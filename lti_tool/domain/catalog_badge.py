"""Catalog fields that only the published badge uses: standards alignments and nominal credit.

Both are optional. They are left out of a definition's dict form when empty, so adding this
module changed no existing fingerprint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

URL = re.compile(r"^https?://\S+$")
CREDIT_UNITS = ("clock_hours", "pdps", "ceus", "semester_hours", "credits")
"""Native units of re-licensure credit (DOMAIN.md §6)."""


class ProblemSink(Protocol):
    def add(self, where: str, message: str) -> None: ...

    def known_fields(self, data: dict[str, Any], kind: str, where: str) -> None: ...

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str: ...


@dataclass(frozen=True)
class Alignment:
    """A standard the credential aligns to (an OB 3.0 ``Alignment``)."""

    name: str
    url: str
    description: str = ""
    framework: str = ""
    code: str = ""


@dataclass(frozen=True)
class NominalCredit:
    """The credit a provider states for the credential, before any state or district rule."""

    amount: Decimal
    unit: str


ALIGNMENT_FIELDS = {"name", "url", "description", "framework", "code"}
CREDIT_FIELDS = {"amount", "unit"}


def parse_alignments(
    problems: ProblemSink, data: dict[str, Any], where: str
) -> tuple[Alignment, ...]:
    raw = data.get("alignments", [])
    if not isinstance(raw, list):
        problems.add(f"{where}.alignments", "must be a list")
        return ()
    found: list[Alignment] = []
    for index, item in enumerate(raw):
        at = f"{where}.alignments[{index}]"
        if not isinstance(item, dict):
            problems.add(at, "must be a mapping with name and url")
            continue
        problems.known_fields(item, "alignment", at)
        url = problems.text(item, "url", at)
        if url and not URL.match(url):
            problems.add(f"{at}.url", f"{url!r} is not an http(s) URL")
        found.append(
            Alignment(
                name=problems.text(item, "name", at),
                url=url,
                description=problems.text(item, "description", at, required=False),
                framework=problems.text(item, "framework", at, required=False),
                code=problems.text(item, "code", at, required=False),
            )
        )
    return tuple(found)


def parse_credit(problems: ProblemSink, data: dict[str, Any], where: str) -> NominalCredit | None:
    raw = data.get("credit")
    if raw is None:
        return None
    at = f"{where}.credit"
    if not isinstance(raw, dict):
        problems.add(at, "must be a mapping with amount and unit")
        return None
    problems.known_fields(raw, "credit", at)
    amount_text = problems.text(raw, "amount", at)
    unit = problems.text(raw, "unit", at)
    if unit and unit not in CREDIT_UNITS:
        problems.add(f"{at}.unit", f"{unit!r} is not one of {', '.join(CREDIT_UNITS)}")
    try:
        amount = Decimal(amount_text) if amount_text else Decimal(0)
    except InvalidOperation:
        problems.add(f"{at}.amount", f"{amount_text!r} is not a number")
        return None
    if amount_text and (not amount.is_finite() or amount <= 0):
        problems.add(f"{at}.amount", "must be more than zero")
    return NominalCredit(amount=amount, unit=unit)


def badge_fields_to_dict(
    alignments: tuple[Alignment, ...], credit: NominalCredit | None
) -> dict[str, Any]:
    """The dict form, only with what is set (see the module docstring)."""
    out: dict[str, Any] = {}
    if alignments:
        out["alignments"] = [
            {
                key: value
                for key, value in (
                    ("name", item.name),
                    ("url", item.url),
                    ("description", item.description),
                    ("framework", item.framework),
                    ("code", item.code),
                )
                if value
            }
            for item in alignments
        ]
    if credit is not None:
        out["credit"] = {"amount": str(credit.amount), "unit": credit.unit}
    return out
