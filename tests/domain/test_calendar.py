"""Business days, the unit review times are promised in."""

from __future__ import annotations

from datetime import UTC, datetime

from lti_tool.domain.calendar import business_days_between


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)  # 2026-03-02 is a Monday


def test_weekends_do_not_count() -> None:
    assert business_days_between(at(6), at(9)) == 1  # Friday to Monday
    assert business_days_between(at(2), at(9)) == 5  # a whole week
    assert business_days_between(at(2), at(23)) == 15
    assert business_days_between(at(7), at(8)) == 0  # Saturday to Sunday


def test_the_same_day_or_a_later_start_is_zero() -> None:
    assert business_days_between(at(2, 8), at(2, 17)) == 0
    assert business_days_between(at(9), at(2)) == 0
