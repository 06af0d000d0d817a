"""Roster import: any :class:`RosterSource` (CSV package, REST provider) into the roster store,
streamed in batches, with a report, soft deletes and the deactivation safety threshold.

Good rows land even when others are bad: each batch is checked (references, duplicates) and
committed on its own. Deactivations of records a bulk file no longer lists wait until the end,
and are held back for an admin's confirmation when they would remove too many users.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from lti_tool.domain.model import new_id
from lti_tool.domain.roles import Role
from lti_tool.domain.roster.csv_rows import FileReader, PackageError
from lti_tool.domain.roster.entities import (
    ABSENCE_POLICY,
    IMPORT_ORDER,
    Absence,
    Entity,
    RosterRecord,
    fields_for,
)
from lti_tool.domain.roster.report import (
    EntityCounts,
    ImportReport,
    Problem,
    ReportStatus,
    Severity,
)
from lti_tool.ports import (
    Clock,
    RosterFeed,
    RosterSource,
    RosterStore,
    RosterUser,
)
from lti_tool.ports import RosterStoreFactory as StoreFactory
from lti_tool.services.common import Actor
from lti_tool.services.roster_identity import IdentityLinker

Progress = Callable[[int], None]
KNOWN_CACHE = 500_000
"""SourcedIds per entity remembered as stored during one import (about 40 MB at most)."""


def remember(cache: set[str], found: set[str]) -> None:
    """Add ``found`` to ``cache``, starting over when it would pass :data:`KNOWN_CACHE`."""
    if len(cache) + len(found) > KNOWN_CACHE:
        cache.clear()
    cache |= found


@contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """While an import runs, the garbage collector leaves alone the objects that were alive
    before it (the application's modules, metadata, caches): the import makes millions of
    short-lived objects, and every full collection would otherwise walk all of those too.
    ``gc.freeze`` and ``gc.unfreeze`` only move the objects between generations; nothing is
    kept alive longer than it would be (a cycle among them waits until the import ends).

    Full collections are also made ten times rarer meanwhile: with the old objects frozen, CPython's
    rule that a full collection waits until a quarter as many objects as survived the last one
    are new always holds, so one ran every ten young collections (44 at full size, ~23 ms each
    with the GIL held, counted by hand with ``gc.callbacks``; stalling the writer thread's round
    trips). Cycles among young objects are still found by the young collections."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(thresholds[0], thresholds[1], thresholds[2] * 10)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _open_feed(report: ImportReport, feed: RosterFeed) -> FileReader | None:
    """The feed's reader (``None`` when its header refuses the file), problems reported."""
    reader, problems = FileReader.open(
        feed.entity, report.version, feed.mode, feed.header, feed.name
    )
    for problem in [*feed.problems, *problems]:
        report.add(problem)
    feed.problems.clear()
    return reader


def _report_read(
    report: ImportReport, counts: EntityCounts, problems: list[Problem], skipped: int
) -> None:
    """A batch's parse problems and the rows its reading skipped, into the report."""
    for problem in problems:
        report.add(problem)
    counts.skipped += skipped


@dataclass(frozen=True)
class RosterPolicy:
    """Settings of the roster service (environment: see docs/roster.md)."""

    deactivation_threshold: float = 0.10
    """Share of a district's active users a bulk import may deactivate without confirmation."""
    keep_reports: int = 50
    batch_size: int = 5000
    employee_id_field: str = "identifier"
    link_people: bool = True
    """Link staff to people after each import (benchmarks time the linking on its own)."""


class RosterService:
    """Import roster sources and read the reports. Imports are operator actions (CLI, worker);
    reading reports and answering match questions needs the admin role."""

    def __init__(
        self, stores: StoreFactory, linker: IdentityLinker, clock: Clock, policy: RosterPolicy
    ) -> None:
        self._stores = stores
        self._linker = linker
        self._clock = clock
        self.policy = policy

    def import_source(
        self,
        source: RosterSource,
        scope_id: str,
        *,
        dry_run: bool = False,
        confirm_deactivations: bool = False,
        progress: Progress | None = None,
        bookmarks_for: str | None = None,
    ) -> ImportReport:
        """Import everything ``source`` holds for the district ``scope_id``; store the report.

        ``bookmarks_for`` names a REST provider whose per-page bookmarks are saved as each
        page's rows commit. A dry run reads, checks and counts, then rolls everything back.
        """
        report = ImportReport(new_id(), scope_id, source.describe(), self._clock.now())
        report.dry_run = dry_run
        try:
            report.version = source.version()
        except PackageError as error:
            report.add(error.problem)
            for problem in source.problems():
                report.add(problem)
            report.status = ReportStatus.FAILED
            report.message = error.problem.message
            return self._finish(report)
        with (
            _long_lived_frozen(),
            self._stores() as store,
            (
                ThreadPoolExecutor(1, thread_name_prefix="roster-writer")
                if store.server_side
                else nullcontext()
            ) as writer,
        ):
            users_before = store.count_active(scope_id, Entity.USERS)
            bulk: list[tuple[Entity, tuple[str, str] | None]] = []
            seen: dict[Entity, set[str]] = {}
            for entity in IMPORT_ORDER:
                feed = source.feed(entity)
                if feed is None:
                    continue
                report.modes[entity.value] = feed.mode
                whole = self._import_feed(
                    store, writer, report, feed, progress, bookmarks_for, dry_run, seen
                )
                complete = feed.mode == "bulk" if feed.complete is None else feed.complete
                if whole and complete:
                    bulk.append((entity, feed.within))
            for problem in source.problems():
                report.add(problem)
            if report.version == "1.2" and {"users", "roles"} & set(report.modes):
                store.apply_primary_roles(scope_id)
            if "SOURCE_FAILED" in report.problem_counts:
                report.status = ReportStatus.FAILED
                report.message = (
                    "The source stopped answering part-way. What arrived was stored; nothing "
                    "was deactivated. Run the same command again: it resumes where it stopped."
                )
            else:
                self._deactivate_absent(store, report, bulk, users_before, confirm_deactivations)
            if not dry_run:
                store.commit()
        if not dry_run and self.policy.link_people:
            self._linker.link(scope_id, report)
        return self._finish(report)

    def _import_feed(
        self,
        store: RosterStore,
        writer: Executor | None,
        report: ImportReport,
        feed: RosterFeed,
        progress: Progress | None,
        bookmarks_for: str | None,
        dry_run: bool,
        seen: dict[Entity, set[str]],
    ) -> bool:
        """Import one entity's rows; ``False`` when the file as a whole was refused.

        ``seen`` holds sourcedIds known to be stored in this run, so reference checks ask the
        database only about the others (bounded: see :data:`KNOWN_CACHE`).

        With a database server, each full batch is written and committed on ``writer``'s one
        thread while this one reads the next: the server stores rows in its own process while
        Python parses. At most one batch is in flight, and ``store`` has one user at a time:
        the next batch waits for the last. Parse problems are held back per batch so the report
        lists every problem in file order, as a serial import would. Without ``writer`` (SQLite,
        whose work is in this process and mostly under the GIL) batches are written in turn."""
        counts = report.count(feed.entity.value)
        reader = _open_feed(report, feed)
        if reader is None:
            return False
        size, bookmarks = self.policy.batch_size, bool(bookmarks_for)
        batch: list[RosterRecord] = []
        held: list[Problem] = []  # this batch's parse problems, reported after the last batch's
        skipped = 0
        pending: Future[None] | None = None
        read, file = reader.read, reader.file

        def write(rows: list[RosterRecord], bookmark: str | None, commit: bool = True) -> None:
            """On the writer thread, when there is one: the only user of ``store`` until it
            returns. Commits when ``commit`` or when it saves a bookmark (not in a dry run)."""
            self._store_batch(store, report, rows, counts, file, seen)
            if bookmark and bookmarks_for and not dry_run:
                store.save_bookmark(bookmarks_for, feed.entity, bookmark)
                commit = True
            if commit and not dry_run:
                store.commit()

        try:
            for raw in feed.rows:
                record, problems = read(raw.cells, raw.line)
                if problems:
                    held += problems
                if record is None:
                    skipped += 1
                else:
                    batch.append(record)
                if len(batch) >= size or (bookmarks and raw.bookmark):
                    # The previous batch is written while this one was read: wait for it,
                    # then report in file order and hand this batch to the writer.
                    if pending is not None:
                        pending.result()
                        pending = None
                    _report_read(report, counts, held, skipped)
                    held, skipped = [], 0
                    if writer is None:
                        write(batch, raw.bookmark)
                    else:
                        pending = writer.submit(write, batch, raw.bookmark)
                    batch = []
                if progress is not None:
                    progress(1)
            if pending is not None:
                pending.result()
                pending = None
        finally:
            if pending is not None:  # reading failed: let the writer finish before unwinding
                wait((pending,))
        _report_read(report, counts, held, skipped)
        write(batch, feed.done_bookmark, commit=False)
        for problem in feed.problems:
            report.add(problem)
        return not any(p.code in ("CSV_SYNTAX", "SOURCE_FAILED") for p in feed.problems)

    def _store_batch(
        self,
        store: RosterStore,
        report: ImportReport,
        batch: list[RosterRecord],
        counts: EntityCounts,
        file: str,
        seen: dict[Entity, set[str]],
    ) -> None:
        if not batch:
            return
        entity = batch[0].entity
        orphans: set[int] = set()
        for spec in fields_for(entity, report.version):
            if spec.refers_to is None or spec.refers_to is entity:
                continue
            attr = spec.attr
            wanted = {r.values.get(attr) for r in batch if r.active}
            wanted.discard(None)
            wanted.discard("")
            cached = seen.setdefault(spec.refers_to, set())
            wanted -= cached
            known = store.known(report.scope_id, spec.refers_to, wanted)  # type: ignore[arg-type]
            missing = wanted - known
            remember(cached, known)
            if not missing:
                continue
            for index, record in enumerate(batch):
                value = record.values.get(attr)
                if record.active and value in missing and index not in orphans:
                    orphans.add(index)
                    report.add(
                        Problem(
                            "ORPHAN_REFERENCE",
                            f"{spec.header} {value!r} names no "
                            f"{spec.refers_to.value} record in this package or already stored: the "
                            "row was skipped.",
                            Severity.ERROR,
                            file,
                            record.line,
                            spec.header,
                        )
                    )
        counts.skipped += len(orphans)
        good = [r for index, r in enumerate(batch) if index not in orphans] if orphans else batch
        result = store.upsert(report.scope_id, report.id, good)
        remember(seen.setdefault(entity, set()), {r.sourced_id for r in good if r.active})
        counts.created += result.created
        counts.updated += result.updated
        counts.unchanged += result.unchanged
        counts.deleted += result.deleted
        counts.skipped += len(result.duplicates) + len(result.unknown_deletes)
        for record in result.duplicates:
            report.add(
                Problem(
                    "DUPLICATE_SOURCED_ID",
                    f"sourcedId {record.sourced_id!r} "
                    "appears more than once; the first row was kept, this one "
                    "skipped.",
                    Severity.ERROR,
                    file,
                    record.line,
                    "sourcedId",
                )
            )
        for record in result.unknown_deletes:
            report.add(
                Problem(
                    "UNKNOWN_DELETE",
                    f"sourcedId {record.sourced_id!r} is marked "
                    "tobedeleted but was never stored: nothing to do.",
                    Severity.WARNING,
                    file,
                    record.line,
                    "status",
                )
            )

    def _deactivate_absent(
        self,
        store: RosterStore,
        report: ImportReport,
        bulk: list[tuple[Entity, tuple[str, str] | None]],
        users_before: int,
        confirmed: bool,
    ) -> None:
        scope, run = report.scope_id, report.id
        within = dict(bulk)
        absent = {
            entity: store.count_absent(scope, entity, run, part)
            for entity, part in bulk
            if ABSENCE_POLICY[entity] is Absence.DEACTIVATE
        }
        users_gone = absent.get(Entity.USERS, 0) + report.count("users").deleted
        limit = self.policy.deactivation_threshold * users_before
        if users_gone and users_gone > limit and not confirmed:
            report.status = ReportStatus.NEEDS_CONFIRMATION
            report.held_deactivations = sum(absent.values())
            share = users_gone / max(users_before, 1)
            report.message = (
                f"This import would deactivate {users_gone} of {users_before} active users "
                f"({share:.0%}), more than the {self.policy.deactivation_threshold:.0%} "
                "threshold. Everything else was stored; the deactivations were not. If the "
                "file is right, import it again with --confirm-deactivations."
            )
            return
        for entity, count in absent.items():
            if count:
                deactivated = store.deactivate_absent(scope, entity, run, within[entity])
                report.count(entity.value).deleted += deactivated

    def record_failure(self, scope_id: str, source: str, message: str) -> ImportReport:
        """Report a run that failed before any source could be read (a scheduled sync)."""
        report = ImportReport(new_id(), scope_id, source, self._clock.now())
        report.add(Problem("SOURCE_FAILED", message, file=source))
        report.status = ReportStatus.FAILED
        report.message = message
        return self._finish(report)

    def _finish(self, report: ImportReport) -> ImportReport:
        report.finished_at = self._clock.now()
        with self._stores() as store:
            store.save_report(report, self.policy.keep_reports)
            store.commit()
        return report

    def reports(self, actor: Actor, limit: int = 50) -> list[ImportReport]:
        """The newest reports first (admins)."""
        actor.require(Role.ADMIN)
        with self._stores() as store:
            return store.reports(limit)

    def report(self, actor: Actor, report_id: str) -> ImportReport:
        actor.require(Role.ADMIN)
        with self._stores() as store:
            return store.report(report_id)

    def users(
        self, actor: Actor, scope_id: str, query: str = "", limit: int = 100
    ) -> list[RosterUser]:
        """Roster users of a district matching ``query`` (name, email, sourcedId, employee id)."""
        actor.require(Role.ADMIN)
        with self._stores() as store:
            return store.users(scope_id, query.strip(), limit)
