"""The import report: counts per entity and every problem, located, with a stable code.

Problems are counted in full but only the first :data:`MAX_EXAMPLES_PER_CODE` of each code are
kept with their location, so a million-row file full of one mistake stays a small report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

MAX_EXAMPLES_PER_CODE = 50


class Severity(StrEnum):
    ERROR = "error"
    """The row or file was skipped."""
    WARNING = "warning"
    """The data was dirty but its meaning clear; it was stored."""


@dataclass(frozen=True)
class Problem:
    """Something wrong in the input, where it is, and what a person can do about it."""

    code: str
    message: str
    severity: Severity = Severity.ERROR
    file: str = ""
    line: int | None = None
    column: str | None = None

    def where(self) -> str:
        place = self.file
        if self.line is not None:
            place += f":{self.line}"
        if self.column:
            place += f" [{self.column}]"
        return place


@dataclass
class EntityCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0

    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.deleted + self.skipped


class ReportStatus(StrEnum):
    COMPLETED = "completed"
    NEEDS_CONFIRMATION = "needs_confirmation"
    """Everything landed except the deactivations, which exceeded the safety threshold."""
    FAILED = "failed"
    """The package could not be read at all (no manifest, unknown version)."""


@dataclass
class ImportReport:
    """What one import or sync did. Stored as JSON; the last reports are kept."""

    id: str
    scope_id: str
    source: str
    started_at: datetime
    version: str = ""
    dry_run: bool = False
    status: ReportStatus = ReportStatus.COMPLETED
    finished_at: datetime | None = None
    modes: dict[str, str] = field(default_factory=dict)
    counts: dict[str, EntityCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problem_counts: dict[str, int] = field(default_factory=dict)
    held_deactivations: int = 0
    """Deactivations not applied because they exceeded the threshold."""
    message: str = ""

    def count(self, entity: str) -> EntityCounts:
        return self.counts.setdefault(entity, EntityCounts())

    def add(self, problem: Problem) -> None:
        seen = self.problem_counts.get(problem.code, 0)
        self.problem_counts[problem.code] = seen + 1
        if seen < MAX_EXAMPLES_PER_CODE:
            self.problems.append(problem)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity is Severity.ERROR)

    def summary(self) -> str:
        parts = []
        for entity, c in self.counts.items():
            parts.append(
                f"{entity}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged, "
                f"{c.deleted} deleted, {c.skipped} skipped"
            )
        head = f"{self.status.value}{' (dry run)' if self.dry_run else ''}"
        return "\n".join([head, *parts])

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        finished = data.get("finished_at")
        return cls(
            id=data["id"],
            scope_id=data["scope_id"],
            source=data["source"],
            started_at=datetime.fromisoformat(data["started_at"]),
            version=data.get("version", ""),
            dry_run=bool(data.get("dry_run")),
            status=ReportStatus(data.get("status", "completed")),
            finished_at=datetime.fromisoformat(finished) if finished else None,
            modes=dict(data.get("modes", {})),
            counts={k: EntityCounts(**v) for k, v in data.get("counts", {}).items()},
            problems=[
                Problem(**{**p, "severity": Severity(p.get("severity", "error"))})
                for p in data.get("problems", [])
            ],
            problem_counts=dict(data.get("problem_counts", {})),
            held_deactivations=int(data.get("held_deactivations", 0)),
            message=data.get("message", ""),
        )
