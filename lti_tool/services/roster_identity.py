"""Linking roster users to credbridge people by the rules of docs/roster.md.

Staff users (teachers, administrators, aides...) become people; students stay roster-only.
A user is linked when every identifier that finds someone finds the same person; a new person is
created when none does; anything else is queued for an admin and nothing is merged.
"""

from __future__ import annotations

from lti_tool.domain.roles import IdentityKind, Role
from lti_tool.domain.roster.entities import STAFF_ROLES
from lti_tool.domain.roster.matching import (
    Candidate,
    Outcome,
    Rule,
    decide,
    employee_id,
    parse_user_ids,
)
from lti_tool.domain.roster.report import ImportReport
from lti_tool.ports import Clock, RosterStore, RosterStoreFactory, RosterUser
from lti_tool.services.people import NewPerson, PeopleService

PAGE = 200


class IdentityLinker:
    """Finds or creates the person behind each unlinked staff user of a district."""

    def __init__(
        self, stores: RosterStoreFactory, people: PeopleService, clock: Clock, employee_field: str
    ) -> None:
        self._stores = stores
        self._people = people
        self._clock = clock
        self._employee_field = employee_field

    def candidates(self, store: RosterStore, scope_id: str, user: RosterUser) -> list[Candidate]:
        """Everyone an identifier of ``user`` points at, with the rule that found them."""
        found: list[Candidate] = []

        def look(rule: Rule, kind: str, value: str | None, namespace: str | None) -> None:
            if value:
                for person_id in sorted(store.people_with_identity(kind, value, namespace)):
                    found.append(Candidate(person_id, rule))

        look(Rule.SOURCED_ID, IdentityKind.ONEROSTER_SOURCED_ID, user.sourced_id, scope_id)
        employee = employee_id(self._employee_field, user.values, user.extra)
        look(Rule.EMPLOYEE_ID, IdentityKind.EMPLOYEE_ID, employee, scope_id)
        email = (user.values.get("email") or "").strip().lower()
        look(Rule.EMAIL, IdentityKind.EMAIL, email, "")
        for kind, value in parse_user_ids(user.values.get("user_ids")):
            if kind.casefold() == "lti":
                look(Rule.LTI_USER_ID, IdentityKind.LTI_SUBJECT, value, None)
        return found

    def link(self, scope_id: str, report: ImportReport) -> None:
        """Link every unlinked active staff user of the district; count into ``report``.

        Each page is read, then its new people are made through the people service (audited,
        one transaction per page), then the links are written: never two writers at once.
        """
        counts = report.count("people")
        after = ""
        while True:
            with self._stores() as store:
                users = store.unlinked_staff(scope_id, STAFF_ROLES, after, PAGE)
                decided = []
                for user in users:
                    found = self.candidates(store, scope_id, user)
                    others = store.sourced_ids_of(scope_id, {c.person_id for c in found})
                    decided.append((user, found, decide(user.sourced_id, found, others)))
            if not users:
                return
            after = users[-1].sourced_id
            links: list[tuple[str, str, str | None]] = []
            to_create: list[tuple[str, str | None, NewPerson]] = []
            claimed: dict[tuple[str, str], str] = {}
            questions: list[tuple[RosterUser, list[dict[str, str]], str]] = []
            for user, found, match in decided:
                employee = employee_id(self._employee_field, user.values, user.extra)
                identities = identities_for(scope_id, user.sourced_id, employee)
                if match.outcome is Outcome.AMBIGUOUS:
                    asked = [{"person_id": c.person_id, "rule": c.rule.value} for c in found]
                    questions.append((user, asked, match.reason))
                    counts.skipped += 1
                elif match.outcome is Outcome.LINK:
                    assert match.person_id is not None
                    self._people.add_identities(match.person_id, identities)
                    links.append((user.sourced_id, match.person_id, employee))
                    counts.updated += 1
                else:
                    email = (user.values.get("email") or "").strip().lower() or None
                    keys = [(k, v) for k, v in (("email", email), ("employee", employee)) if v]
                    twin = next((claimed[k] for k in keys if k in claimed), None)
                    if twin is not None:
                        reason = f"Shares an email or employee id with roster user {twin!r}."
                        questions.append((user, [], reason))
                        counts.skipped += 1
                        continue
                    claimed.update(dict.fromkeys(keys, user.sourced_id))
                    roles = ((Role.EDUCATOR, scope_id),)
                    spec = NewPerson(display_name(user), email, scope_id, roles, identities)
                    to_create.append((user.sourced_id, employee, spec))
            people = self._people.add_people([spec for _, _, spec in to_create])
            for (sourced_id, employee, _spec), person in zip(to_create, people, strict=True):
                links.append((sourced_id, person.id, employee))
            counts.created += len(people)
            with self._stores() as store:
                for sourced_id, person_id, employee in links:
                    store.link(scope_id, sourced_id, person_id, employee)
                now = self._clock.now()
                for user, asked, reason in questions:
                    store.ask(scope_id, user.sourced_id, display_name(user), asked, reason, now)
                store.commit()


def identities_for(
    scope_id: str, sourced_id: str, employee: str | None
) -> tuple[tuple[IdentityKind, str, str], ...]:
    pairs = [(IdentityKind.ONEROSTER_SOURCED_ID, scope_id, sourced_id)]
    if employee:
        pairs.append((IdentityKind.EMPLOYEE_ID, scope_id, employee))
    return tuple(pairs)


def display_name(user: RosterUser) -> str:
    given = user.values.get("preferred_given_name") or user.values.get("given_name") or ""
    family = user.values.get("preferred_family_name") or user.values.get("family_name") or ""
    return f"{given} {family}".strip() or user.sourced_id
