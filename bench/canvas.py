"""Canvas connector benchmark: ``python -m bench.canvas [--runs N] [--write]``.

Against the fake Canvas of the test suite (``tests.fakes.canvas``, a real HTTP server on
127.0.0.1), a course of 2,000 users with one enrollment each, so ``GET /courses/:id/users``
answers 20 pages of 100.

1. **Overhead.** The connector's course sync (``CanvasCourseSource``: course, sections, every
   user page through :class:`CanvasClient` with its retries, throttle bookkeeping and ``Link``
   pagination, then every OneRoster row mapped) against a bare ``requests.Session`` loop that
   fetches the same 22 documents and parses their JSON. Runs alternate; medians compared.
   Target (issue 6): connector <= 1.5 x bare. No database: the roster import has its own
   benchmark (``bench.roster``).
2. **Throttling.** The fake's leaky bucket is switched on (700 units, draining 200 a second,
   10 a request: a sustained 20 requests a second after a 70-request burst) and the connector
   syncs the course again and again (400 requests). Reported: how many requests Canvas refused
   (target 0: the client never went faster than the bucket allowed), the request rate after
   the burst against the allowed rate, the lowest remainder seen, and the same run with the
   throttle off (the client then leans on 429s and retries).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import requests

from bench.env import describe_machine
from bench.sections import replace_section
from connectors.canvas.api import CanvasApi
from connectors.canvas.client import CanvasClient, StaticToken, Throttle
from connectors.canvas.source import CanvasCourseSource
from lti_tool.domain.roster.entities import Entity
from tests.fakes.canvas import ACCOUNT_TOKEN, FakeCanvas, course_data

REPO = Path(__file__).resolve().parents[1]
START, END = "<!-- bench:canvas:start -->", "<!-- bench:canvas:end -->"
COURSE = 101
USERS = 2000
SECTIONS = 4
USER_PARAMS = [("include[]", "email"), ("include[]", "enrollments"),
               ("enrollment_state[]", "active"), ("enrollment_state[]", "invited"),
               ("enrollment_state[]", "completed"), ("enrollment_state[]", "inactive"),
               ("per_page", "100")]  # fmt: skip


def bare(session: requests.Session, base: str) -> int:
    """The baseline: the same documents with nothing but requests and json."""
    headers = {"Authorization": f"Bearer {ACCOUNT_TOKEN}"}
    session.get(f"{base}/api/v1/courses/{COURSE}", headers=headers, timeout=30).json()
    session.get(f"{base}/api/v1/courses/{COURSE}/sections", params={"per_page": "100"},
                headers=headers, timeout=30).json()  # fmt: skip
    url: str | None = f"{base}/api/v1/courses/{COURSE}/users"
    params: Any = USER_PARAMS
    users = 0
    while url:
        response = session.get(url, params=params, headers=headers, timeout=30)
        users += len(response.json())
        url = response.links.get("next", {}).get("url")
        params = None
    return users


def connector(session: requests.Session, base: str, throttle: Throttle | None = None) -> int:
    """The connector's whole course read, rows mapped (what a sync feeds the roster)."""
    client = CanvasClient(base, StaticToken(ACCOUNT_TOKEN), session=session, throttle=throttle)
    source = CanvasCourseSource(CanvasApi(client), str(COURSE))
    rows = 0
    for entity in Entity:
        feed = source.feed(entity)
        if feed is not None:
            rows += sum(1 for _ in feed.rows)
    assert not source.problems(), source.problems()
    return rows


def overhead(canvas: FakeCanvas, runs: int) -> dict[str, Any]:
    canvas.throttling, canvas.cost = False, 0.001
    times: dict[str, list[float]] = {"bare": [], "connector": []}
    with requests.Session() as session:
        assert bare(session, canvas.base_url) == USERS  # warm-up, and the data is whole
        assert connector(session, canvas.base_url) == 2 + SECTIONS + 2 * USERS
        for _ in range(runs):
            for name, run in (("bare", bare), ("connector", connector)):
                started = time.perf_counter()
                run(session, canvas.base_url)
                times[name].append(time.perf_counter() - started)
    pages = len(canvas.api_requests("/users")) // (runs + 1) // 2
    return {"bare": times["bare"], "connector": times["connector"], "user_pages": pages}


def throttled(canvas: FakeCanvas, syncs: int, throttle: Throttle) -> dict[str, Any]:
    canvas.throttling, canvas.bucket, canvas.leak, canvas.cost = True, 700.0, 200.0, 10.0
    canvas.throttled = 0
    canvas._buckets.clear()
    first = len(canvas.requests_seen)
    lowest = [700.0]
    original = throttle.observe

    def observe(headers: Any, now: float | None = None) -> None:
        original(headers, now)
        if throttle.remaining is not None:
            lowest[0] = min(lowest[0], throttle.remaining)

    throttle.observe = observe  # type: ignore[method-assign]
    started = time.perf_counter()
    with requests.Session() as session:
        for _ in range(syncs):
            connector(session, canvas.base_url, throttle)
    seconds = time.perf_counter() - started
    seen = [at for _, _, at in canvas.requests_seen[first:]]
    after = seen[len(seen) // 2 :]  # the second half: the pace the client settled at
    rate = (len(after) - 1) / (after[-1] - after[0]) if len(after) > 1 else 0.0
    return {"requests": len(seen), "refused": canvas.throttled, "seconds": seconds,
            "rate_after_burst": rate, "allowed": canvas.leak / canvas.cost, "leak": canvas.leak,
            "lowest_remaining": lowest[0], "waited": throttle.waited,
            "leak_measured": throttle.leak_per_second}  # fmt: skip


def render(result: dict[str, Any], machine: Any, seconds: float) -> str:
    o = result["overhead"]
    bare_median, conn_median = statistics.median(o["bare"]), statistics.median(o["connector"])
    ratio = conn_median / bare_median
    t, loose = result["throttled"], result["unthrottled"]
    verdict = "PASS" if ratio <= 1.5 else "MISS"
    never = "PASS" if t["refused"] == 0 else "MISS"
    return "\n".join([
        START,
        "## Canvas connector",
        "",
        f"`python -m bench.canvas` on {machine.date} ({machine.cpu}, {machine.cores} cores, load "
        f"{machine.load}), {seconds:.0f} s in all. The fake Canvas of the tests on 127.0.0.1; a "
        f"course of {USERS:,} users with one enrollment each, {o['user_pages']} pages of 100.",
        "",
        "| Course read (course + sections + 20 user pages) | Median | p95 |",
        "|---|---|---|",
        f"| Bare `requests.Session` loop | {bare_median * 1000:.0f} ms | "
        f"{_p95(o['bare']) * 1000:.0f} ms |",
        f"| Connector sync (client + OneRoster rows) | {conn_median * 1000:.0f} ms | "
        f"{_p95(o['connector']) * 1000:.0f} ms |",
        "",
        f"Connector / bare = **{ratio:.2f}** (target ≤ 1.5: {verdict}; {len(o['bare'])} "
        "alternating runs of each).",
        "",
        "Throttling: the fake's leaky bucket holds 700 units, drains 200 a second and charges 10 "
        "a request, so Canvas allows a burst of 70 requests and then 20 a second.",
        "",
        "| Client | Requests | Refused (429) | Rate, second half of the run | Lowest remainder | "
        "Waited on the throttle | Wall time |",
        "|---|---|---|---|---|---|---|",
        _throttle_row("Connector (throttle on)", t),
        _throttle_row("Connector, throttle off (retries only)", loose),
        "",
        f"Never faster than allowed: {never} (Canvas refused {t['refused']} of its requests: the "
        "bucket never overflowed; once settled it ran at "
        f"{t['rate_after_burst']:.1f} requests/s against {t['allowed']:.0f} allowed, keeping the "
        f"remainder near its low-water mark; the leak it measured from "
        f"`X-Rate-Limit-Remaining`: {t['leak_measured']:.0f} units/s, the fake's is "
        f"{t['leak']:.0f}).",
        END,
    ]) + "\n"  # fmt: skip


def _throttle_row(name: str, r: dict[str, Any]) -> str:
    return (
        f"| {name} | {r['requests']} | {r['refused']} | {r['rate_after_burst']:.1f}/s "
        f"(allowed {r['allowed']:.0f}/s) | {r['lowest_remaining']:.0f} | {r['waited']:.1f} s | "
        f"{r['seconds']:.1f} s |"
    )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def write(path: Path, section: str) -> None:
    replace_section(path, START, END, section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.canvas", description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--syncs", type=int, default=18, help="course syncs under throttling")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    machine = describe_machine(None, "not used")
    with FakeCanvas() as canvas:
        canvas.add_course(course_data(COURSE, students=USERS - 1, sections=SECTIONS))
        result = {"overhead": overhead(canvas, args.runs)}
        result["throttled"] = throttled(canvas, args.syncs, Throttle(low_water=300.0))
        result["unthrottled"] = throttled(canvas, args.syncs, Throttle(low_water=0.0))
    section = render(result, machine, time.perf_counter() - started)
    print(section)
    if args.write:
        write(args.output, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
