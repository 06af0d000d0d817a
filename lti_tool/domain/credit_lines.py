"""A line of re-licensure credit earned by one award: the shared vocabulary of credit and delivery.

Credit rules (per jurisdiction and district) turn an award into one or more lines; delivery
targets (Ed-Fi, webhook, SIF, CSV) carry the lines out. Each line names the rule version that
produced it, so a later rule change never silently rewrites credit already earned.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CreditLine:
    """One amount of credit in a jurisdiction's native unit (DOMAIN.md §6)."""

    award_id: str
    amount: Decimal
    """Exact, already rounded by the rule's policy."""
    unit: str
    """One of ``catalog_badge.CREDIT_UNITS`` (``clock_hours``, ``pdps``, ``ceus``, ...)."""
    jurisdiction: str
    """Two-letter state code (``TN``) or a district override's jurisdiction."""
    category: str
    """The rule's category (``general``, ``language_acquisition``, ...) that caps count against."""
    rule_version: str
    """``<jurisdiction>@<version>``, or ``district:<id>@<version>`` for a district override."""
    clock_hours: Decimal
    """The same credit expressed in clock hours, for targets that only take hours (Ed-Fi)."""
