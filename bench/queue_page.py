"""Benchmark: the assessor queue page with 10,000 queued submissions against 10 queued.

Target: the 10,000 page renders within 3x the time of the 10 page (paging and indexes, not a
full scan). Both databases hold the same people and the same submissions in other states; only
the number waiting in the pool differs. The page is fetched through the real Flask app, signed
signed in as an assessor with the session an LTI launch leaves, exactly as a browser would be.
"""

from __future__ import annotations

import gc
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection

from bench.env import Backend
from bench.measure import Statement, Summary, ratio, record_sql
from bench.seed import QueueDatabase, seed_queue_database
from lti_tool.domain.lifecycle import POOL_STATES
from lti_tool.services.common import DEFAULT_PAGE_SIZE
from lti_tool.web.app import create_app

TARGET_RATIO = 3.0
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
POOL_TOTAL = re.compile(r"Waiting for an assessor \(([\d,]+)\)")
CLAIM_BUTTON = re.compile(r">\s*Claim\s*</button>")
MINE_LINK = re.compile(r'<a href="/review/[^"/?]+">')


class PageCheckError(AssertionError):
    """The queue page did not show what the seeded database holds."""


@dataclass(frozen=True)
class QueryPlan:
    label: str
    sql: str
    plan: str
    indexes: list[str]
    full_scan: bool
    """A scan of the whole submissions table (or of a whole index of it)."""
    sorts_all: bool
    """Every matching row is sorted to find one page (no index gives the order)."""
    visits_queue: bool
    """Reads every queued row through an index on ``state`` (and the table, for other columns)."""


@dataclass
class SizeResult:
    queued: int
    rows: dict[str, int]
    page: Summary
    repository: dict[str, Summary] = field(default_factory=dict)
    statements: dict[str, Summary] = field(default_factory=dict)


@dataclass
class QueueResult:
    backend: str
    small: SizeResult
    large: SizeResult
    last_page: Summary
    last_page_number: int
    plans: list[QueryPlan]

    @property
    def ratio(self) -> float:
        return ratio(self.large.page.median_ms, self.small.page.median_ms)

    @property
    def passed(self) -> bool:
        return self.ratio <= TARGET_RATIO

    @property
    def full_scans(self) -> list[str]:
        return [plan.label for plan in self.plans if plan.full_scan]


# ---------------------------------------------------------------------------------------------
# Driving the app


def signed_in_client(database: QueueDatabase) -> tuple[Flask, FlaskClient]:
    """A test client signed in as the seeded assessor: the session an LTI launch would leave."""
    app = create_app(container=database.container)
    # As in production: templates are compiled once, not checked for changes on every render.
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    client = app.test_client()
    with client.session_transaction() as session:
        session.permanent = True
        session["person_id"] = database.viewer_id
    page = client.get("/review")
    if page.status_code != 200 or not TOKEN.search(page.get_data(as_text=True)):
        raise PageCheckError(f"signed-in queue page: HTTP {page.status_code}, no CSRF token")
    return app, client


def check_page(body: str, status: int, database: QueueDatabase, page: int = 1) -> None:
    """The page is the assessor's queue with the seeded total and one full page of rows."""
    if status != 200:
        raise PageCheckError(f"GET /review?page={page}: HTTP {status}")
    found = POOL_TOTAL.search(body)
    if not found:
        raise PageCheckError("GET /review: no 'Waiting for an assessor (N)' heading")
    total = int(found.group(1).replace(",", ""))
    if total != database.queued:
        raise PageCheckError(f"GET /review: pool total {total}, expected {database.queued}")
    expected_rows = min(DEFAULT_PAGE_SIZE, database.queued - (page - 1) * DEFAULT_PAGE_SIZE)
    rows = len(CLAIM_BUTTON.findall(body))
    if rows != expected_rows:
        raise PageCheckError(f"GET /review?page={page}: {rows} pool rows, expected {expected_rows}")
    if page == 1 and len(MINE_LINK.findall(body)) != database.expected_mine:
        raise PageCheckError(
            f"GET /review: {len(MINE_LINK.findall(body))} claimed rows, "
            f"expected {database.expected_mine}"
        )


def fetch(client: FlaskClient, url: str) -> tuple[float, int, str]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    return elapsed, response.status_code, response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Where the time goes


def _label(sql: str) -> str:
    """A short name for a statement: what it does and which tables it reads."""
    flat = " ".join(sql.split())
    lower = flat.lower()
    tables = re.findall(r"\b(?:from|join)\s+([a-z_]+)", lower)
    seen = list(dict.fromkeys(name for name in tables if name != "select"))
    what = "count" if "count(" in lower else ("page" if " limit " in lower else "select")
    extra = " (+ NOT EXISTS reviews)" if "not (exists" in lower or "not exists" in lower else ""
    if extra:
        seen = [name for name in seen if name != "reviews"] or seen
    return f"{what}: {' ⋈ '.join(seen)}{extra}"


def statement_summaries(samples: list[list[Statement]]) -> dict[str, Summary]:
    """Median time of each statement of the page, by position, over several requests."""
    by_position: dict[int, list[float]] = defaultdict(list)
    labels: dict[int, str] = {}
    for request in samples:
        for position, statement in enumerate(request):
            by_position[position].append(statement.seconds)
            labels[position] = f"{position + 1}. {_label(statement.sql)}"
    return {labels[position]: Summary.of(times) for position, times in by_position.items()}


def repository_timings(database: QueueDatabase, runs: int) -> dict[str, Summary]:
    """The queue's repository calls timed one by one, each in its own unit of work."""
    container = database.container
    viewer = database.viewer_id
    states = sorted(POOL_STATES)
    calls: dict[str, Any] = {
        "people.actor (every request)": lambda uow: container.people.actor(viewer),
        "submissions.claimed_by": lambda uow: uow.submissions.claimed_by(viewer),
        "submissions.pool_count": lambda uow: uow.submissions.pool_count(states, viewer),
        "submissions.pool (page 1)": lambda uow: uow.submissions.pool(
            states, viewer, DEFAULT_PAGE_SIZE, 0
        ),
    }
    results: dict[str, Summary] = {}
    for name, call in calls.items():
        samples = []
        for run in range(runs + 2):
            with container.uow_factory() as uow:
                started = time.perf_counter()
                call(uow)
                if run >= 2:  # the first two warm up
                    samples.append(time.perf_counter() - started)
        results[name] = Summary.of(samples)
    return results


def explain(connection: Connection, statement: Statement) -> str:
    """The plan of one captured statement, with the parameters it ran with."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement.sql, statement.parameters
        ).all()
        depth: dict[int, int] = {0: -1}
        lines = []
        for row in rows:
            node_id, parent, detail = int(str(row[0])), int(str(row[1])), str(row[3])
            depth[node_id] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node_id] + detail)
        return "\n".join(lines)
    rows = connection.exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.parameters
    ).all()
    return "\n".join(str(row[0]) for row in rows)


def plan_of(label: str, sql: str, plan: str) -> QueryPlan:
    indexes = sorted(
        set(re.findall(r"USING (?:COVERING )?INDEX (\w+)", plan))
        | set(
            re.findall(
                r"(?:Index Scan|Index Only Scan|Bitmap Index Scan)\S* (?:Backward )?"
                r"(?:using |on )(\w+)",
                plan,
            )
        )
    )
    full_scan = bool(
        re.search(r"^\s*SCAN submissions\b", plan, re.MULTILINE)
        or re.search(r"Seq Scan on submissions\b", plan)
    )
    paged = " limit " in " ".join(sql.split()).lower()
    sorts_all = paged and (
        "USE TEMP B-TREE FOR ORDER BY" in plan
        or bool(re.search(r"Sort Method: (?:top-N heapsort|quicksort|external)", plan))
    )
    visits_queue = bool(
        re.search(r"SEARCH submissions USING INDEX \w+ \(state=", plan)
        or re.search(r"Index Cond: .*\(state\)", plan)
    )
    return QueryPlan(
        label, " ".join(sql.split()), plan, indexes, full_scan, sorts_all, visits_queue
    )


def page_plans(database: QueueDatabase, client: FlaskClient) -> list[QueryPlan]:
    """EXPLAIN every statement of one queue request that reads the submissions table."""
    engine = database.container.engine
    with record_sql(engine) as log:
        client.get("/review")
    plans = []
    with engine.connect() as connection:
        for position, statement in enumerate(log.statements):
            if not re.search(r"\bsubmissions\b", statement.sql):
                continue
            label = f"{position + 1}. {_label(statement.sql)}"
            plans.append(plan_of(label, statement.sql, explain(connection, statement)))
        connection.rollback()
    return plans


# ---------------------------------------------------------------------------------------------
# The benchmark


def run(
    backend: Backend, instance: Path, *, small: int, large: int, warmup: int, runs: int
) -> QueueResult:
    print(f"[{backend.name}] queue page: seeding {small:,} and {large:,} queued submissions")
    started = time.perf_counter()
    databases = [
        seed_queue_database(backend, f"queue_{size}", size, instance) for size in (small, large)
    ]
    print(f"[{backend.name}] queue page: seeded in {time.perf_counter() - started:.1f} s")
    try:
        return _measure(backend, databases[0], databases[1], warmup=warmup, runs=runs)
    finally:
        for database in databases:
            database.container.engine.dispose()


def _measure(
    backend: Backend, small: QueueDatabase, large: QueueDatabase, *, warmup: int, runs: int
) -> QueueResult:
    clients = {db.queued: signed_in_client(db)[1] for db in (small, large)}
    for db in (small, large):
        for _ in range(warmup):
            _seconds, status, body = fetch(clients[db.queued], "/review")
            check_page(body, status, db)

    samples: dict[int, list[float]] = {small.queued: [], large.queued: []}
    gc.collect()
    for _ in range(runs):  # interleaved, so drift in the machine affects both sizes alike
        for db in (small, large):
            seconds, status, body = fetch(clients[db.queued], "/review")
            check_page(body, status, db)
            samples[db.queued].append(seconds)

    last = max(1, math.ceil(large.queued / DEFAULT_PAGE_SIZE))
    last_samples = []
    for _ in range(max(5, runs // 2)):
        seconds, status, body = fetch(clients[large.queued], f"/review?page={last}")
        check_page(body, status, large, page=last)
        last_samples.append(seconds)

    sizes = []
    for db in (small, large):
        statements: list[list[Statement]] = []
        with record_sql(db.container.engine) as log:
            for _ in range(max(5, runs // 3)):
                log.clear()
                clients[db.queued].get("/review")
                statements.append(list(log.statements))
        sizes.append(
            SizeResult(
                queued=db.queued,
                rows=db.rows,
                page=Summary.of(samples[db.queued]),
                repository=repository_timings(db, max(5, runs // 3)),
                statements=statement_summaries(statements),
            )
        )
    result = QueueResult(
        backend=backend.name,
        small=sizes[0],
        large=sizes[1],
        last_page=Summary.of(last_samples),
        last_page_number=last,
        plans=page_plans(large, clients[large.queued]),
    )
    verdict = "PASS" if result.passed else "FAIL"
    print(
        f"[{backend.name}] queue page: median {result.small.page.median_ms:.2f} ms "
        f"({small.queued:,} queued) vs {result.large.page.median_ms:.2f} ms "
        f"({large.queued:,} queued): ratio {result.ratio:.2f} -> {verdict} "
        f"(target <= {TARGET_RATIO:g}); full scans of submissions: "
        f"{', '.join(result.full_scans) or 'none'}"
    )
    return result
