"""Who a roster user is in credbridge: the matching rules of docs/roster.md, as pure functions.

A roster user is linked to an existing person only when every rule that finds someone finds the
same person, and that person is not already some other roster user of the same district. Any
disagreement is a question for an admin, never a silent merge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

_USER_ID = re.compile(r"\{\s*([^:{}]+?)\s*:\s*([^{}]*?)\s*\}")

EMPLOYEE_ID_FIELDS = ("identifier", "userMasterIdentifier", "userIds:<TYPE>", "metadata.<name>")
"""Where the employee or state educator id may come from (setting ROSTER_EMPLOYEE_ID_FIELD)."""


def parse_user_ids(raw: str | None) -> list[tuple[str, str]]:
    """``{LDAP:12},{LTI:15}`` as ``[("LDAP", "12"), ("LTI", "15")]``; junk between is ignored."""
    if not raw:
        return []
    return [(kind, value) for kind, value in _USER_ID.findall(raw) if value]


def employee_id(
    field: str, values: Mapping[str, str | None], extra: Mapping[str, str]
) -> str | None:
    """The employee id from the configured ``field`` (see :data:`EMPLOYEE_ID_FIELDS`)."""
    if field == "identifier":
        return values.get("identifier") or None
    if field == "userMasterIdentifier":
        return values.get("user_master_identifier") or None
    if field.startswith("userIds:"):
        wanted = field.split(":", 1)[1].casefold()
        for kind, value in parse_user_ids(values.get("user_ids")):
            if kind.casefold() == wanted:
                return value
        return None
    if field.startswith("metadata."):
        return extra.get(field) or None
    raise ValueError(f"Unknown employee id field {field!r}; use one of {EMPLOYEE_ID_FIELDS}.")


def valid_employee_id_field(field: str) -> bool:
    return field in ("identifier", "userMasterIdentifier") or (
        field.startswith(("userIds:", "metadata.")) and len(field.split(".", 1)[-1]) > 0
    )


class Rule(StrEnum):
    """The identifiers tried, strongest first."""

    SOURCED_ID = "sourcedId"
    EMPLOYEE_ID = "employee id"
    EMAIL = "email"
    LTI_USER_ID = "userIds LTI"


@dataclass(frozen=True)
class Candidate:
    person_id: str
    rule: Rule


class Outcome(StrEnum):
    LINK = "link"
    CREATE = "create"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Match:
    outcome: Outcome
    person_id: str | None
    candidates: tuple[Candidate, ...]
    reason: str = ""


def decide(
    sourced_id: str, candidates: list[Candidate], linked_elsewhere: Mapping[str, str]
) -> Match:
    """Link, create or ask. ``linked_elsewhere`` maps a person id to the other sourcedId of this
    district that person is already linked to."""
    found = tuple(candidates)
    people = {c.person_id for c in candidates}
    if not people:
        return Match(Outcome.CREATE, None, found)
    if len(people) > 1:
        rules = ", ".join(sorted({f"{c.rule.value} -> {c.person_id[:8]}" for c in candidates}))
        return Match(Outcome.AMBIGUOUS, None, found, f"Rules disagree: {rules}.")
    person_id = next(iter(people))
    other = linked_elsewhere.get(person_id)
    if other and other != sourced_id:
        return Match(
            Outcome.AMBIGUOUS,
            None,
            found,
            f"That person is already roster user {other!r} of this district.",
        )
    return Match(Outcome.LINK, person_id, found)
