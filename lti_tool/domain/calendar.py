"""Business days: how review times are promised (5 to 14 business days, DOMAIN.md §1)."""

from __future__ import annotations

from datetime import datetime, timedelta

SATURDAY = 5


def business_days_between(start: datetime, end: datetime) -> int:
    """Whole weekdays (Monday to Friday) from ``start``'s date to ``end``'s date.

    Submitted on a Friday and looked at the next Monday is one business day; the same day is 0.
    Holidays are not known here and count as business days."""
    if end <= start:
        return 0
    first, last = start.date(), end.date()
    days = (last - first).days
    whole_weeks, rest = divmod(days, 7)
    count = whole_weeks * 5
    for offset in range(1, rest + 1):
        if (first + timedelta(days=offset)).weekday() < SATURDAY:
            count += 1
    return count
