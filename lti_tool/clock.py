"""The real clock. Tests use a fake that they move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftableClock:
    """A real clock that can be set back in time: the demo loader uses it to spread ages out."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set_days_ago(self, days: float) -> None:
        self._offset = -timedelta(days=days)

    def reset(self) -> None:
        self._offset = timedelta(0)
