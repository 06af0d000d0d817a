"""Reading OneRoster CSV text: the manifest, each file's header, and each row, with the dirt
policy of docs/roster.md. Meaning clear: store it and warn. Meaning unclear: skip the row (or the
file) with a located error. Nothing here opens files; callers hand in rows of cells.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import itemgetter

from lti_tool.domain.roster.entities import (
    SUPPORTED_VERSIONS,
    UNSTORED_HEADERS,
    Entity,
    FieldSpec,
    Kind,
    RosterRecord,
    all_attrs,
    fields_for,
    fingerprint_of,
)
from lti_tool.domain.roster.report import Problem, Severity

WARN = Severity.WARNING
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_WITH_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ]00:00(:00(\.0+)?)?Z?")
FILE_NAMES = {entity: f"{entity.value}.csv" for entity in Entity}


class PackageError(Exception):
    """The package cannot be read at all: no manifest, or a version credbridge does not know."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class Manifest:
    version: str
    modes: dict[Entity, str]
    """``bulk`` or ``delta`` for each entity present; absent entities are not listed."""
    problems: tuple[Problem, ...] = ()


def parse_manifest(rows: Iterable[Sequence[str]]) -> Manifest:
    """``manifest.csv`` as ``propertyName,value`` rows (header first). Raises PackageError."""
    values: dict[str, str] = {}
    problems: list[Problem] = []
    for number, cells in enumerate(rows, start=1):
        if number == 1 or not cells or not any(cell.strip() for cell in cells):
            continue
        if len(cells) < 2:
            problems.append(
                Problem(
                    "MANIFEST_ROW",
                    "A manifest row needs a property and a value.",
                    WARN,
                    "manifest.csv",
                    number,
                )
            )
            continue
        values[cells[0].strip()] = cells[1].strip()
    version = values.get("oneroster.version", "")
    if version not in SUPPORTED_VERSIONS:
        said = f"says {version!r}" if version else "does not say"
        raise PackageError(
            Problem(
                "UNSUPPORTED_VERSION",
                f"manifest.csv {said} which OneRoster version this is (oneroster.version); "
                f"credbridge reads {', '.join(SUPPORTED_VERSIONS)}.",
                file="manifest.csv",
                column="oneroster.version",
            )
        )
    modes: dict[Entity, str] = {}
    for entity in Entity:
        raw = values.get(f"file.{entity.value}", "absent")
        mode = raw.lower()
        if mode != raw:
            problems.append(
                Problem(
                    "ENUM_CASE",
                    f"file.{entity.value} {raw!r} read as {mode!r}.",
                    WARN,
                    "manifest.csv",
                )
            )
        if mode in ("bulk", "delta"):
            modes[entity] = mode
        elif mode != "absent":
            problems.append(
                Problem(
                    "MANIFEST_MODE",
                    f"file.{entity.value} is {raw!r}, not absent, bulk or delta: "
                    "the file is skipped.",
                    Severity.ERROR,
                    "manifest.csv",
                    column=f"file.{entity.value}",
                )
            )
    return Manifest(version, modes, tuple(problems))


MAX_SOURCED_ID = 255
"""The roster tables' ``sourced_id`` column width."""


@lru_cache(maxsize=1024)
def parse_datetime(raw: str) -> datetime | None:
    """A OneRoster DateTime (``2026-09-01T12:00:00.000Z``); ``None`` when it is not one.

    Cached: a file's rows mostly share a few dates (a delta's often one), and datetimes are
    immutable."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass
class _Plan:
    """Where each stored value is among a row's cells, worked out once per file.

    A row's stripped cells get one blank cell appended at index ``blank`` (the header's width):
    a column the file does not have points there, so one ``itemgetter`` call picks every
    stored value, in :func:`all_attrs` order, blanks as ``""``."""

    attrs: tuple[str, ...]
    pick: Callable[[list[str]], tuple[str, ...]]
    checked: list[tuple[int, FieldSpec, frozenset[str]]] = field(default_factory=list)
    """(position among the picked values, spec, values stored as they are without a check)."""
    required: list[tuple[int, str]] = field(default_factory=list)
    """(position among the picked values, header) of the columns an active row must fill."""
    extra: list[tuple[int, str]] = field(default_factory=list)
    sourced_id: int = 0
    status: int = 0
    modified: int = 0


@dataclass
class FileReader:
    """Turns the rows of one CSV file into records. Create one per file with :meth:`open`."""

    entity: Entity
    version: str
    mode: str
    file: str
    columns: list[tuple[int, str, FieldSpec | None]] = field(default_factory=list)
    """(cell index, header, spec); spec ``None`` for sourcedId/status/dateLastModified/extra."""
    width: int = 0
    warned: set[str] = field(default_factory=set)
    required: tuple[FieldSpec, ...] = ()
    _plan: _Plan | None = None

    @classmethod
    def open(
        cls, entity: Entity, version: str, mode: str, header: Sequence[str], file: str = ""
    ) -> tuple[FileReader | None, list[Problem]]:
        """Check the header. Returns ``None`` (and an error) when the file cannot be read."""
        reader = cls(entity, version, mode, file or FILE_NAMES[entity], width=len(header))
        reader.required = tuple(spec for spec in fields_for(entity, version) if spec.required)
        problems: list[Problem] = []
        specs = {spec.header: spec for spec in fields_for(entity, version)}
        known = {"sourcedId", "status", "dateLastModified", *specs}
        by_fold = {name.casefold(): name for name in known}
        found: set[str] = set()
        for index, raw in enumerate(header):
            name = raw.strip().lstrip("\ufeff")
            if name not in known and name.casefold() in by_fold:
                fixed = by_fold[name.casefold()]
                problems.append(
                    Problem(
                        "HEADER_CASE",
                        f"Column {name!r} read as {fixed!r}.",
                        WARN,
                        reader.file,
                        1,
                        name,
                    )
                )
                name = fixed
            if name in known:
                if name in found:
                    problems.append(
                        Problem(
                            "DUPLICATE_COLUMN",
                            f"Column {name!r} appears twice; the first is used.",
                            WARN,
                            reader.file,
                            1,
                            name,
                        )
                    )
                    continue
                found.add(name)
                reader.columns.append((index, name, specs.get(name)))
            elif name in UNSTORED_HEADERS:
                continue
            elif name.startswith(("metadata.", "ext_", "ext.")):
                reader.columns.append((index, name, None))
            elif name:
                close = difflib.get_close_matches(name, sorted(known - found), n=1, cutoff=0.8)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                problems.append(
                    Problem(
                        "UNKNOWN_COLUMN",
                        f"Column {name!r} is not part of OneRoster {version} and is ignored.{hint}",
                        WARN,
                        reader.file,
                        1,
                        name,
                    )
                )
        required = ["sourcedId", *(s.header for s in specs.values() if s.required)]
        if mode == "delta":
            required += ["status", "dateLastModified"]
        missing = [name for name in required if name not in found]
        if missing:
            problems.append(
                Problem(
                    "MISSING_COLUMN",
                    f"Required column(s) {', '.join(missing)} missing: the whole "
                    "file was skipped. (Headers are case-sensitive, e.g. 'sourcedId'.)",
                    Severity.ERROR,
                    reader.file,
                    1,
                    missing[0],
                )
            )
            return None, problems
        return reader, problems

    def _warn_once(
        self, problems: list[Problem], code: str, message: str, line: int, column: str | None
    ) -> None:
        key = f"{code}:{column}"
        if key not in self.warned:
            self.warned.add(key)
            problems.append(
                Problem(code, message + " (reported once per file)", WARN, self.file, line, column)
            )

    def read(self, cells: Sequence[str], line: int) -> tuple[RosterRecord | None, list[Problem]]:
        """One data row. Returns ``None`` and the errors when the row must be skipped."""
        problems: list[Problem] = []

        def error(code: str, message: str, column: str | None = None) -> tuple[None, list[Problem]]:
            problems.append(Problem(code, message, Severity.ERROR, self.file, line, column))
            return None, problems

        if len(cells) != self.width:
            return error(
                "ROW_SHAPE",
                f"The row has {len(cells)} cells but the header has "
                f"{self.width}: a missing or extra comma, or an unquoted comma.",
            )
        joined = "\x1f".join(cells)
        if "\ufffd" in joined:
            bad = next((name for i, name, _ in self.columns if "\ufffd" in cells[i]), None)
            return error("ENCODING", "The cell is not valid UTF-8; save the file as UTF-8.", bad)
        if "\x00" in joined:  # PostgreSQL stores no NUL in text: refused here, row by row
            bad = next((name for i, name, _ in self.columns if "\x00" in cells[i]), None)
            return error("NUL_CHARACTER", "The cell holds a NUL character (byte 0).", bad)
        plan = self._plan or self._make_plan()
        cells = list(map(str.strip, cells))
        cells.append("")
        texts = list(plan.pick(cells))
        for position, spec, clean in plan.checked:
            cell = texts[position]
            if not cell or cell in clean:
                continue
            value, problem = self._value(spec, cell, line)
            if problem is not None:
                problems.append(problem)
                if problem.severity is Severity.ERROR:
                    return None, problems
            texts[position] = value or ""
        sourced_id = cells[plan.sourced_id]
        status = cells[plan.status]
        modified_raw = cells[plan.modified]
        extra: dict[str, str] = {}
        for index, name in plan.extra:
            if cells[index]:
                extra[name] = cells[index]
        if not sourced_id:
            return error("MISSING_VALUE", "sourcedId is empty.", "sourcedId")
        if len(sourced_id) > MAX_SOURCED_ID:
            return error(
                "VALUE_TOO_LONG",
                f"sourcedId is {len(sourced_id)} characters long; at most {MAX_SOURCED_ID} "
                "are stored.",
                "sourcedId",
            )
        if self.mode == "bulk" and (status or modified_raw):
            self._warn_once(
                problems,
                "BULK_WITH_DELTA_VALUES",
                "A bulk file fills status or dateLastModified; they were read as in a delta.",
                line,
                "status",
            )
        if self.mode == "delta" and not (status and modified_raw):
            column = "status" if not status else "dateLastModified"
            return error("DELTA_MISSING_STATUS", f"A delta row needs {column}.", column)
        active = True
        if status and status != "active":
            read_as, problem = self._status(status, line)
            if read_as is None:
                return error(
                    "BAD_STATUS", f"status {status!r} is not active or tobedeleted.", "status"
                )
            if problem is not None:
                problems.append(problem)
            active = read_as
        modified = None
        if modified_raw:
            modified = parse_datetime(modified_raw)
            if modified is None:
                return error(
                    "DATE_FORMAT",
                    f"dateLastModified {modified_raw!r} is not a date "
                    "and time like 2026-09-01T12:00:00.000Z.",
                    "dateLastModified",
                )
        if active:
            for position, header in plan.required:
                if not texts[position]:
                    return error("MISSING_VALUE", f"{header} is required.", header)
        stored = tuple([text or None for text in texts])
        return RosterRecord(
            self.entity,
            sourced_id,
            active,
            modified,
            dict(zip(plan.attrs, stored, strict=False)),  # same length: no check per row
            extra,
            line,
            stored,
            fingerprint_of(sourced_id, active, texts, extra),
        ), problems

    def _status(self, status: str, line: int) -> tuple[bool | None, Problem | None]:
        """A status other than ``active``: whether the row is active (``None`` when the status
        means nothing), and the warning when it was read with a fix."""
        folded = status.casefold()
        problem = None
        if folded == "inactive":
            problem = Problem(
                "STATUS_INACTIVE",
                "Status 'inactive' (OneRoster 1.0) read as 'tobedeleted'.",
                WARN,
                self.file,
                line,
                "status",
            )
            folded = "tobedeleted"
        elif folded in ("active", "tobedeleted") and status != folded:
            problem = Problem(
                "ENUM_CASE",
                f"status {status!r} read as {folded!r}.",
                WARN,
                self.file,
                line,
                "status",
            )
        if folded not in ("active", "tobedeleted"):
            return None, None
        return folded == "active", problem

    def _make_plan(self) -> _Plan:
        """Which picked values need checks, and where the fixed columns are."""
        blank = self.width
        attrs = all_attrs(self.entity)
        where = {spec.attr: (index, spec) for index, _, spec in self.columns if spec is not None}
        indexes = [where[attr][0] if attr in where else blank for attr in attrs]
        pick = itemgetter(*indexes)
        plan = _Plan(
            attrs,
            pick if len(indexes) > 1 else lambda cells: (pick(cells),),
        )
        for position, attr in enumerate(attrs):
            if attr in where and where[attr][1].kind is not Kind.TEXT:
                checked = where[attr][1]
                plan.checked.append((position, checked, _clean_values(checked)))
        plan.required = [(attrs.index(spec.attr), spec.header) for spec in self.required]
        plan.sourced_id = plan.status = plan.modified = blank
        for index, name, spec in self.columns:
            if spec is not None:
                continue
            if name == "sourcedId":
                plan.sourced_id = index
            elif name == "status":
                plan.status = index
            elif name == "dateLastModified":
                plan.modified = index
            else:
                plan.extra.append((index, name))
        self._plan = plan
        return plan

    def _value(self, spec: FieldSpec, cell: str, line: int) -> tuple[str | None, Problem | None]:
        if not cell:
            return None, None
        if spec.kind is Kind.TEXT:
            return cell, None

        def problem(code: str, message: str, severity: Severity = WARN) -> Problem:
            return Problem(code, message, severity, self.file, line, spec.header)

        if spec.kind is Kind.ENUM:
            if cell in spec.choices or cell.startswith("ext:"):
                return cell, None
            folded = {choice.casefold(): choice for choice in spec.choices}
            if cell.casefold() in folded:
                fixed = folded[cell.casefold()]
                return fixed, problem("ENUM_CASE", f"{spec.header} {cell!r} read as {fixed!r}.")
            return None, problem(
                "BAD_ENUM",
                f"{spec.header} {cell!r} is not one of {', '.join(spec.choices)}.",
                Severity.ERROR,
            )
        if spec.kind is Kind.BOOL:
            if cell in ("true", "false"):
                return cell, None
            if cell.casefold() in ("true", "false"):
                return cell.casefold(), problem(
                    "BOOL_CASE", f"{spec.header} {cell!r} read as {cell.casefold()!r}."
                )
            return None, problem(
                "BAD_BOOLEAN", f"{spec.header} {cell!r} is not true or false.", Severity.ERROR
            )
        if spec.kind is Kind.DATE:
            if _DATE.fullmatch(cell) and _valid_date(cell):
                return cell, None
            match = _DATE_WITH_TIME.fullmatch(cell)
            if match and _valid_date(match.group(1)):
                return match.group(1), problem(
                    "DATE_HAS_TIME", f"{spec.header} {cell!r} read as the date {match.group(1)}."
                )
            return None, problem(
                "DATE_FORMAT",
                f"{spec.header} {cell!r} is not a date like "
                "2026-09-01 (spreadsheets rewrite dates: keep the column as "
                "text).",
                Severity.ERROR,
            )
        if spec.kind is Kind.LIST:
            return ",".join(part.strip() for part in cell.split(",") if part.strip()), None
        return cell, None


def _clean_values(spec: FieldSpec) -> frozenset[str]:
    if spec.kind is Kind.ENUM:
        return frozenset(spec.choices)
    if spec.kind is Kind.BOOL:
        return frozenset(("true", "false"))
    return frozenset()


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
