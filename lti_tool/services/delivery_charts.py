"""Delivery health as chart data: per connected target, its deliveries by status and how long
the oldest undelivered one has waited (admins only, on the dashboards page).

A pure function over dashboard facts (``DeliveryFact``), so the chart, its table and its CSV
show the same numbers. Each status is its own series: the chart draws each with its own hatch
and labels every bar, so no status is told by colour alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from lti_tool.domain.delivery import DeliveryStatus
from lti_tool.domain.series import ChartData, ChartKind, Series
from lti_tool.ports_dashboards import DeliveryFact

DRAWN = (
    (DeliveryStatus.DELIVERED, "Delivered"),
    (DeliveryStatus.PENDING, "Pending"),
    (DeliveryStatus.RETRYING, "Retrying"),
    (DeliveryStatus.REFUSED, "Refused"),
    (DeliveryStatus.DEAD, "Dead"),
)
UNDELIVERED = frozenset(s.value for s in DeliveryStatus if not s.settled)
OLDEST = "Oldest undelivered (hours)"


def delivery_health_chart(facts: Sequence[DeliveryFact], now: datetime) -> ChartData:
    """One row per target (disconnected ones marked): counts per status, and the age in hours
    of its oldest delivery not yet delivered or resolved (0 when nothing waits)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    oldest: dict[str, datetime] = {}
    for fact in facts:
        name = fact.target if fact.active else f"{fact.target} (disconnected)"
        row = counts[name]
        if fact.status is None:
            continue
        row[fact.status] = row.get(fact.status, 0) + fact.count
        if fact.status in UNDELIVERED and fact.oldest is not None:
            oldest[name] = min(fact.oldest, oldest.get(name, fact.oldest))
    names = tuple(counts)

    def column(status: str) -> tuple[float, ...]:
        return tuple(float(counts[n].get(status, 0)) for n in names)

    def hours(name: str) -> float:
        since = oldest.get(name)
        return round(max(0.0, (now - since).total_seconds() / 3600), 1) if since else 0.0

    return ChartData(
        key="delivery-health",
        title="Delivery health per target",
        description="Awards and revocations sent to each connected PD or HR system, by "
        "status: delivered, pending, retrying, refused (a person must look) and dead (too "
        "many failures). The table adds the deliveries resolved by hand and how many hours "
        "the oldest undelivered one has waited (0 when nothing waits).",
        category_label="Target",
        value_label="Deliveries",
        categories=names,
        series=tuple(Series(label, column(status.value)) for status, label in DRAWN),
        kind=ChartKind.HORIZONTAL_BAR,
        empty_note="No deliveries yet: connect a target in Admin, Delivery targets; every "
        "award is then sent to it.",
        table_only=(
            Series("Resolved by hand", column(DeliveryStatus.RESOLVED.value)),
            Series(OLDEST, tuple(hours(n) for n in names)),
        ),
    )
