"""Credit progress benchmark: ``python -m bench.credit [--educators N] [--write]``.

Admins see re-licensure progress per school (``CreditService.school_progress``). Its cost must
grow with the number of educators, not with queries per credit line: a school of N educators
(5 awards and credit lines each) is timed against a school of 10 in the same run, and the target
is a per-educator time at most 1.5x the small school's. The delivery worker's read of one award's
lines (``CreditService.lines_for_award``) is reported too. Results go to BENCHMARKS.md between
the ``bench:credit`` markers (``--write``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.env import Backend, describe_machine, postgres_admin_url, postgres_answers
from bench.sections import replace_section
from bench.seed import Ids, credential_versions, insert, migrated_container, seed_district
from lti_tool.bootstrap import Container
from lti_tool.domain.roles import Role
from lti_tool.services.common import Actor

REPO = Path(__file__).resolve().parents[1]
START, END = "<!-- bench:credit:start -->", "<!-- bench:credit:end -->"
AWARDS_EACH = 5
SMALL = 10
TARGET = 1.5


@dataclass
class Seeded:
    container: Container
    admin: Actor
    school_id: str
    award_ids: list[str]


def seed(backend: Backend, label: str, educators: int, instance: Path) -> Seeded:
    """One school of ``educators``, each with AWARDS_EACH awards and their credit lines (bulk)."""
    container = migrated_container(backend, label, instance)
    ids = Ids(seed=20261123)
    start = datetime(2026, 9, 15, tzinfo=UTC)
    with container.engine.begin() as connection:
        versions = list(credential_versions(connection).items())[:AWARDS_EACH]
        district = seed_district(connection, ids, educators=educators, assessors=1, schools=1)
        submissions, decisions, awards, lines = [], [], [], []
        for n, educator in enumerate(district.educator_ids):
            for k, (version_id, credential_id) in enumerate(versions):
                at = start + timedelta(minutes=n * AWARDS_EACH + k)
                sub, dec, award = ids(), ids(), ids()
                submissions.append({
                    "id": sub, "person_id": educator, "credential_id": credential_id,
                    "credential_version_id": version_id, "state": "awarded", "attempt_number": 1,
                    "version": 5, "created_at": at, "updated_at": at, "submitted_at": at,
                    "context_id": None,
                })  # fmt: skip
                decisions.append({
                    "id": dec, "submission_id": sub, "attempt_number": 1,
                    "issuer_id": district.issuer_id, "outcome": "award", "note": "",
                    "decided_at": at,
                })  # fmt: skip
                awards.append({
                    "id": award, "submission_id": sub, "person_id": educator,
                    "credential_version_id": version_id, "decision_id": dec, "awarded_at": at,
                })  # fmt: skip
                lines.append({
                    "id": ids(), "award_id": award, "person_id": educator, "amount": "15",
                    "unit": "clock_hours", "jurisdiction": "TX",
                    "category": "self_study" if k == 0 else "general", "rule_version": "TX@2017",
                    "clock_hours": "15", "earned_on": at.date(), "created_at": at,
                    "superseded_at": None,
                })  # fmt: skip
        for name, rows in (
            ("submissions", submissions),
            ("decisions", decisions),
            ("awards", awards),
            ("credit_lines", lines),
        ):
            insert(connection, name, rows)
    people = container.people
    admin = people.add_person(
        "Bench Admin", organization_id=district.district_id,
        roles=((Role.ADMIN, district.district_id),),
    )  # fmt: skip
    container.credit_admin.configure(None, district.district_id, "TX", "2025-09-01")
    return Seeded(
        container, people.actor(admin.id), district.school_ids[0], [a["id"] for a in awards]
    )


def timed(call: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` calls after one warm-up call."""
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(backend: Backend, educators: int, instance: Path) -> dict[str, float]:
    small = seed(backend, "credit_small", SMALL, instance)
    large = seed(backend, "credit_large", educators, instance)
    try:
        small_s = timed(
            lambda: small.container.credit.school_progress(small.admin, small.school_id), 7
        )
        large_s = timed(
            lambda: large.container.credit.school_progress(large.admin, large.school_id), 3
        )
        probe = large.award_ids[:: max(1, len(large.award_ids) // 200)]
        started = time.perf_counter()
        for award_id in probe:
            large.container.credit.lines_for_award(award_id)
        per_award = (time.perf_counter() - started) / len(probe)
        _, people = large.container.credit.school_progress(large.admin, large.school_id)
        assert len(people) == educators and all(p.progress for p in people)
    finally:
        small.container.engine.dispose()
        large.container.engine.dispose()
    return {"small": small_s, "large": large_s, "per_award": per_award}


def render(
    machine_rows: list[tuple[str, str]], results: dict[str, dict[str, float]], n: int
) -> str:
    lines = [
        START,
        "## Credit progress per school",
        "",
        "| Machine | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in machine_rows),
        "",
        f"A school of {n:,} educators against one of {SMALL}, {AWARDS_EACH} awards and credit "
        "lines each, Texas rules (self-study capped). Target: the large school's time per "
        f"educator at most {TARGET}x the small one's (no queries per credit line).",
        "",
        f"| Backend | {SMALL} educators | {n:,} educators | Per educator, large / small | "
        "Target met | One award's lines (delivery read) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        ratio = (r["large"] / n) / (r["small"] / SMALL)
        lines.append(
            f"| {name} | {r['small'] * 1000:.1f} ms | {r['large'] * 1000:.0f} ms | {ratio:.2f}x | "
            f"{'yes' if ratio <= TARGET else 'no'} | {r['per_award'] * 1000:.2f} ms |"
        )
    lines.append(END)
    return "\n".join(lines) + "\n"


def write(path: Path, section: str) -> None:
    replace_section(path, START, END, section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.credit", description=__doc__)
    parser.add_argument("--educators", type=int, default=1_000)
    parser.add_argument("--backend", choices=("all", "sqlite", "postgresql"), default="all")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    admin_url = postgres_admin_url()
    missing = postgres_answers(admin_url) if args.backend != "sqlite" else "not requested"
    with tempfile.TemporaryDirectory(prefix="credbridge-credit-bench-") as folder:
        work = Path(folder)
        backends = []
        if args.backend in ("all", "sqlite"):
            backends.append(Backend("SQLite", work / "sqlite"))
        if args.backend in ("all", "postgresql") and missing is None:
            backends.append(Backend("PostgreSQL", work / "postgresql", admin_url))
        results = {}
        for backend in backends:
            backend.workdir.mkdir(parents=True, exist_ok=True)
            try:
                results[backend.name] = measure(backend, args.educators, work / "instance")
            finally:
                backend.drop_all()
        postgres = next((b for b in backends if b.is_postgres), None)
        section = render(describe_machine(postgres, missing).rows(), results, args.educators)
    print(section)
    if args.write:
        write(args.output, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
