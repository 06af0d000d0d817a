"""LMS course rosters (LTI NRPS) through the same roster service as OneRoster.

A course's members become a :class:`~lti_tool.ports.RosterSource` holding one feed: the
enrollments of the SIS class the course teaches. The conflict policy (docs/roster.md) decides
what it may say: the SIS wins for identity and school membership, so no user, school or class
is created or changed, and a member the SIS does not know is reported, not stored; the LMS wins
for course membership, so the feed is the whole truth for that class, and its enrollments the
LMS no longer lists (SIS ones included) are deactivated.
"""

from __future__ import annotations

from datetime import datetime

from lti_tool.domain.lti import PlatformRegistration
from lti_tool.domain.roles import IdentityKind
from lti_tool.domain.roster.csv_rows import PackageError
from lti_tool.domain.roster.entities import Entity, fields_for
from lti_tool.domain.roster.lms import LmsMember, enrollment_role, lms_enrollment_id
from lti_tool.domain.roster.report import ImportReport, Problem, Severity
from lti_tool.ports import Clock, RawRow, RosterFeed
from lti_tool.ports_roster import CourseRosterReader, LmsRosterStore, LmsRosterStoreFactory
from lti_tool.services.roster import RosterService

VERSION = "1.1"
"""The rows are shaped as OneRoster 1.1 enrollments."""


class LmsCourseSource:
    """One LMS course's members as enrollments of one SIS class (read when asked its version)."""

    def __init__(
        self,
        reader: CourseRosterReader,
        stores: LmsRosterStoreFactory,
        clock: Clock,
        registration: PlatformRegistration,
        memberships_url: str,
        scope_id: str,
        class_sourced_id: str,
    ) -> None:
        self._reader = reader
        self._stores = stores
        self._clock = clock
        self._registration = registration
        self._url = memberships_url
        self._scope = scope_id
        self._class = class_sourced_id
        self._rows: list[list[str]] = []
        self._problems: list[Problem] = []
        self._read = False

    def describe(self) -> str:
        return f"{self._registration.name} (LTI NRPS), class {self._class}"

    def version(self) -> str:
        if not self._read:
            self._load()
        return VERSION

    def problems(self) -> list[Problem]:
        return list(self._problems)

    def estimate_rows(self) -> int | None:
        return len(self._rows) if self._read else None

    def feed(self, entity: Entity) -> RosterFeed | None:
        if entity is not Entity.ENROLLMENTS:
            return None
        rows = (RawRow(line, cells) for line, cells in enumerate(self._rows, start=1))
        return RosterFeed(
            entity=entity,
            mode="delta",
            header=_HEADER,
            rows=iter(rows),
            problems=[],
            name=f"NRPS {self._url}",
            complete=True,
            within=("class_sourced_id", self._class),
        )

    def _load(self) -> None:
        members = self._reader.members(self._registration, self._url)
        self._read = True
        now = _stamp(self._clock.now())
        with self._stores() as store:
            school = store.class_school(self._scope, self._class)
            if school is None:
                raise PackageError(Problem(
                    "UNKNOWN_CLASS",
                    f"Class {self._class!r} is not an active class of this district's SIS "
                    "roster: import the SIS roster first, or name the class the course teaches.",
                ))  # fmt: skip
            stored = store.class_enrollments(self._scope, self._class)
            users = self._sis_users(store, members)
        for line, member in enumerate(members, start=1):
            role = enrollment_role(member.roles)
            user = users.get(member.user_id)
            if not member.active:
                continue  # not in the course: its enrollment is deactivated as absent
            if role is None:
                self._warn("LMS_ROLE_IGNORED", line, member, "has no teaching or learning role")
            elif user is None:
                self._warn("NOT_IN_SIS", line, member, "is not a user of the SIS roster (the "
                           "SIS decides who exists: add them there)")  # fmt: skip
            else:
                sourced_id, values = stored.get(user, (lms_enrollment_id(self._class, user), {}))
                self._rows.append([
                    sourced_id, "active", now, self._class, school, user, role,
                    values.get("primary") or "", values.get("begin_date") or "",
                    values.get("end_date") or "",
                ])  # fmt: skip

    def _sis_users(self, store: LmsRosterStore, members: list[LmsMember]) -> dict[str, str]:
        """LTI subject to the SIS user: by ``lis_person_sourcedid``, else through the person
        who launched with that subject and is linked to a roster user."""
        named = {m.lis_person_sourcedid for m in members if m.lis_person_sourcedid}
        known = store.known(self._scope, Entity.USERS, named)
        found: dict[str, str] = {}
        for member in members:
            if member.lis_person_sourcedid in known:
                found[member.user_id] = member.lis_person_sourcedid
                continue
            people = store.people_with_identity(
                IdentityKind.LTI_SUBJECT, member.user_id, self._registration.issuer
            )
            linked = store.sourced_ids_of(self._scope, people)
            if len(linked) == 1:
                found[member.user_id] = next(iter(linked.values()))
        return found

    def _warn(self, code: str, line: int, member: LmsMember, what: str) -> None:
        who = member.name or member.user_id
        self._problems.append(Problem(
            code, f"Member {who!r} {what}: no enrollment was stored.", Severity.WARNING,
            f"NRPS {self._url}", line, "user_id",
        ))  # fmt: skip


class LmsRosterService:
    """Syncs an LMS course's membership into a SIS class (operator action: CLI, worker)."""

    def __init__(
        self,
        stores: LmsRosterStoreFactory,
        roster: RosterService,
        reader: CourseRosterReader,
        clock: Clock,
    ) -> None:
        self._stores = stores
        self._roster = roster
        self._reader = reader
        self._clock = clock

    def sync_course(
        self,
        registration: PlatformRegistration,
        memberships_url: str,
        scope_id: str,
        class_sourced_id: str,
    ) -> ImportReport:
        """Make the class's enrollments what the LMS course lists; the report says what
        changed and which members were left out."""
        source = LmsCourseSource(
            self._reader, self._stores, self._clock, registration, memberships_url, scope_id,
            class_sourced_id,
        )  # fmt: skip
        return self._roster.import_source(source, scope_id)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_HEADER = (
    "sourcedId",
    "status",
    "dateLastModified",
    *(spec.header for spec in fields_for(Entity.ENROLLMENTS, VERSION)),
)
