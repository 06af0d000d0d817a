"""Issue an Open Badges 3.0 credential for every award, publish it, and revoke it.

Issuing consumes the ``credential.awarded`` outbox event, so an award commits without waiting for
signatures, and a crash between award and issue is repaired by the worker. Issuing is
idempotent: an award that already has a credential is left as it is.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from lti_tool.domain import ob2
from lti_tool.domain.badges import (
    CredentialKind,
    IssuedCredential,
    IssuerKey,
    IssuerProfile,
    StackPolicy,
)
from lti_tool.domain.errors import ConflictError, NotFoundError, ValidationError
from lti_tool.domain.model import OutboxEvent, Person, new_id
from lti_tool.domain.ob3 import (
    OB_CONTEXT,
    VC_V2_CONTEXT,
    CredentialFacts,
    CreditClaim,
    Recipient,
    achievement_for_credential,
    achievement_for_stack,
    open_badge_credential,
    profile,
    results,
    revocation_list_url,
)
from lti_tool.domain.review import final_scores
from lti_tool.domain.roles import IdentityKind, Role
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.ports_badges import CredentialProofs, IssuedFilter, SignedCredential
from lti_tool.services.common import Actor, Page, page_bounds, record
from lti_tool.services.listing import ListQuery

ENTITY = "credential"
MAX_REASON = 500


def find_issuer(uow: UnitOfWork, person: Person) -> IssuerProfile | None:
    """The issuer of the nearest organisation up the tree (school → district → state) that has
    one, else the instance-wide default."""
    organization_id = person.organization_id
    seen: set[str] = set()
    while organization_id and organization_id not in seen:
        seen.add(organization_id)
        issuer = uow.issuers.for_organization(organization_id)
        if issuer is not None:
            return issuer
        organization_id = uow.people.organization(organization_id).parent_id
    return uow.issuers.for_organization(None)


def ensure_issuer(uow: UnitOfWork, person: Person, default_name: str) -> IssuerProfile:
    issuer = find_issuer(uow, person)
    if issuer is None:
        issuer = IssuerProfile(id=new_id(), name=default_name, organization_id=None)
        uow.issuers.add(issuer)
    return issuer


def recipient_for(uow: UnitOfWork, person: Person, salt: str) -> Recipient:
    subjects = [
        identity.value
        for identity in uow.people.identities_of(person.id)
        if identity.kind is IdentityKind.LTI_SUBJECT
    ]
    return Recipient(email=person.email, lti_user_id=subjects[0] if subjects else None, salt=salt)


RevokedHook = Callable[[UnitOfWork, IssuedCredential, str], None]
"""(the revocation's unit of work, the revoked credential, the person id of who revoked it)."""


@dataclass(frozen=True)
class IssueOutcome:
    credential: IssuedCredential
    newly_issued: bool


class CredentialService:
    """Issues, serves and revokes credentials.

    Args:
        proofs: signs with the issuer's keys (``lti_tool.badges``).
        base_url: the public origin credentials, issuers and achievements are published under.
        default_issuer_name: names the instance-wide issuer created on first issue.
        on_issued: called after each new credential commits (stack completion hooks in here).
        on_stored: called inside the transaction that stores each new credential (grade
            passback queues stack scores there).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        proofs: CredentialProofs,
        base_url: str,
        default_issuer_name: str = "credbridge",
        salt: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._proofs = proofs
        self.base_url = base_url.rstrip("/")
        self._default_issuer_name = default_issuer_name
        self._salt = salt
        self.on_issued: list[Callable[[IssuedCredential], None]] = []
        self.on_stored: list[Callable[[UnitOfWork, IssuedCredential], None]] = []
        """Run inside the transaction that stores a new credential (outbox rows go there)."""
        self.on_revoked: list[RevokedHook] = []
        """Run inside the revocation's transaction: delivery targets add their outbox rows, the
        award's credit lines are marked revoked, its stipend is rejected or put on HR's review
        list; any failure rolls the revocation back."""

    # -- issuing ------------------------------------------------------------------------------

    def consume_awarded(self, event: OutboxEvent) -> None:
        """The ``credential.awarded`` consumer."""
        self.issue_for_award(str(event.payload["award_id"]))

    def issue_for_award(self, award_id: str) -> IssueOutcome:
        now = self._clock.now()
        with self._uow() as uow:
            existing = uow.credentials.for_award(award_id)
            if existing is not None:
                return IssueOutcome(existing, False)
            award = uow.awards.get(award_id)
            person = uow.people.person(award.person_id)
            issuer = ensure_issuer(uow, person, self._default_issuer_name)
            uow.commit()
            version = uow.catalog.version(award.credential_version_id)
            submission = uow.submissions.get(award.submission_id)
            reviews = uow.reviews.for_attempt(submission.id, submission.attempt_number)
            salt = self._salt()
            recipient = recipient_for(uow, person, salt)
        definition = version.definition
        achievement = achievement_for_credential(
            self.base_url,
            issuer,
            version.id,
            definition,
            definition.edition or str(version.version),
        )
        credits = (
            [CreditClaim(definition.credit.amount, definition.credit.unit, issuer.jurisdiction)]
            if definition.credit
            else []
        )
        credential_id = new_id()
        facts = CredentialFacts(
            credential_id=credential_id,
            base_url=self.base_url,
            issuer=issuer,
            achievement_id=version.id,
            achievement_version=definition.edition,
            recipient=recipient,
            issued_at=now,
            evidence_url=f"{self.base_url}/submissions/{submission.id}/evidence",
            credits=credits,
        )
        document = open_badge_credential(
            facts, achievement, results(achievement, definition, final_scores(reviews))
        )
        self._check_shape(document)
        signed = self._proofs.sign(document, issuer.id, now)
        issued = IssuedCredential(
            id=credential_id,
            kind=CredentialKind.CREDENTIAL,
            issuer_id=issuer.id,
            person_id=person.id,
            achievement_id=version.id,
            title=definition.title,
            document=signed.document,
            jwt=signed.jwt,
            recipient_salt=salt,
            issued_at=now,
            award_id=award.id,
        )
        return self._store(issued, lambda uow: uow.credentials.for_award(award_id))

    def _store(
        self,
        issued: IssuedCredential,
        already: Callable[[UnitOfWork], IssuedCredential | None],
    ) -> IssueOutcome:
        try:
            with self._uow() as uow:
                uow.credentials.add(issued)
                record(
                    uow, issued.issued_at, None, ENTITY, issued.id, "issue", None, "issued",
                    issued.title,
                )  # fmt: skip
                for stored_hook in self.on_stored:
                    stored_hook(uow, issued)
                uow.commit()
        except ConflictError:
            with self._uow() as uow:
                winner = already(uow)
            if winner is None:
                raise
            return IssueOutcome(winner, False)
        for hook in self.on_issued:
            hook(issued)
        return IssueOutcome(issued, True)

    def _check_shape(self, document: dict[str, Any]) -> None:
        """Never sign a credential that would not verify as an Open Badge."""
        problems = self._proofs.schema_problems(document)
        if problems:
            raise ValidationError(
                "The credential built for this award does not conform to Open Badges 3.0; it "
                "was not issued.",
                problems,
            )

    def sign_and_store(
        self,
        issued: IssuedCredential,
        document: dict[str, Any],
        already: Callable[[UnitOfWork], IssuedCredential | None],
    ) -> IssueOutcome:
        """Sign ``document`` for ``issued`` and store it (stack credentials use this)."""
        self._check_shape(document)
        signed: SignedCredential = self._proofs.sign(document, issued.issuer_id, issued.issued_at)
        return self._store(replace(issued, document=signed.document, jwt=signed.jwt), already)

    # -- reading ------------------------------------------------------------------------------

    def get(self, credential_id: str) -> IssuedCredential:
        with self._uow() as uow:
            return uow.credentials.get(credential_id)

    def issued(
        self, actor: Actor, query: ListQuery, filters: IssuedFilter | None = None
    ) -> Page[IssuedCredential]:
        """One page of every credential (newest first unless sorted), for the issuer of record."""
        actor.require(Role.ISSUER)
        page, per_page, offset = page_bounds(query.page, query.per_page)
        with self._uow() as uow:
            found = uow.credentials.page(per_page, offset, filters, query.sort, query.descending)
            return Page(found, uow.credentials.count(filters), page, per_page)

    def mine(self, actor: Actor) -> list[IssuedCredential]:
        with self._uow() as uow:
            return uow.credentials.for_person(actor.person_id)

    def owned(self, actor: Actor, credential_id: str) -> IssuedCredential:
        """The actor's own credential (sharing pages); anyone else's is 'not found'."""
        credential = self.get(credential_id)
        if credential.person_id != actor.person_id:
            raise NotFoundError("No credential with that id was issued to you.")
        return credential

    def new_salt(self) -> str:
        """A fresh recipient salt (stack credentials use it too)."""
        return self._salt()

    def export(self) -> tuple[int, Iterator[IssuedCredential]]:
        """How many credentials there are, and all of them oldest first, read in batches."""
        with self._uow() as uow:
            total = uow.credentials.count()

        def every() -> Iterator[IssuedCredential]:
            with self._uow() as uow:
                yield from uow.credentials.each()

        return total, every()

    def issuers_with_keys(self) -> list[tuple[IssuerProfile, list[IssuerKey]]]:
        """Every issuer with its keys (private halves blanked), for listings."""
        with self._uow() as uow:
            return [
                (
                    issuer,
                    [replace(k, private_key_encrypted="") for k in uow.issuers.keys_of(issuer.id)],
                )
                for issuer in uow.issuers.all()
            ]

    def rotate_keys(self, issuer_id: str) -> list[IssuerKey]:
        """New keys of both kinds; the old ones retire but stay published."""
        self.issuer(issuer_id)
        return self._proofs.rotate(issuer_id, self._clock.now())

    def issuer(self, issuer_id: str) -> IssuerProfile:
        with self._uow() as uow:
            return uow.issuers.get(issuer_id)

    def update_issuer(
        self,
        issuer_id: str,
        *,
        name: str | None = None,
        url: str | None = None,
        email: str | None = None,
        assessor_name: str | None = None,
        stack_policy: StackPolicy | None = None,
        show_results: bool | None = None,
        jurisdiction: str | None = None,
    ) -> IssuerProfile:
        """Change what future credentials say about the issuer (issued ones never change)."""
        now = self._clock.now()
        with self._uow() as uow:
            issuer = uow.issuers.get(issuer_id)
            if name is not None and not name.strip():
                raise ValidationError("An issuer needs a name.")
            updated = replace(
                issuer,
                name=issuer.name if name is None else name.strip(),
                url=issuer.url if url is None else url or None,
                email=issuer.email if email is None else email or None,
                assessor_name=issuer.assessor_name if assessor_name is None else assessor_name,
                stack_policy=stack_policy or issuer.stack_policy,
                show_results=issuer.show_results if show_results is None else show_results,
                jurisdiction=issuer.jurisdiction if jurisdiction is None else jurisdiction,
            )
            changes = [field for field, value in (
                ("name", name), ("url", url), ("email", email), ("assessor", assessor_name),
                ("stack policy", stack_policy), ("results", show_results),
                ("jurisdiction", jurisdiction)) if value is not None]  # fmt: skip
            uow.issuers.save(updated)
            record(uow, now, None, "issuer", issuer_id, "update", None, None,
                   ", ".join(sorted(changes)))  # fmt: skip
            uow.commit()
            return updated

    def issuer_document(self, issuer_id: str) -> dict[str, Any]:
        """The issuer's ``Profile`` with every key it ever signed with."""
        issuer = self.issuer(issuer_id)
        document = profile(self.base_url, issuer)
        keys = self._proofs.public_keys(issuer_id)
        return {
            "@context": [VC_V2_CONTEXT, OB_CONTEXT],
            **document,
            "verificationMethod": keys,
            "assertionMethod": [key["id"] for key in keys],
        }

    def achievement_document(self, achievement_id: str) -> dict[str, Any]:
        """A credential version's (or ``stack-<slug>``'s) ``Achievement`` as published."""
        with self._uow() as uow:
            issuer = uow.issuers.for_organization(None) or IssuerProfile(
                id="default", name=self._default_issuer_name, organization_id=None
            )
            if achievement_id.startswith("stack-"):
                stack = uow.catalog.stack_by_slug(achievement_id.removeprefix("stack-"))
                if stack is None:
                    raise NotFoundError("No such achievement.")
                titles = [v.definition.title for v in uow.catalog.current_versions(stack.id)]
                document = achievement_for_stack(
                    self.base_url, issuer, achievement_id, stack.title, stack.description, titles
                )
            else:
                version = uow.catalog.version(achievement_id)
                definition = version.definition
                document = achievement_for_credential(
                    self.base_url, issuer, version.id, definition,
                    definition.edition or str(version.version),
                )  # fmt: skip
        return {"@context": [VC_V2_CONTEXT, OB_CONTEXT], **document}

    # -- Open Badges 2.0 ------------------------------------------------------------------------

    def ob2_assertion(self, credential_id: str) -> dict[str, Any]:
        credential = self.get(credential_id)
        return ob2.assertion(
            self.base_url, credential.id, credential.issuer_id, credential.achievement_id,
            credential.document,
            credential.revocation_reason, credential.revoked,
        )  # fmt: skip

    def ob2_badge_class(self, issuer_id: str, achievement_id: str) -> dict[str, Any]:
        self.issuer(issuer_id)
        return ob2.badge_class(self.base_url, issuer_id, self.achievement_document(achievement_id))

    def ob2_issuer(self, issuer_id: str, fallback_email: str) -> dict[str, Any]:
        issuer = self.issuer(issuer_id)
        return ob2.issuer_profile(
            self.base_url, issuer.id, issuer.name, issuer.url, issuer.email or fallback_email
        )

    def revocation_list(self, issuer_id: str) -> dict[str, Any]:
        """The ``1EdTechRevocationList`` document the credentials' ``credentialStatus`` names."""
        with self._uow() as uow:
            uow.issuers.get(issuer_id)
            revoked = uow.credentials.revoked(issuer_id)
        return {
            "id": revocation_list_url(self.base_url, issuer_id),
            "issuer": f"{self.base_url}/issuers/{issuer_id}",
            "revokedCredentials": [
                {
                    "id": credential.document.get("id", credential.id),
                    "revocationReason": credential.revocation_reason or "",
                }
                for credential in revoked
            ],
        }

    # -- revoking -----------------------------------------------------------------------------

    def revoke(self, actor: Actor, credential_id: str, reason: str) -> IssuedCredential:
        """Revoke with a reason the verifier shows; audited. Revoking twice is refused."""
        actor.require(Role.ISSUER)
        reason = reason.strip()
        if not reason:
            raise ValidationError("Say why the credential is revoked: verifiers show the reason.")
        if len(reason) > MAX_REASON:
            raise ValidationError(f"Keep the reason under {MAX_REASON} characters.")
        now: datetime = self._clock.now()
        with self._uow() as uow:
            credential = uow.credentials.get(credential_id)
            if credential.revoked:
                raise ConflictError("That credential is already revoked.")
            revoked = replace(credential, revoked_at=now, revocation_reason=reason)
            uow.credentials.save_revocation(revoked)
            record(uow, now, actor.person_id, ENTITY, credential.id, "revoke", "issued",
                   "revoked", reason)  # fmt: skip
            for hook in self.on_revoked:
                hook(uow, revoked, actor.person_id)
            uow.commit()
            return revoked
