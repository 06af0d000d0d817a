"""Timing summaries and a recorder of the SQL an engine runs (statements, time, commits)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event


@dataclass(frozen=True)
class Summary:
    """Timings of repeated runs, in milliseconds."""

    runs: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Summary:
        if not seconds:
            raise ValueError("no samples")
        ms = sorted(value * 1000 for value in seconds)
        p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
        return cls(len(ms), statistics.median(ms), p95, ms[0], ms[-1])


@dataclass
class Statement:
    sql: str
    parameters: Any
    seconds: float


@dataclass
class SqlLog:
    """What ran on an engine while recording: every statement with its time, and commits."""

    statements: list[Statement] = field(default_factory=list)
    commits: int = 0
    recording: bool = True

    def clear(self) -> None:
        self.statements.clear()
        self.commits = 0


@contextmanager
def record_sql(engine: Engine) -> Iterator[SqlLog]:
    """Record statements and commits on ``engine`` for the duration of the block."""
    log = SqlLog()

    def before(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        started = conn.info["bench_started"].pop()
        if log.recording:
            log.statements.append(Statement(sql, params, time.perf_counter() - started))

    def on_commit(conn: Any) -> None:
        if log.recording:
            log.commits += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "commit", on_commit)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        event.remove(engine, "commit", on_commit)


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")
