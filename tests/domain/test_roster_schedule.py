"""The pure rules of scheduled roster syncs: when a run is due, when it is full, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lti_tool.domain.roster.schedule import (
    check_intervals,
    duration,
    new_schedule,
    retry_delay,
)

NOW = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)


def test_a_new_schedule_is_due_at_once_and_full() -> None:
    schedule = new_schedule("sis", NOW)
    assert schedule.due(NOW) and schedule.full_due(NOW)
    assert not schedule.running(NOW)


def test_a_completed_incremental_run_keeps_the_full_date() -> None:
    schedule = new_schedule("sis", NOW).after_run(NOW, True, "completed", "r1", None)
    later = NOW + timedelta(hours=1)
    incremental = schedule.after_run(later, False, "completed", "r2", None)
    assert incremental.next_run_at == later + timedelta(hours=1)
    assert incremental.next_full_at == NOW + timedelta(days=7)
    assert not incremental.due(later + timedelta(minutes=59))


def test_failures_back_off_but_never_beyond_the_interval_and_a_full_run_stays_full() -> None:
    schedule = new_schedule("sis", NOW, every=timedelta(minutes=30))
    once = schedule.after_run(NOW, True, "failed", "r1", "x" * 900)
    assert once.failures == 1 and len(once.last_error or "") == 500
    assert once.next_run_at == once.next_full_at == NOW + timedelta(minutes=5)
    twice = once.after_run(NOW, True, "failed", "r2", "down")
    assert twice.next_run_at == NOW + timedelta(minutes=10)
    assert retry_delay(9, timedelta(minutes=30)) == timedelta(minutes=30)
    recovered = twice.after_run(NOW, True, "completed", "r3", None)
    assert recovered.failures == 0 and recovered.last_error is None


def test_a_disabled_schedule_is_never_due_and_intervals_are_checked() -> None:
    schedule = new_schedule("sis", NOW)
    assert not schedule.__class__(**{**schedule.__dict__, "enabled": False}).due(NOW)
    assert check_intervals(timedelta(minutes=1), timedelta(days=1))
    assert check_intervals(timedelta(hours=2), timedelta(hours=1))
    assert check_intervals(timedelta(hours=1), timedelta(days=7)) == []
    assert duration(timedelta(minutes=90)) == "90 minutes"
    assert duration(timedelta(days=7)) == "7 days"
    assert duration(timedelta(hours=1)) == "1 hour"
