"""Credit and stipends as chart data: minimums, carried credit and currencies kept apart."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lti_tool.domain.credit_progress import CategoryProgress, Progress
from lti_tool.ports_dashboards import StipendFact
from lti_tool.services.credit_charts import renewal_chart, stipends_by_state_chart


def test_minimums_and_carried_credit_are_named_in_the_chart() -> None:
    progress = Progress(
        jurisdiction="NY", rule_version="NY@2016", unit="clock_hours",
        requirement=Decimal(100), cycle_start=date(2025, 7, 1), cycle_end=date(2030, 7, 1),
        earned=Decimal("22.5"), counted=Decimal("22.5"), carried_in=Decimal(10),
        categories=(
            CategoryProgress("general", Decimal("20.5"), Decimal("20.5"), None, None),
            CategoryProgress("language_acquisition", Decimal(2), Decimal(2), None, Decimal(15)),
        ),
    )  # fmt: skip
    chart = renewal_chart(progress)
    assert chart.rows() == [
        ("Category", "Earned", "Counted (after caps)"),
        ("general", "20.5", "20.5"),
        ("language acquisition (minimum 15, not met yet)", "2", "2"),
        ("carried forward from the last cycle", "10", "10"),
        ("Total toward renewal", "32.5", "32.5"),
    ]
    assert chart.thresholds[0].value == 100


def test_an_empty_cycle_draws_no_chart() -> None:
    progress = Progress(
        "TX", "TX@2017", "clock_hours", Decimal(150), date(2025, 9, 1), date(2030, 9, 1),
        Decimal(0), Decimal(0), Decimal(0), (),
    )  # fmt: skip
    assert renewal_chart(progress).empty


def test_stipends_in_two_currencies_are_never_added_together() -> None:
    facts = [
        StipendFact("paid", "Title II", "USD", Decimal("300.00")),
        StipendFact("paid", "Title II", "CAD", Decimal("250.00")),
        StipendFact("paid", "Title II", "USD", Decimal("100.50")),
    ]
    rows = dict((row[0], row[1:]) for row in stipends_by_state_chart(facts).rows())
    assert rows["paid, USD"] == ("400.5", "2")
    assert rows["paid, CAD"] == ("250", "1")
    assert rows["requested, USD"] == ("0", "0")
