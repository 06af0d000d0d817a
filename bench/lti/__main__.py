"""``python -m bench.lti``: the three LTI benchmarks of issue 3, written into BENCHMARKS.md.

Results go between ``<!-- bench-lti:start -->`` and ``<!-- bench-lti:end -->`` (the core
benchmarks own the other markers). ``--quick`` is a smoke run that only prints unless
``--write`` is given too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.env import describe_machine
from bench.lti import http_launch, signing, validation
from bench.lti.report import render, write

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lti", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run (about 30 s)")
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md after --quick")
    parser.add_argument("--no-write", action="store_true", help="only print the results")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--only-a",
        action="store_true",
        help="run only (a) id_token validation; prints, never writes",
    )
    parser.add_argument(
        "--only-http", action="store_true", help="run only (b), print it, write nothing"
    )
    args = parser.parse_args(argv)
    if args.only_a:
        return _only_validation(300 if args.quick else 2000, args.strict)
    tokens, runs, seconds, rounds = (300, 300, 4.0, 1) if args.quick else (2000, 2000, 10.0, 3)
    if args.only_http:
        return _only_http(seconds, rounds, args.strict)
    started = time.perf_counter()
    machine = describe_machine(None, "not used by the LTI benchmarks")
    with tempfile.TemporaryDirectory(prefix="credbridge-bench-lti-") as folder:
        work = Path(folder)
        print("(a) id_token validation ...", file=sys.stderr)
        checked = validation.run(work / "validation", tokens)
        print("(c) signing ...", file=sys.stderr)
        signed = signing.run(work / "signing", runs)
        print("(b) login + launch over HTTP ...", file=sys.stderr)
        launched = http_launch.run(work / "http", seconds, rounds)
    elapsed = time.perf_counter() - started
    section = render(machine, args.quick, elapsed, checked, signed, launched)
    print(section)
    if args.no_write or (args.quick and not args.write):
        print("(results not written: --quick or --no-write)")
    else:
        write(args.output, section)
        print(f"Results written to {args.output}")
    missed = [not checked.passed, *(not case.passed for case in signed), not launched.passed]
    return 1 if args.strict and any(missed) else 0


def _only_validation(tokens: int, strict: bool) -> int:
    """(a) alone: a quicker loop while working on the launch path."""
    with tempfile.TemporaryDirectory(prefix="credbridge-bench-lti-") as folder:
        checked = validation.run(Path(folder), tokens)
    print(
        f"(a) {checked.tokens} tokens: ours {checked.ours_per_second:.0f}/s "
        f"(median {checked.ours.median_ms:.3f} ms), bare {checked.bare_per_second:.0f}/s "
        f"(median {checked.bare.median_ms:.3f} ms), ratio {checked.ratio:.3f} "
        f"({'PASS' if checked.passed else 'MISSED'}, target {validation.TARGET:g})"
    )
    return 1 if strict and not checked.passed else 0


def _only_http(seconds: float, rounds: int, strict: bool) -> int:
    """(b) alone, for working on it: the same measurement, printed, never written."""
    with tempfile.TemporaryDirectory(prefix="credbridge-bench-lti-") as folder:
        print("(b) login + launch over HTTP ...", file=sys.stderr)
        launched = http_launch.run(Path(folder) / "http", seconds, rounds)
    for app in (launched.ours, launched.baseline):
        latency = app.latency
        print(
            f"{app.name}: {app.per_second:.1f} launches/s, p50 {latency.median_ms:.1f} ms, "
            f"p95 {latency.p95_ms:.1f} ms, {app.launches} launches, {app.errors} errors"
        )
    print(f"ratio {launched.ratio:.2f} (target >= 1.0)")
    return 1 if strict and not launched.passed else 0


if __name__ == "__main__":
    sys.exit(main())
