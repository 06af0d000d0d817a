"""An admin's answers about roster people: who an ambiguous roster user is, and the employee id
HR receives. Every answer is in the audit trail, with the admin who gave it.

An ambiguous match (docs/roster.md, "One person, many systems") is answered by linking the
roster user to one of the people the rules found, or by keeping them separate: a new person is
made with only the identities nobody else holds, so no one else's identity moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roles import IdentityKind, Role
from lti_tool.domain.roster.matching import employee_id as employee_id_of
from lti_tool.ports import Clock, MatchQuestion, RosterUser, UnitOfWorkFactory
from lti_tool.ports_roster import RosterAdminStore, RosterAdminStoreFactory
from lti_tool.services.common import DEFAULT_PAGE_SIZE, Actor, Page, page_bounds, record
from lti_tool.services.people import NewPerson, PeopleService
from lti_tool.services.roster_identity import display_name, identities_for

MAX_EMPLOYEE_ID = 64


@dataclass(frozen=True)
class CandidateView:
    person_id: str
    display_name: str
    rules: tuple[str, ...]
    """Which matching rules pointed at this person."""


@dataclass(frozen=True)
class QuestionView:
    question: MatchQuestion
    candidates: tuple[CandidateView, ...]


class RosterAnswers:
    """Admin answers: resolve match questions, correct employee ids (audited)."""

    def __init__(
        self,
        stores: RosterAdminStoreFactory,
        people: PeopleService,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        employee_field: str,
    ) -> None:
        self._stores = stores
        self._people = people
        self._uow = uow_factory
        self._clock = clock
        self._employee_field = employee_field

    def question_page(
        self, actor: Actor, page: int = 1, per_page: int = DEFAULT_PAGE_SIZE
    ) -> Page[QuestionView]:
        """One page of the open questions, oldest first (a big import can ask many), with each
        candidate's name and the rules that found them."""
        actor.require(Role.ADMIN)
        page, per_page, offset = page_bounds(page, per_page)
        with self._stores() as store:
            total = store.count_questions()
            questions = store.questions(limit=per_page, offset=offset)
        return Page(self._views(questions), total, page, per_page)

    def _views(self, questions: list[MatchQuestion]) -> list[QuestionView]:
        views = []
        with self._uow() as uow:
            for question in questions:
                rules: dict[str, list[str]] = {}
                for candidate in question.candidates:
                    rules.setdefault(candidate["person_id"], []).append(candidate["rule"])
                candidates = tuple(
                    CandidateView(pid, uow.people.person(pid).display_name, tuple(found))
                    for pid, found in rules.items()
                )
                views.append(QuestionView(question, candidates))
        return views

    def answer(self, actor: Actor, question_id: int, person_id: str | None) -> str:
        """Link the question's roster user to ``person_id`` (one of its candidates), or with
        ``None`` to a new person of their own. Returns the linked person's id.

        Raises:
            NotFoundError: no such open question.
            ValidationError: ``person_id`` is not one of the candidates, or is already another
                roster user of the district.
        """
        actor.require(Role.ADMIN)
        with self._stores() as store:
            question = store.question(question_id)
            user = store.user(question.scope_id, question.sourced_id)
            employee = employee_id_of(self._employee_field, user.values, user.extra)
            identities = identities_for(question.scope_id, user.sourced_id, employee)
            if person_id is not None:
                self._check_candidate(store, question, person_id)
            else:
                identities = tuple(i for i in identities if not self._held(store, i))
        if person_id is None:
            person_id = self._new_person(actor, question, user, identities)
            note = f"kept roster user {user.sourced_id} apart: a new person"
        else:
            self._people.add_identities(person_id, identities)
            note = f"linked roster user {user.sourced_id} ({question.reason})"
        with self._stores() as store:
            store.link(question.scope_id, user.sourced_id, person_id, employee)
            store.close_question(question_id, self._clock.now())
            store.commit()
        with self._uow() as uow:
            record(uow, self._clock.now(), actor.person_id, "person", person_id,
                   "roster_link", None, question.scope_id, note)  # fmt: skip
            uow.commit()
        return person_id

    def set_employee_id(
        self, actor: Actor, scope_id: str, sourced_id: str, employee_id: str
    ) -> None:
        """Correct the employee id HR needs; raises ValidationError or NotFoundError."""
        actor.require(Role.ADMIN)
        value = employee_id.strip()
        if len(value) > MAX_EMPLOYEE_ID:
            raise ValidationError(f"An employee id has at most {MAX_EMPLOYEE_ID} characters.")
        with self._stores() as store:
            before = store.user(scope_id, sourced_id).employee_id
            store.set_employee_id(scope_id, sourced_id, value or None)
            store.commit()
        with self._uow() as uow:
            record(uow, self._clock.now(), actor.person_id, "organization", scope_id,
                   "roster_employee_id", before, value or None,
                   f"roster user {sourced_id}")  # fmt: skip
            uow.commit()

    def _check_candidate(self, store: RosterAdminStore, q: MatchQuestion, person_id: str) -> None:
        if person_id not in {c["person_id"] for c in q.candidates}:
            raise ValidationError("Choose one of the people the matching rules found.")
        other = store.sourced_ids_of(q.scope_id, {person_id}).get(person_id)
        if other and other != q.sourced_id:
            raise ValidationError(
                f"That person is already roster user {other!r} of this district; link them "
                "there or keep this user separate."
            )

    @staticmethod
    def _held(store: RosterAdminStore, identity: tuple[IdentityKind, str, str]) -> bool:
        kind, namespace, value = identity
        return bool(store.people_with_identity(kind, value, namespace))

    def _new_person(
        self,
        actor: Actor,
        question: MatchQuestion,
        user: RosterUser,
        identities: tuple[tuple[IdentityKind, str, str], ...],
    ) -> str:
        email = (user.values.get("email") or "").strip().lower() or None
        if email:
            with self._stores() as store:
                if store.people_with_identity(IdentityKind.EMAIL, email, ""):
                    email = None  # it stays with the person who has it
        roles = ((Role.EDUCATOR, question.scope_id),)
        spec = NewPerson(display_name(user), email, question.scope_id, roles, identities)
        return self._people.add_people([spec], actor_id=actor.person_id)[0].id
