"""The LTI benchmarks' results as Markdown, between their own markers in BENCHMARKS.md."""

from __future__ import annotations

from pathlib import Path

from bench.env import Machine
from bench.lti.http_launch import AppResult, HttpLaunchResult
from bench.lti.signing import SigningCase
from bench.lti.validation import TARGET, ValidationResult
from bench.sections import replace_section

START = "<!-- bench-lti:start -->"
END = "<!-- bench-lti:end -->"


def _verdict(ratio: float, target: float) -> str:
    return f"{ratio:.2f} **{'PASS' if ratio >= target else 'MISSED'}**"


def _app_row(app: AppResult) -> str:
    latency = app.latency
    return (
        f"| {app.name} | {app.per_second:.1f} | {latency.median_ms:.1f} | {latency.p95_ms:.1f} "
        f"| {app.launches} | {app.errors} |"
    )


def render(
    machine: Machine,
    quick: bool,
    seconds: float,
    checked: ValidationResult,
    signed: list[SigningCase],
    launched: HttpLaunchResult,
) -> str:
    kind = "Quick run" if quick else "Full run"
    lines = [
        START,
        "## LTI results (issue 3)",
        "",
        f"{kind} of `python -m bench.lti` on {machine.date}, {seconds:.0f} s in all. "
        "How each is measured: [bench/README.md](bench/README.md#lti-benchmarks).",
        "",
        "| Machine |  |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in machine.rows() if "PostgreSQL" not in name),
        "",
        "### Summary",
        "",
        "| Measure | Ours | Bare / baseline | Ratio (target) |",
        "|---|---|---|---|",
        f"| (a) id_token validation, per second ({checked.tokens} tokens) "
        f"| {checked.ours_per_second:.0f} | {checked.bare_per_second:.0f} (`jwt.decode`) "
        f"| {_verdict(checked.ratio, TARGET)} (≥ {TARGET:g}) |",
        *(
            f"| (c) {case.name}, signed per second | {case.ours_per_second:.0f} "
            f"| {case.bare_per_second:.0f} (`jwt.encode`) | {_verdict(case.ratio, TARGET)} "
            f"(≥ {TARGET:g}) |"
            for case in signed
        ),
        f"| (b) login + launch over HTTP, launches per second "
        f"| {launched.ours.per_second:.1f} | {launched.baseline.per_second:.1f} (pylti1p3 app) "
        f"| {_verdict(launched.ratio, 1.0)} (≥ 1) |",
        "",
        "### (a) id_token validation: median and p95 per token (ms)",
        "",
        "| | Median | p95 |",
        "|---|---|---|",
        f"| Our adapter (`LtiAdapter.launch`) | {checked.ours.median_ms:.3f} "
        f"| {checked.ours.p95_ms:.3f} |",
        f"| Bare `jwt.decode`, loaded key | {checked.bare.median_ms:.3f} "
        f"| {checked.bare.p95_ms:.3f} |",
        "",
        "### (c) Signing: median and p95 per JWT (ms)",
        "",
        "| JWT | Ours median | Ours p95 | Bare median | Bare p95 |",
        "|---|---|---|---|---|",
        *(
            f"| {case.name} | {case.ours.median_ms:.3f} | {case.ours.p95_ms:.3f} "
            f"| {case.bare.median_ms:.3f} | {case.bare.p95_ms:.3f} |"
            for case in signed
        ),
        "",
        f"### (b) Login + launch over HTTP: gunicorn, {launched.workers} sync workers, SQLite, "
        f"{launched.clients} concurrent clients",
        "",
        "| App | Launches/s | p50 ms | p95 ms | Launches | Failed |",
        "|---|---|---|---|---|---|",
        _app_row(launched.ours),
        _app_row(launched.baseline),
        END,
    ]
    return "\n".join(lines) + "\n"


def write(path: Path, section: str) -> None:
    replace_section(path, START, END, section)
