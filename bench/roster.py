"""Roster import benchmark: ``python -m bench.roster [--students N --enrollments N ...]``.

For each backend: a synthetic district (``bench.roster_generate``) is imported in bulk into an
empty migrated database, in a child process so its peak memory (max RSS) is its own; then the
same rows are written by a bare ``executemany`` (and, on PostgreSQL, ``COPY``) into the same
empty tables; then a delta touching 5% of users and enrollments is imported. Results go to
BENCHMARKS.md between the ``bench:roster`` markers (``--write``); the targets are issue 5's:
import rows/s >= 50% of the bare write, delta <= 10% of the bulk time, peak memory < 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.env import Backend, describe_machine, postgres_admin_url, postgres_answers
from bench.roster_generate import Size, generate, generate_delta
from bench.sections import replace_section

REPO = Path(__file__).resolve().parents[1]
START, END = "<!-- bench:roster:start -->", "<!-- bench:roster:end -->"
BATCH = 5000
"""The import's batch size (RosterPolicy.batch_size), so the bare write commits as often."""


def child_import(url: str, package: Path, work: Path) -> dict[str, Any]:
    """Runs in the child: one import, timed, then the people linking, timed on its own."""
    from dataclasses import replace

    from bench.env import bench_settings
    from lti_tool.bootstrap import build
    from lti_tool.domain.roles import OrganizationKind

    container = build(bench_settings(url, work))
    container.roster.policy = replace(container.roster.policy, link_people=False)
    district = container.people.organization_by_slug("bench") or container.people.add_organization(
        "Bench", OrganizationKind.DISTRICT, slug="bench"
    )
    started, cpu = time.perf_counter(), time.process_time()
    with container.roster_package(package) as source:
        report = container.roster.import_source(source, district.id, confirm_deactivations=True)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    container.roster._linker.link(district.id, report)
    link_seconds = time.perf_counter() - started
    container.engine.dispose()
    stored = sum(
        c.created + c.updated + c.deleted for k, c in report.counts.items() if k != "people"
    )
    read = sum(c.total() for k, c in report.counts.items() if k != "people")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "stored": stored,
        "read": read,
        "link_seconds": link_seconds,
        "people": report.count("people").created,
        "errors": report.errors,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(url: str, package: Path, work: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.roster", "_child", url, str(package), str(work)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def bare_write(url: str, package: Path, version: str, copy: bool) -> tuple[float, int, float]:
    """The same rows, straight into the empty tables: executemany (or COPY) in batches."""
    from lti_tool.db.engine import make_engine
    from lti_tool.db.models.roster import ROSTER_TABLES
    from lti_tool.domain.roster.csv_rows import FILE_NAMES
    from lti_tool.domain.roster.entities import IMPORT_ORDER, fields_for

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO organizations (id, name, kind) VALUES ('bare', 'Bare', 'district')")
        )
    rows_written = 0
    started, cpu = time.perf_counter(), time.process_time()
    for entity in IMPORT_ORDER:
        path = package / FILE_NAMES[entity]
        if not path.exists():
            continue
        table = ROSTER_TABLES[entity]
        attrs = {spec.header: spec.attr for spec in fields_for(entity, version)}
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = [
                "scope_id",
                "sourced_id",
                "active",
                "fingerprint",
                "last_seen_run",
                *(attrs[h] for h in reader.fieldnames or [] if h in attrs),
            ]

            def row(raw: dict[str, str], attrs: dict[str, str] = attrs) -> dict[str, Any]:
                values = {attrs[k]: v or None for k, v in raw.items() if k in attrs}
                return {
                    "scope_id": "bare",
                    "sourced_id": raw["sourcedId"],
                    "active": True,
                    "fingerprint": "",
                    "last_seen_run": "bare",
                    **values,
                }

            if copy:
                raw = engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    names = ", ".join(f'"{c}"' for c in columns)
                    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as sink:  # type: ignore[attr-defined]
                        for record in reader:
                            values = row(record)
                            sink.write_row([values.get(c) for c in columns])
                            rows_written += 1
                    raw.commit()
                finally:
                    raw.close()
                continue
            with engine.connect() as connection:
                batch: list[dict[str, Any]] = []
                for record in reader:
                    batch.append(row(record))
                    if len(batch) >= BATCH:
                        connection.execute(insert(table), batch)
                        connection.commit()
                        rows_written += len(batch)
                        batch = []
                if batch:
                    connection.execute(insert(table), batch)
                    connection.commit()
                    rows_written += len(batch)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return seconds, rows_written, cpu_seconds


def measure(backend: Backend, size: Size, version: str, bulk: Path, delta: Path) -> dict[str, Any]:
    from lti_tool.db.migrate import upgrade

    work = backend.workdir
    url = backend.fresh_database("roster_import")
    upgrade(url)
    imported = run_child(url, bulk, work / "instance")
    delta_run = run_child(url, delta, work / "instance")
    bare_url = backend.fresh_database("roster_bare")
    upgrade(bare_url)
    bare_seconds, bare_rows, bare_cpu = bare_write(bare_url, bulk, version, copy=False)
    result = {
        "backend": backend.name,
        "import": imported,
        "delta": delta_run,
        "bare_seconds": bare_seconds,
        "bare_cpu_seconds": bare_cpu,
        "bare_rows": bare_rows,
    }
    if backend.is_postgres:
        copy_url = backend.fresh_database("roster_copy")
        upgrade(copy_url)
        result["copy_seconds"], _, result["copy_cpu_seconds"] = bare_write(
            copy_url, bulk, version, copy=True
        )
    return result


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each timing's fastest run (import, delta, bare, COPY), and the largest peak memory: what
    the code can do when other work on the machine does not get in the way."""
    best = dict(runs[0])
    best["import"] = min((r["import"] for r in runs), key=lambda x: x["seconds"])
    best["delta"] = min((r["delta"] for r in runs), key=lambda x: x["seconds"])
    best["import"] = {
        **best["import"],
        "max_rss_mb": max(r["import"]["max_rss_mb"] for r in runs),
    }
    for key in ("bare_seconds", "bare_cpu_seconds", "copy_seconds", "copy_cpu_seconds"):
        if key in best:
            best[key] = min(r[key] for r in runs)
    best["import_cpu_seconds"] = min(r["import"]["cpu_seconds"] for r in runs)
    best["repeat"] = len(runs)
    return best


def render(
    results: list[dict[str, Any]], size: Size, version: str, machine: Any, seconds: float
) -> str:
    lines = [
        START,
        "## Roster import (OneRoster CSV)",
        "",
        f"`python -m bench.roster` on {machine.date}, {seconds:.0f} s in all. A synthetic "
        f"OneRoster {version} district: {size.teachers:,} teachers, {size.students:,} students, "
        f"{size.enrollments:,} student enrollments ({size.rows():,} rows in all). Issue 5's "
        "full size is 5,000 / 100,000 / 1,000,000; run it with `--teachers 5000 --students "
        "100000 --enrollments 1000000`. Each timing is the best of "
        f"{results[0].get('repeat', 1) if results else 1} run(s) (`--repeat`): the machine is "
        "shared, and the fastest run is the one least disturbed.",
        "",
        "| Backend | Import rows/s | Bare executemany rows/s | Import / bare | COPY rows/s | "
        "Import / bare in CPU time | Delta 5% / bulk time | Peak RSS (import process) | "
        "People linking |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        imported, delta = r["import"], r["delta"]
        import_rate = imported["stored"] / imported["seconds"]
        bare_rate = r["bare_rows"] / r["bare_seconds"]
        copy = r.get("copy_seconds")
        copy_rate = "n/a"
        if copy:
            copy_speed = r["bare_rows"] / copy
            copy_rate = f"{copy_speed:,.0f} (import: {import_rate / copy_speed:.0%})"
        cpu = r["import_cpu_seconds"]
        baselines = [f"{r['bare_cpu_seconds'] / cpu:.0%}"]
        if r.get("copy_cpu_seconds"):
            baselines.append(f"COPY {r['copy_cpu_seconds'] / cpu:.0%}")
        lines.append(
            f"| {r['backend']} | {import_rate:,.0f} ({imported['seconds']:.1f} s) | "
            f"{bare_rate:,.0f} ({r['bare_seconds']:.1f} s) | {import_rate / bare_rate:.0%} | "
            f"{copy_rate} | {', '.join(baselines)} ({cpu:.1f} s) | "
            f"{delta['seconds'] / imported['seconds']:.1%} "
            f"({delta['seconds']:.1f} s) | {imported['max_rss_mb']:.0f} MB | "
            f"{imported['people']:,} people in {imported['link_seconds']:.1f} s |"
        )
    lines += [
        "",
        "Targets (issue 5): import at least 50% of the bare write's rows/s (on PostgreSQL "
        "the issue compares with COPY: the COPY column shows how far that is); a 5% delta at "
        "most 10% of the bulk time; peak memory under 300 MB whatever the size (streaming, "
        f"batches of {BATCH:,}). Import time counts parsing, validation, reference checks, the "
        "fingerprint comparison and the upserts (new rows by COPY on PostgreSQL, one prepared "
        "executemany on SQLite; on PostgreSQL each batch written and committed on a writer "
        "thread while the next is parsed); people linking (staff only) is timed apart. Where "
        "Import / bare is under 50% the rows/s target is missed. The CPU-time column divides "
        "the bare write's process CPU by the import's (on PostgreSQL the server's work is in "
        "neither): the import's own Python per row (CSV checks, fingerprints) against the "
        "baseline's; on a machine shared with other work it moves less than the wall-clock "
        "ratio.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write(path: Path, section: str) -> None:
    replace_section(path, START, END, section)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_child":
        print(json.dumps(child_import(argv[1], Path(argv[2]), Path(argv[3]))))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.roster", description=__doc__)
    parser.add_argument("--teachers", type=int, default=500)
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--version", choices=("1.1", "1.2"), default="1.1")
    parser.add_argument("--backend", choices=("all", "sqlite", "postgresql"), default="all")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure N times and keep each figure's best (a shared machine is noisy)",
    )
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    size = Size(args.teachers, args.students, args.enrollments)
    started = time.perf_counter()
    admin_url = postgres_admin_url()
    missing = postgres_answers(admin_url) if args.backend != "sqlite" else "not requested"
    with tempfile.TemporaryDirectory(prefix="credbridge-roster-bench-") as folder:
        work = Path(folder)
        bulk = generate(work / "bulk", size, args.version)
        delta = generate_delta(work / "delta", size, 0.05, args.version)
        backends = []
        if args.backend in ("all", "sqlite"):
            backends.append(Backend("SQLite", work / "sqlite"))
        if args.backend in ("all", "postgresql") and missing is None:
            backends.append(Backend("PostgreSQL", work / "postgresql", admin_url))
        results = []
        for backend in backends:
            backend.workdir.mkdir(parents=True, exist_ok=True)
            try:
                runs = []
                for _ in range(args.repeat):
                    runs.append(measure(backend, size, args.version, bulk, delta))
                    print(json.dumps(runs[-1]), file=sys.stderr)
                results.append(best_of(runs))
            finally:
                backend.drop_all()
        postgres = next((b for b in backends if b.is_postgres), None)
        machine = describe_machine(postgres, missing)
    section = render(results, size, args.version, machine, time.perf_counter() - started)
    print(section)
    if args.write:
        write(args.output, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
