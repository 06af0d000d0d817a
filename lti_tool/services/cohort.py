"""A course's cohort: its members from the LMS (NRPS) as people with roles, and who is working
on which credential, in what state, for the course's instructors.

Members arrive as plain :class:`CourseMember` data (the web layer reads them from the platform's
Names and Role Provisioning service through ``lti_tool.lti.nrps``); this module never talks
HTTP. People are matched by their LTI ``sub`` per issuer, as launches match them, so a member
imported here and launching later is one person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lti_tool.domain.errors import ConflictError, PermissionDeniedError
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.lti_roles import map_roles
from lti_tool.domain.lti_services import CourseMember
from lti_tool.domain.model import ExternalIdentity, Person, RoleAssignment, new_id
from lti_tool.domain.roles import IdentityKind, Role
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.services.common import Actor, record
from lti_tool.services.launch import lti_organization
from lti_tool.services.lti_links import INSTRUCTOR_ROLES

__all__ = ["INSTRUCTOR_ROLES", "CohortService", "CourseMember", "ImportReport"]


@dataclass(frozen=True)
class ImportReport:
    members: int
    created: int
    roles_granted: int
    inactive_skipped: int


@dataclass(frozen=True)
class CohortWork:
    credential_title: str
    state: SubmissionState
    attempt_number: int
    updated_at: datetime
    from_this_course: bool


@dataclass(frozen=True)
class CohortEntry:
    person_id: str
    display_name: str
    email: str | None
    roles: frozenset[Role]
    """The roles held in this course."""
    work: tuple[CohortWork, ...]
    grade_problems: tuple[str, ...] = ()
    """Scores the LMS refused for this person in this course (not a student there)."""


class CohortService:
    """Import a course's members and show its cohort, to the course's instructors."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def _require_instructor(
        self, uow: UnitOfWork, actor: Actor, registration_id: str, context_id: str
    ) -> str:
        """The registration's organisation id, if the actor teaches this course (or is an
        admin). Raises PermissionDeniedError."""
        organization = lti_organization(uow, registration_id)
        if Role.ADMIN in actor.roles:
            return organization.id
        teaches = any(
            item.role in INSTRUCTOR_ROLES and item.role in actor.roles
            for item in uow.people.roles_in_context(organization.id, context_id)
            if item.person_id == actor.person_id
        )
        if not teaches:
            raise PermissionDeniedError("Only this course's instructors see its cohort.")
        return organization.id

    def require_instructor(self, actor: Actor, registration_id: str, context_id: str) -> None:
        """Raises PermissionDeniedError unless the actor teaches the course or is an admin."""
        with self._uow() as uow:
            self._require_instructor(uow, actor, registration_id, context_id)

    def import_members(
        self,
        actor: Actor,
        registration_id: str,
        context_id: str,
        members: Sequence[CourseMember],
    ) -> ImportReport:
        """Make every active member a person (matched by LTI ``sub``) with the course roles
        their LIS roles grant; roles are only added, as launches add them.

        Raises:
            PermissionDeniedError: the actor does not teach the course and is not an admin.
        """
        try:
            return self._import(actor, registration_id, context_id, members)
        except ConflictError:  # a launch created one of them at the same moment
            return self._import(actor, registration_id, context_id, members)

    def sync_members(
        self, registration_id: str, context_id: str, members: Sequence[CourseMember]
    ) -> ImportReport:
        """:meth:`import_members` for the background roster read an instructor's launch
        queued (no actor: the launch already showed an instructor of the course)."""
        try:
            return self._import(None, registration_id, context_id, members)
        except ConflictError:
            return self._import(None, registration_id, context_id, members)

    def _import(
        self,
        actor: Actor | None,
        registration_id: str,
        context_id: str,
        members: Sequence[CourseMember],
    ) -> ImportReport:
        now = self._clock.now()
        created = granted = skipped = 0
        actor_id = actor.person_id if actor else None
        with self._uow() as uow:
            if actor is None:
                organization_id = lti_organization(uow, registration_id).id
            else:
                organization_id = self._require_instructor(uow, actor, registration_id, context_id)
            issuer = uow.platforms.get(registration_id).issuer
            for member in members:
                if not member.active:
                    skipped += 1
                    continue
                person = uow.people.find_by_identity(
                    IdentityKind.LTI_SUBJECT, issuer, member.user_id
                )
                if person is None:
                    person = self._create(uow, member, issuer, organization_id)
                    created += 1
                    record(
                        uow, now, actor_id, "person", person.id, "create", None, None,
                        f"from the LMS roster of course {context_id}",
                    )  # fmt: skip
                held = {
                    (item.role, item.organization_id, item.context_id)
                    for item in uow.people.roles_of(person.id)
                }
                for role in sorted(map_roles(member.roles)):
                    if (role, organization_id, context_id) in held:
                        continue
                    uow.people.add_role(
                        RoleAssignment(person.id, role, organization_id, context_id)
                    )
                    granted += 1
                    record(
                        uow, now, actor_id, "person", person.id, "grant_role", None,
                        role.value, f"from the LMS roster of course {context_id}",
                    )  # fmt: skip
            uow.commit()
        return ImportReport(len(members), created, granted, skipped)

    @staticmethod
    def _create(uow: UnitOfWork, member: CourseMember, issuer: str, organization_id: str) -> Person:
        email = (member.email or "").strip().lower() or None
        name = member.name or email or f"LMS user {member.user_id[:8]}"
        person = Person(new_id(), name, email, organization_id)
        uow.people.add_person(person)
        uow.people.add_identity(
            ExternalIdentity(person.id, IdentityKind.LTI_SUBJECT, issuer, member.user_id)
        )
        if email and not uow.people.find_by_identity(IdentityKind.EMAIL, "", email):
            uow.people.add_identity(ExternalIdentity(person.id, IdentityKind.EMAIL, "", email))
        return person

    def cohort(self, actor: Actor, registration_id: str, context_id: str) -> list[CohortEntry]:
        """Everyone holding a role in the course, by name, with every submission they have
        (marked when it was started from this course).

        Raises:
            PermissionDeniedError: the actor does not teach the course and is not an admin.
        """
        with self._uow() as uow:
            organization_id = self._require_instructor(uow, actor, registration_id, context_id)
            roles: dict[str, set[Role]] = {}
            for item in uow.people.roles_in_context(organization_id, context_id):
                roles.setdefault(item.person_id, set()).add(item.role)
            titles: dict[str, str] = {}
            refused: dict[str, list[str]] = {}
            for link in uow.lti_services.grade_links_in(registration_id, context_id):
                if link.last_status == "not_a_student":
                    refused.setdefault(link.person_id, []).append(
                        f"The LMS refused the grade for {link.target}: "
                        f"{link.last_detail or 'not a student in this course'}"
                    )
            entries = []
            for person_id, held in roles.items():
                person = uow.people.person(person_id)
                work = []
                for submission in uow.submissions.for_person(person_id):
                    version_id = submission.credential_version_id
                    if version_id not in titles:
                        titles[version_id] = uow.catalog.version(version_id).definition.title
                    work.append(
                        CohortWork(
                            titles[version_id],
                            submission.state,
                            submission.attempt_number,
                            submission.updated_at,
                            submission.context_id == context_id,
                        )
                    )
                work.sort(key=lambda item: item.updated_at, reverse=True)
                entries.append(
                    CohortEntry(
                        person.id,
                        person.display_name,
                        person.email,
                        frozenset(held),
                        tuple(work),
                        tuple(refused.get(person.id, ())),
                    )
                )
            return sorted(entries, key=lambda entry: entry.display_name.casefold())
