"""Results as Markdown, written between the markers of BENCHMARKS.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.env import Machine
from bench.measure import Summary
from bench.queue_page import TARGET_RATIO, QueryPlan, QueueResult
from bench.sections import replace_section
from bench.throughput import ThroughputResult

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
INTRO = """# Benchmarks

Measured by `make bench` (`.venv/bin/python -m bench`); what each benchmark measures and how to
read the ratios is in [bench/README.md](bench/README.md). Everything between the two markers
below is rewritten by each run; write notes outside them.

"""


@dataclass
class Results:
    machine: Machine
    quick: bool
    seconds: float
    queue: list[QueueResult] = field(default_factory=list)
    throughput: list[ThroughputResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _ms(value: float) -> str:
    return f"{value:.2f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _summary_row(name: str, summary: Summary) -> list[str]:
    return [
        name,
        _ms(summary.median_ms),
        _ms(summary.p95_ms),
        _ms(summary.min_ms),
        str(summary.runs),
    ]


def _verdict(result: QueueResult) -> str:
    return f"{result.ratio:.2f} **{'PASS' if result.passed else 'FAIL'}**"


def _overview(results: Results) -> list[str]:
    names = [r.backend for r in results.queue] or [r.backend for r in results.throughput]
    rows: list[list[str]] = []
    if results.queue:
        rows.append(
            [f"Queue page, median 10,000 queued / median 10 queued (target ≤ {TARGET_RATIO:g})"]
            + [_verdict(r) for r in results.queue]
        )
        rows.append(
            ["Queue page median, 10 → 10,000 queued (ms)"]
            + [
                f"{_ms(r.small.page.median_ms)} → {_ms(r.large.page.median_ms)}"
                for r in results.queue
            ]
        )
        rows.append(
            ["Queue statements scanning all of `submissions` (10,000 queued)"]
            + [
                ", ".join(f"#{label.split('.')[0]}" for label in r.full_scans) or "none"
                for r in results.queue
            ]
        )
        rows.append(
            ["Queue statements sorting every queued row for one page"]
            + [
                ", ".join(f"#{p.label.split('.')[0]}" for p in r.plans if p.sorts_all) or "none"
                for r in results.queue
            ]
        )
    if results.throughput:
        rows.append(
            ["Submit → award through the services (submissions/s)"]
            + [f"{r.services_per_second:.1f}" for r in results.throughput]
        )
        rows.append(
            ["Bare ORM inserts, one transaction each (rows/s)"]
            + [f"{r.bare_per_second:.1f}" for r in results.throughput]
        )
        rows.append(
            ["Ratio services / bare inserts"]
            + [
                f"{r.ratio:.3f} (1 submission ≈ {1 / r.ratio:.0f} inserts)"
                for r in results.throughput
            ]
        )
        rows.append(
            ["Transactions per submission"]
            + [f"{r.transactions_per_submission:g}" for r in results.throughput]
        )
    return _table(["Measure", *names], rows)


def _plan_block(plan: QueryPlan) -> list[str]:
    flags = [
        f"indexes: {', '.join(f'`{name}`' for name in plan.indexes) or 'none'}",
        "**full scan of submissions**" if plan.full_scan else "no full scan of submissions",
    ]
    if plan.sorts_all:
        flags.append("**sorts every matching row to return one page**")
    return [
        f"- `{plan.label}`: {'; '.join(flags)}",
        "",
        "  <details><summary>SQL and plan</summary>",
        "",
        "  ```sql",
        f"  {plan.sql}",
        "  ```",
        "",
        "  ```text",
        *[f"  {line}" for line in plan.plan.splitlines()],
        "  ```",
        "",
        "  </details>",
        "",
    ]


def diagnosis(result: QueueResult) -> list[str]:
    """Where the extra time of the 10,000 page goes, from the statement timings and plans."""
    extra = result.large.page.median_ms - result.small.page.median_ms
    growth = []
    for label, large in result.large.statements.items():
        small = result.small.statements.get(label)
        growth.append((large.median_ms - (small.median_ms if small else 0.0), label, large))
    growth.sort(reverse=True)
    sql_extra = sum(item[0] for item in growth)
    plans = {plan.label: plan for plan in result.plans}
    lines = [
        f"The 10,000 page takes {extra:.2f} ms more than the 10 page (medians); "
        f"{sql_extra:.2f} ms of that is SQL execution. By statement:",
        "",
    ]
    for grew, label, large in growth[:3]:
        plan = plans.get(label)
        why = []
        if plan and plan.full_scan:
            why.append("scans the whole submissions table")
        if plan and plan.sorts_all:
            why.append("sorts every queued row to return 25")
        if plan and not why and plan.visits_queue:
            why.append(
                "visits every queued row: an index range on state, then a table "
                "lookup per row for the other columns it tests"
            )
        lines.append(
            f"- `{label}`: +{grew:.2f} ms (now {large.median_ms:.2f} ms)"
            + (f": {'; '.join(why)}" if why else "")
        )
    return lines


def _queue_section(result: QueueResult) -> list[str]:
    lines = [f"### Queue page: {result.backend}", ""]
    lines += [
        f"`GET /review` signed in as an assessor, {result.small.page.runs} timed runs per size, "
        "interleaved, after warm-up. Each response was checked: HTTP 200, the pool total in "
        '"Waiting for an assessor (N)", 25 pool rows, 3 claimed rows.',
        "",
    ]
    lines += _table(
        ["Queued", "Median ms", "p95 ms", "Min ms", "Runs"],
        [
            _summary_row(f"{result.small.queued:,}", result.small.page),
            _summary_row(f"{result.large.queued:,}", result.large.page),
            _summary_row(
                f"{result.large.queued:,}, last page ({result.last_page_number})", result.last_page
            ),
        ],
    )
    rows = result.large.rows
    lines += [
        "",
        f"Ratio 10,000 / 10 (medians): {_verdict(result)} (target ≤ {TARGET_RATIO:g}). "
        f"Database sizes: {rows.get('people', 0):,} people; submissions "
        f"{result.small.rows.get('submissions', 0):,} and {rows.get('submissions', 0):,}; "
        f"reviews {result.small.rows.get('reviews', 0):,} and {rows.get('reviews', 0):,}.",
        "",
        "Statements of one request (median ms of the statement's execution, recorded with "
        "SQLAlchemy cursor events):",
        "",
    ]
    labels = list(dict.fromkeys([*result.small.statements, *result.large.statements]))
    lines += _table(
        ["Statement", f"{result.small.queued:,} queued", f"{result.large.queued:,} queued"],
        [
            [
                f"`{label}`",
                _ms(result.small.statements[label].median_ms)
                if label in result.small.statements
                else "—",
                _ms(result.large.statements[label].median_ms)
                if label in result.large.statements
                else "—",
            ]
            for label in labels
        ],
    )
    lines += ["", "Repository calls timed directly (median ms, inside an open unit of work):", ""]
    lines += _table(
        ["Call", f"{result.small.queued:,} queued", f"{result.large.queued:,} queued"],
        [
            [f"`{name}`", _ms(summary.median_ms), _ms(result.large.repository[name].median_ms)]
            for name, summary in result.small.repository.items()
        ],
    )
    why = diagnosis(result)
    heading = "Why it misses the target." if not result.passed else "Where the extra time goes."
    lines += ["", f"**{heading}** {why[0]}", *why[1:]]
    lines += [
        "",
        f"Query plans with {result.large.queued:,} queued "
        f"({'EXPLAIN QUERY PLAN' if result.backend == 'SQLite' else 'EXPLAIN (ANALYZE, BUFFERS)'}"
        "), for every statement of the request that reads `submissions`:",
        "",
    ]
    for plan in result.plans:
        lines += _plan_block(plan)
    return lines


def _throughput_section(results: list[ThroughputResult]) -> list[str]:
    if not results:
        return []
    lines = [
        "### Throughput: submit → claim → review → award",
        "",
        f"{results[0].submissions} drafts (two reflections and a PDF each) taken through "
        "`SubmissionService.submit`, `ReviewService.claim`, `ReviewService.complete` and "
        "`DecisionService.decide(award)`, against the same number of bare ORM inserts of a "
        "`SubmissionRow` (one `session.add` and one commit per row) on the same database.",
        "",
    ]
    rows = [
        [
            "Through the services (submissions/s)",
            *[f"{r.services_per_second:.1f}" for r in results],
        ],
        ["Bare ORM inserts (rows/s)", *[f"{r.bare_per_second:.1f}" for r in results]],
        ["Ratio services / bare", *[f"{r.ratio:.3f}" for r in results]],
        ["Bare inserts one submission costs", *[f"{1 / r.ratio:.1f}" for r in results]],
        ["Transactions per submission", *[f"{r.transactions_per_submission:g}" for r in results]],
        ["Statements per submission", *[f"{r.statements_per_submission:g}" for r in results]],
        ["Transactions per bare insert", *[f"{r.bare_transactions_per_row:g}" for r in results]],
    ]
    for step in results[0].steps:
        rows.append(
            [
                f"`{step}`: median / p95 ms, statements",
                *[
                    f"{_ms(r.steps[step].median_ms)} / {_ms(r.steps[step].p95_ms)}, "
                    f"{r.step_statements[step]:g}"
                    for r in results
                ],
            ]
        )
    lines += _table(["Measure", *[r.backend for r in results]], rows)
    return [*lines, ""]


def render(results: Results) -> str:
    lines = [
        START,
        "## Latest results",
        "",
        f"{'Quick smoke run (`--quick`)' if results.quick else 'Full run'} on "
        f"{results.machine.date}, {results.seconds:.0f} s in all.",
        "",
        *_table(["Machine", ""], [[name, value] for name, value in results.machine.rows()]),
        "",
        *[f"Not measured: {reason}" for reason in results.skipped],
        *([""] if results.skipped else []),
        "### Summary",
        "",
        *_overview(results),
        "",
    ]
    for result in results.queue:
        lines += _queue_section(result)
        lines.append("")
    lines += _throughput_section(results.throughput)
    lines.append(END)
    return "\n".join(lines) + "\n"


def write(path: Path, section: str) -> None:
    replace_section(path, START, END, section, header=INTRO)
