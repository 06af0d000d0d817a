"""Stack credentials: holding every credential of a stack earns the stack's own credential.

Per issuer policy it is issued at once (``auto``) or waits for the issuer of record (``queue``).
Revoked credentials do not count toward a stack.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lti_tool.domain.badges import (
    CredentialKind,
    IssuedCredential,
    StackAward,
    StackAwardState,
    StackPolicy,
)
from lti_tool.domain.errors import ConflictError, PermissionDeniedError
from lti_tool.domain.model import Person, Stack, new_id
from lti_tool.domain.ob3 import CredentialFacts, achievement_for_stack, open_badge_credential
from lti_tool.domain.roles import Role
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.services.common import Actor, record
from lti_tool.services.credentials import CredentialService, IssueOutcome, recipient_for

ENTITY = "stack_award"


@dataclass(frozen=True)
class PendingStack:
    award: StackAward
    person: Person
    stack: Stack


def stack_progress(uow: UnitOfWork, person_id: str, stack_id: str) -> tuple[int, int]:
    """(held, required): how many of the stack's credentials the person holds unrevoked, and how
    many the stack has."""
    required = {version.credential_id for version in uow.catalog.current_versions(stack_id)}
    held = {
        uow.catalog.version(credential.achievement_id).credential_id
        for credential in uow.credentials.for_person(person_id)
        if credential.kind is CredentialKind.CREDENTIAL and not credential.revoked
    }
    return len(required & held), len(required)


def _complete(uow: UnitOfWork, person_id: str, stack_id: str) -> bool:
    held, required = stack_progress(uow, person_id, stack_id)
    return required > 0 and held == required


class StackAwardService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, credentials: CredentialService
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._credentials = credentials

    def on_issued(self, issued: IssuedCredential) -> None:
        """Hooked to :class:`CredentialService`: a new credential may complete its stack."""
        if issued.kind is not CredentialKind.CREDENTIAL:
            return
        now = self._clock.now()
        with self._uow() as uow:
            stack_id = uow.catalog.version(issued.achievement_id).stack_id
            if uow.stack_awards.find(issued.person_id, stack_id) is not None:
                return
            if not _complete(uow, issued.person_id, stack_id):
                return
            issuer = uow.issuers.get(issued.issuer_id)
            auto = issuer.stack_policy is StackPolicy.AUTO
            award = StackAward(
                id=new_id(),
                person_id=issued.person_id,
                stack_id=stack_id,
                issuer_id=issuer.id,
                state=StackAwardState.AWARDED if auto else StackAwardState.PENDING,
                created_at=now,
                decided_at=now if auto else None,
            )
            uow.stack_awards.add(award)
            record(uow, now, None, ENTITY, award.id, "create", None, award.state.value,
                   "every credential of the stack is held")  # fmt: skip
            try:
                uow.commit()
            except ConflictError:
                return  # a concurrent issue created it first
        if auto:
            self.issue(award)

    def pending(self, actor: Actor) -> list[PendingStack]:
        actor.require(Role.ISSUER)
        with self._uow() as uow:
            awards = uow.stack_awards.in_state(StackAwardState.PENDING)
            return [
                PendingStack(
                    award, uow.people.person(award.person_id), uow.catalog.stack(award.stack_id)
                )
                for award in awards
            ]

    def decide(self, actor: Actor, stack_award_id: str, approve: bool) -> StackAward:
        actor.require(Role.ISSUER)
        now = self._clock.now()
        with self._uow() as uow:
            award = uow.stack_awards.get(stack_award_id)
            if award.state is not StackAwardState.PENDING:
                raise ConflictError("That stack credential was already decided.")
            if award.person_id == actor.person_id:
                raise PermissionDeniedError("You cannot decide on your own stack credential.")
            state = StackAwardState.AWARDED if approve else StackAwardState.DECLINED
            decided = replace(award, state=state, decided_at=now, decided_by=actor.person_id)
            uow.stack_awards.save(decided)
            record(uow, now, actor.person_id, ENTITY, award.id, "decide", "pending", state.value)
            uow.commit()
        if approve:
            self.issue(decided)
        return decided

    def issue(self, award: StackAward) -> IssueOutcome:
        """The stack's credential for an awarded stack (idempotent)."""
        now = self._clock.now()
        base = self._credentials.base_url
        with self._uow() as uow:
            existing = uow.credentials.for_stack_award(award.id)
            if existing is not None:
                return IssueOutcome(existing, False)
            stack = uow.catalog.stack(award.stack_id)
            titles = [
                version.definition.title for version in uow.catalog.current_versions(stack.id)
            ]
            issuer = uow.issuers.get(award.issuer_id)
            person = uow.people.person(award.person_id)
            salt = self._credentials.new_salt()
            recipient = recipient_for(uow, person, salt)
        achievement_id = f"stack-{stack.slug}"
        achievement = achievement_for_stack(
            base, issuer, achievement_id, stack.title, stack.description, titles
        )
        credential_id = new_id()
        document = open_badge_credential(
            CredentialFacts(
                credential_id=credential_id,
                base_url=base,
                issuer=issuer,
                achievement_id=achievement_id,
                achievement_version=None,
                recipient=recipient,
                issued_at=now,
                evidence_url=None,
            ),
            achievement,
        )
        issued = IssuedCredential(
            id=credential_id,
            kind=CredentialKind.STACK,
            issuer_id=issuer.id,
            person_id=person.id,
            achievement_id=achievement_id,
            title=stack.title,
            document={},
            jwt="",
            recipient_salt=salt,
            issued_at=now,
            stack_award_id=award.id,
        )
        return self._credentials.sign_and_store(
            issued, document, lambda uow: uow.credentials.for_stack_award(award.id)
        )
