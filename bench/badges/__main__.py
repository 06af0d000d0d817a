"""``python -m bench.badges``: Open Badges issuing rate, written into BENCHMARKS.md.

Results go between ``<!-- bench-badges:start -->`` and ``<!-- bench-badges:end -->``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.badges.issuing import IssuingResult, run
from bench.env import Backend, describe_machine, postgres_admin_url, postgres_answers
from bench.sections import replace_section

REPO = Path(__file__).resolve().parents[2]
START = "<!-- bench-badges:start -->"
END = "<!-- bench-badges:end -->"


def render(results: list[IssuingResult], machine_rows: list[tuple[str, str]], quick: bool) -> str:
    lines = [
        START,
        "## Open Badges: credentials issued per second (issue 4)",
        "",
        "Each credential: read the award, build the OpenBadgeCredential, check its shape, an "
        "`eddsa-rdfc-2022` Data Integrity proof, an RS256 VC-JWT, store it with an audit entry. "
        "Bare work on the same documents in the same run: canonicalise document and proof "
        "configuration, one Ed25519 signature, one RS256 JWT, keys already loaded.",
        "",
        "| Backend | Credentials | Issued/s | Bare/s | Issuing ÷ bare (time) "
        "| Canonicalisation share of bare |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        lines.append(
            f"| {result.backend} | {result.credentials} | {result.issued_per_second:.1f} | "
            f"{result.bare_per_second:.1f} | {result.ratio:.2f}× | {result.canonical_share:.0%} |"
        )
    lines += ["", "| Machine | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in machine_rows]
    if quick:
        lines += ["", "_Quick run: fewer credentials, numbers are rough._"]
    lines.append(END)
    return "\n".join(lines) + "\n"


def write(path: Path, section: str) -> None:
    replace_section(path, START, END, section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.badges", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: 30 credentials")
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md after --quick")
    parser.add_argument("--no-write", action="store_true", help="only print the results")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    count = 30 if args.quick else 300
    started = time.perf_counter()
    admin_url = postgres_admin_url()
    missing = postgres_answers(admin_url)
    results: list[IssuingResult] = []
    with tempfile.TemporaryDirectory(prefix="credbridge-bench-badges-") as folder:
        work = Path(folder)
        backends = [Backend("SQLite", work / "sqlite")]
        if missing is None:
            backends.append(Backend("PostgreSQL", work / "postgresql", admin_url))
        postgres = next((b for b in backends if b.is_postgres), None)
        machine = describe_machine(postgres, missing)
        for backend in backends:
            backend.workdir.mkdir(parents=True, exist_ok=True)
            try:
                print(f"{backend.name}: issuing {count} credentials ...", file=sys.stderr)
                results.append(run(backend, backend.workdir, count))
            finally:
                backend.drop_all()
    section = render(results, machine.rows(), args.quick)
    print(section)
    if not args.no_write and (args.write or not args.quick):
        write(args.output, section)
        print(f"Results written to {args.output}")
    print(f"Done in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
