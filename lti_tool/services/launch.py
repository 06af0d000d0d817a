"""Turn a validated LTI launch into a signed-in person with roles.

People are matched by their LTI subject per platform issuer; a first launch creates them, in an
organisation that stands for the registration until rosters place them in their school. Roles
from the launch are added (never removed: an admin's grants stay) for the launch's course.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lti_tool.domain.errors import ConflictError
from lti_tool.domain.lti import LaunchContext
from lti_tool.domain.lti_roles import map_roles
from lti_tool.domain.model import ExternalIdentity, Organization, Person, RoleAssignment, new_id
from lti_tool.domain.role_overrides import effective_roles
from lti_tool.domain.roles import IdentityKind, OrganizationKind, Role
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.services.common import record
from lti_tool.services.lti_links import queue_course_sync, remember_grade_link


@dataclass(frozen=True)
class SignedIn:
    person_id: str
    created: bool
    roles: frozenset[Role]


def lti_organization(uow: UnitOfWork, registration_id: str) -> Organization:
    """The organisation people of a registration join until rosters place them (made on first
    use, inside ``uow``)."""
    return _lti_organization(uow, registration_id)[0]


def _lti_organization(uow: UnitOfWork, registration_id: str) -> tuple[Organization, bool]:
    """:func:`lti_organization`, and whether it was made just now."""
    slug = f"lti-{registration_id}"
    organization = uow.people.organization_by_slug(slug)
    if organization is not None:
        return organization, False
    registration = uow.platforms.get(registration_id)
    organization = Organization(new_id(), registration.name, OrganizationKind.DISTRICT, None, slug)
    uow.people.add_organization(organization)
    return organization, True


def _display_name(context: LaunchContext) -> str:
    if context.name:
        return context.name
    if context.email:
        return context.email
    return f"LMS user {(context.subject or '?')[:8]}"


class LaunchService:
    """Signs people in from LTI launches."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, nrps_sync_seconds: float = 3600
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._nrps_sync_seconds = nrps_sync_seconds
        """An instructor's launch queues a roster read at most this often per course."""
        self._organization_ids: dict[str, str] = {}
        """Registration id to its LTI organisation's id (:meth:`_organization_id`)."""

    def sign_in(
        self, context: LaunchContext, before: Callable[[UnitOfWork], None] | None = None
    ) -> SignedIn:
        """Find or create the person behind a launch and grant the roles it carries.

        Args:
            context: The validated launch.
            before: Runs in the same transaction after the reads and before the first write
                (the launch's one-time state and nonce are consumed there, so a launch writes
                once); when it raises, nothing is written.
        """
        try:
            return self._sign_in(context, before)
        except ConflictError:
            # Two first launches of the same person at once: the other one created them.
            return self._sign_in(context, before)

    def _organization_id(self, uow: UnitOfWork, context: LaunchContext) -> str:
        """The registration's LTI organisation, read once per process: organisations are never
        deleted and keep their id, so a returning launch skips a read (about 0.1 ms of a
        2.5 ms login + launch, timed by hand through Flask's test client). One this launch
        makes is not remembered: its transaction may yet roll back."""
        known = self._organization_ids.get(context.registration_id)
        if known is not None:
            return known
        organization, made = _lti_organization(uow, context.registration_id)
        if not made:
            self._organization_ids[context.registration_id] = organization.id
        return organization.id

    def _sign_in(
        self, context: LaunchContext, before: Callable[[UnitOfWork], None] | None
    ) -> SignedIn:
        subject = context.subject or ""
        now = self._clock.now()
        with self._uow() as uow:
            # Reads first, writes last: on SQLite the first write takes the database's one
            # write lock until the commit, and every other worker's launch waits for it (in
            # sleeps of 1 ms and more). Reading before writing keeps the lock for the writes.
            # (Left after the first write: the registration read when the product family
            # changed, and the grade-link and course-sync checks, which read only for launches
            # with an AGS claim and a linked credential or stack, or an instructor's with NRPS.)
            organization_id = self._organization_id(uow, context)
            person = uow.people.find_by_identity(IdentityKind.LTI_SUBJECT, context.issuer, subject)
            created = person is None
            email_free = (
                created
                and bool(context.email)
                and uow.people.find_by_identity(IdentityKind.EMAIL, "", context.email or "") is None
            )
            held = (
                set()
                if person is None
                else {
                    (assignment.role, assignment.organization_id, assignment.context_id)
                    for assignment in uow.people.roles_of(person.id)
                }
            )
            overrides = [] if person is None else uow.role_overrides.of(person.id)
            if before is not None:
                before(uow)  # the first write: the launch's state and nonce are spent here
            if person is None:
                person = Person(new_id(), _display_name(context), context.email, organization_id)
                uow.people.add_person(person)
                uow.people.add_identity(
                    ExternalIdentity(person.id, IdentityKind.LTI_SUBJECT, context.issuer, subject)
                )
                if email_free:
                    uow.people.add_identity(
                        ExternalIdentity(person.id, IdentityKind.EMAIL, "", context.email or "")
                    )
                record(
                    uow,
                    now,
                    person.id,
                    "person",
                    person.id,
                    "create",
                    None,
                    None,
                    f"first LTI launch from {context.issuer}",
                )
            launch_roles = map_roles(context.roles)
            for role in sorted(launch_roles):
                if (role, organization_id, context.context_id) not in held:
                    held.add((role, organization_id, context.context_id))
                    uow.people.add_role(
                        RoleAssignment(person.id, role, organization_id, context.context_id)
                    )
                    record(
                        uow,
                        now,
                        None,
                        "person",
                        person.id,
                        "grant_role",
                        None,
                        role.value,
                        f"from LTI roles in course {context.context_id or '(none)'}",
                    )
            if context.product_family and (
                context.product_family != context.registered_product_family
            ):
                registration = uow.platforms.get(context.registration_id)
                if registration.product_family != context.product_family:
                    registration.product_family = context.product_family
                    uow.platforms.save(registration)
            record(
                uow,
                now,
                person.id,
                "person",
                person.id,
                "lti_launch",
                None,
                None,
                f"{context.message_type} in {context.context_title or context.context_id or '-'}",
            )
            remember_grade_link(uow, context, person.id, now)
            queue_course_sync(uow, context, launch_roles, now, self._nrps_sync_seconds)
            uow.commit()
        roles = effective_roles((role for role, _, _ in held), overrides)
        return SignedIn(person.id, created, roles)
