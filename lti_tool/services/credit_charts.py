"""Credit and stipends as chart data: a teacher's renewal progress, a school's, PD credit
granted per jurisdiction, and stipends by state and funding source.

Pure functions over plain data (``CreditProgress``, dashboard facts): the web layer draws them
with ``lti_tool.charts``, so the same numbers feed the chart, its table and its CSV.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from decimal import Decimal

from lti_tool.domain.credit_progress import Progress
from lti_tool.domain.series import ChartData, ChartKind, Series, Threshold
from lti_tool.domain.stipends import StipendState
from lti_tool.ports_dashboards import CreditFact, StipendFact

UNIT_NAMES = {
    "clock_hours": "clock hours",
    "pdps": "PDPs",
    "ceus": "CEUs",
    "semester_hours": "semester hours",
    "credits": "credits",
}
NO_CREDIT = "No credit in this cycle yet: it is added when a credential is awarded."


def plain(amount: Decimal) -> str:
    """``30.00`` as ``30``, ``12.50`` as ``12.5``: no trailing zeros, no exponent."""
    return f"{amount.normalize():f}"


def unit_name(unit: str) -> str:
    return UNIT_NAMES.get(unit, unit.replace("_", " "))


def _category_label(name: str, cap: Decimal | None, minimum: Decimal | None, met: bool) -> str:
    label = name.replace("_", " ")
    if cap is not None:
        label += f" (cap {plain(cap)})"
    if minimum is not None:
        label += f" (minimum {plain(minimum)}, {'met' if met else 'not met yet'})"
    return label


def renewal_chart(progress: Progress, key: str = "renewal") -> ChartData:
    """Earned against counted per category (caps in the labels), the carried credit and the
    total, against a dashed line at the requirement of the cycle."""
    categories = [
        _category_label(c.category, c.cap, c.minimum, c.minimum_met) for c in progress.categories
    ]
    earned = [float(c.earned) for c in progress.categories]
    counted = [float(c.counted) for c in progress.categories]
    if progress.carried_in:
        categories.append("carried forward from the last cycle")
        earned.append(float(progress.carried_in))
        counted.append(float(progress.carried_in))
    if progress.earned or progress.carried_in:
        categories.append("Total toward renewal")
        earned.append(float(progress.earned + progress.carried_in))
        counted.append(float(progress.total))
    unit = unit_name(progress.unit)
    return ChartData(
        key=key,
        title="Renewal progress in this cycle",
        description=f"Credit earned and credit counted after caps, per category, in the cycle "
        f"{progress.cycle_start.isoformat()} to {progress.cycle_end.isoformat()}, in {unit}; "
        f"the requirement is {plain(progress.requirement)} {unit}.",
        category_label="Category",
        value_label=unit[:1].upper() + unit[1:],
        categories=tuple(categories),
        series=(Series("Earned", tuple(earned)), Series("Counted (after caps)", tuple(counted))),
        kind=ChartKind.HORIZONTAL_BAR,
        thresholds=(Threshold(f"Requirement in {unit}", float(progress.requirement)),),
        empty_note=NO_CREDIT,
    )


def school_chart(people: Sequence[tuple[str, Progress | None]], key: str) -> ChartData:
    """Each person's counted credit as a share of their requirement (people without a
    jurisdiction are left out: the table under the chart lists them)."""
    rows = [(name, p) for name, p in people if p is not None]
    return ChartData(
        key=key,
        title="Renewal progress of each person",
        description="Credit counted toward renewal in each person's current cycle, as a share "
        "of their requirement (100% is met; a minimum may still be missing).",
        category_label="Person",
        value_label="Counted toward renewal (%)",
        categories=tuple(
            f"{name} ({plain(p.total)} of {plain(p.requirement)} {unit_name(p.unit)})"
            for name, p in rows
        ),
        series=(Series("Progress", tuple(float(p.percent) for _, p in rows)),),
        kind=ChartKind.HORIZONTAL_BAR,
        percent=True,
        empty_note="Nobody here has credit in their current cycle yet.",
    )


def credit_granted_chart(facts: Sequence[CreditFact]) -> ChartData:
    """PD credit granted per jurisdiction and unit, and the same credit in clock hours."""
    native: dict[str, Decimal] = defaultdict(Decimal)
    hours: dict[str, Decimal] = defaultdict(Decimal)
    lines: Counter[str] = Counter()
    for fact in facts:
        name = f"{fact.jurisdiction} ({unit_name(fact.unit)})"
        native[name] += fact.amount
        hours[name] += fact.clock_hours
        lines[name] += 1
    names = sorted(native, key=lambda n: (-hours[n], n))
    return ChartData(
        key="credit-granted",
        title="PD credit granted per jurisdiction",
        description="Re-licensure credit written with awards in the last twelve months, per "
        "jurisdiction in its own unit, and the same credit in clock hours.",
        category_label="Jurisdiction (unit)",
        value_label="Credit granted",
        categories=tuple(names),
        series=(
            Series("In the jurisdiction's unit", tuple(float(native[n]) for n in names)),
            Series("In clock hours", tuple(float(hours[n]) for n in names)),
        ),
        kind=ChartKind.HORIZONTAL_BAR,
        table_only=(Series("Credit lines", tuple(float(lines[n]) for n in names)),),
        empty_note="No credit granted yet: credit is written when an award meets a "
        "jurisdiction's rules.",
    )


def _money_key(label: str, currency: str, currencies: set[str]) -> str:
    return label if len(currencies) <= 1 else f"{label}, {currency}"


def _currency_note(facts: Sequence[StipendFact]) -> str:
    currencies = sorted({f.currency for f in facts})
    return f" ({currencies[0]})" if len(currencies) == 1 else ""


def stipends_by_state_chart(facts: Sequence[StipendFact]) -> ChartData:
    """Stipend amounts and counts per state of the ledger (every state shown, in order)."""
    currencies = {f.currency for f in facts}
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    counts: Counter[str] = Counter()
    for fact in facts:
        name = _money_key(fact.state, fact.currency, currencies)
        amounts[name] += fact.amount
        counts[name] += 1
    order = [s.value for s in StipendState]
    names = [
        _money_key(state, currency, currencies)
        for state in order
        for currency in sorted(currencies or {""})
    ]
    return ChartData(
        key="stipends-by-state",
        title="Stipends by state",
        description="Stipends requested in the last twelve months, by the state of their "
        "ledger: the amount in each state and how many.",
        category_label="State",
        value_label="Amount" + _currency_note(facts),
        categories=tuple(names),
        series=(Series("Amount" + _currency_note(facts), tuple(float(amounts[n]) for n in names)),),
        kind=ChartKind.HORIZONTAL_BAR,
        table_only=(Series("Stipends", tuple(float(counts[n]) for n in names)),),
        empty_note="No stipends yet: they are requested with awards once a district sets a "
        "stipend amount.",
    )


def stipends_by_source_chart(facts: Sequence[StipendFact]) -> ChartData:
    """Per funding source: what waits for approval and what is committed, with counts."""
    currencies = {f.currency for f in facts}
    waiting: dict[str, Decimal] = defaultdict(Decimal)
    committed: dict[str, Decimal] = defaultdict(Decimal)
    counts: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for fact in facts:
        name = _money_key(fact.funding_source or "(none)", fact.currency, currencies)
        counts[name] += 1
        if fact.state == StipendState.REQUESTED.value:
            waiting[name] += fact.amount
        elif fact.state == StipendState.REJECTED.value:
            rejected[name] += 1
        else:
            committed[name] += fact.amount
    names = sorted(counts, key=lambda n: (-(waiting[n] + committed[n]), n))
    note = _currency_note(facts)
    return ChartData(
        key="stipends-by-source",
        title="Stipends by funding source",
        description="Stipends requested in the last twelve months, per funding source: the "
        "amount waiting for approval and the amount committed (approved, exported or paid).",
        category_label="Funding source",
        value_label="Amount" + note,
        categories=tuple(names),
        series=(
            Series("Waiting for approval" + note, tuple(float(waiting[n]) for n in names)),
            Series("Committed" + note, tuple(float(committed[n]) for n in names)),
        ),
        kind=ChartKind.HORIZONTAL_BAR,
        table_only=(
            Series("Stipends", tuple(float(counts[n]) for n in names)),
            Series("Rejected", tuple(float(rejected[n]) for n in names)),
        ),
        empty_note="No stipends yet: they are requested with awards once a district sets a "
        "stipend amount.",
    )
