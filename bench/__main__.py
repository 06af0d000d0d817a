"""``python -m bench``: run every benchmark on SQLite, and on PostgreSQL when it answers.

A full run writes its results into BENCHMARKS.md (between the bench markers). ``--quick`` is
a smoke run with fewer repetitions that only prints, unless ``--write`` is given too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import queue_page, throughput
from bench.env import Backend, describe_machine, postgres_admin_url, postgres_answers
from bench.report import Results, render, write

REPO = Path(__file__).resolve().parents[1]
SMALL_QUEUE = 10
LARGE_QUEUE = 10_000


@dataclass(frozen=True)
class Plan:
    warmup: int
    runs: int
    submissions: int


FULL = Plan(warmup=10, runs=50, submissions=200)
QUICK = Plan(warmup=3, runs=10, submissions=50)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 10 timed page loads per size, 50 submissions",
    )
    parser.add_argument(
        "--backend",
        choices=("all", "sqlite", "postgresql"),
        default="all",
        help="which databases to measure (default: all that answer)",
    )
    parser.add_argument(
        "--write", action="store_true", help="write BENCHMARKS.md even after --quick"
    )
    parser.add_argument("--no-write", action="store_true", help="only print the results")
    parser.add_argument(
        "--output",
        type=Path,
        default=REPO / "BENCHMARKS.md",
        help="the Markdown file to update (default: BENCHMARKS.md)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is missed"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    plan = QUICK if args.quick else FULL
    started = time.perf_counter()
    admin_url = postgres_admin_url()
    skipped: list[str] = []
    postgres_missing: str | None = "not requested (--backend sqlite)"
    if args.backend in {"all", "postgresql"}:
        postgres_missing = postgres_answers(admin_url)
        if postgres_missing:
            skipped.append(f"PostgreSQL: {postgres_missing}")
            print(f"PostgreSQL skipped: {postgres_missing}", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="credbridge-bench-") as folder:
        work = Path(folder)
        backends: list[Backend] = []
        if args.backend in {"all", "sqlite"}:
            backends.append(Backend("SQLite", work / "sqlite"))
        if postgres_missing is None:
            backends.append(Backend("PostgreSQL", work / "postgresql", admin_url))
        for backend in backends:
            backend.workdir.mkdir(parents=True, exist_ok=True)
        postgres = next((b for b in backends if b.is_postgres), None)
        results = Results(
            describe_machine(postgres, postgres_missing), args.quick, 0.0, skipped=skipped
        )
        for backend in backends:
            try:
                results.queue.append(
                    queue_page.run(
                        backend,
                        backend.workdir,
                        small=SMALL_QUEUE,
                        large=LARGE_QUEUE,
                        warmup=plan.warmup,
                        runs=plan.runs,
                    )
                )
                results.throughput.append(
                    throughput.run(backend, backend.workdir, submissions=plan.submissions)
                )
            finally:
                backend.drop_all()
    results.seconds = time.perf_counter() - started

    section = render(results)
    if args.no_write or (args.quick and not args.write):
        print("\n(results not written: --quick or --no-write)")
    else:
        write(args.output, section)
        print(f"\nResults written to {args.output}")
    print(f"Done in {results.seconds:.0f} s.")
    missed = [r.backend for r in results.queue if not r.passed]
    if missed:
        print(f"Queue page target missed on: {', '.join(missed)}")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
