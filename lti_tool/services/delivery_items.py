"""What a delivery sends: the award, the educator, the credit lines and stipend, gathered when it
runs; and the provisional credit and stipend sources used until the credit rules land."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from lti_tool.domain.delivery import (
    Delivery,
    DeliveryAction,
    DeliveryItem,
    DeliveryTarget,
    idempotency_key,
)
from lti_tool.domain.errors import ConflictError, NotFoundError
from lti_tool.domain.model import CredentialVersion, ExternalIdentity
from lti_tool.domain.roles import IdentityKind
from lti_tool.ports import UnitOfWork
from lti_tool.ports_delivery import AwardHolder, CreditLineSource, StipendSource
from lti_tool.services.credentials import IssueOutcome

EDUCATOR_ID_KINDS = (IdentityKind.STATE_EDUCATOR_ID, IdentityKind.EMPLOYEE_ID)
"""The ids PD and HR systems know educators by, best first; our person id is the fallback."""


def cached_version(
    uow: UnitOfWork, cache: dict[str, CredentialVersion], version_id: str
) -> CredentialVersion:
    """Credential versions never change once written, so each is read and parsed once."""
    found = cache.get(version_id)
    if found is None:
        found = cache[version_id] = uow.catalog.version(version_id)
    return found


@dataclass(frozen=True)
class ItemSources:
    credit: CreditLineSource
    stipends: StipendSource
    provider_name: str
    versions: dict[str, CredentialVersion] = field(default_factory=dict)


def educator_id(uow: UnitOfWork, person_id: str) -> str:
    return pick_educator_id(uow.people.identities_of(person_id), person_id)


def pick_educator_id(identities: Iterable[ExternalIdentity], person_id: str) -> str:
    found = list(identities)
    for kind in EDUCATOR_ID_KINDS:
        for identity in found:
            if identity.kind is kind and identity.value:
                return identity.value
    return person_id


def build_item(
    uow: UnitOfWork,
    sources: ItemSources,
    delivery: Delivery,
    target: DeliveryTarget,
    verification_url: str,
    holder: AwardHolder | None = None,
) -> DeliveryItem:
    """The item for ``delivery`` (inside ``uow``; credit and stipends are read after).

    ``holder`` is the award and educator when the caller read them for a batch already.
    """
    if holder is None:
        award = uow.awards.get(delivery.award_id)
        person = uow.people.person(award.person_id)
        educator = educator_id(uow, person.id)
    else:
        award, person = holder.award, holder.person
        educator = pick_educator_id(holder.identities, person.id)
    version = cached_version(uow, sources.versions, award.credential_version_id)
    revoked_at, reason = None, ""
    if delivery.action is DeliveryAction.REVOKE:
        credential = uow.credentials.for_award(award.id)
        if credential is None or credential.revoked_at is None:
            raise NotFoundError("The award's credential is not revoked.")
        revoked_at, reason = credential.revoked_at, credential.revocation_reason or ""
    return DeliveryItem(
        delivery_id=delivery.id,
        idempotency_key=delivery.idempotency_key,
        action=delivery.action,
        award_id=award.id,
        awarded_at=award.awarded_at,
        educator_id=educator,
        educator_name=person.display_name,
        educator_email=person.email or "",
        credential_slug=version.slug,
        credential_title=version.definition.title,
        credential_version=version.version,
        verification_url=verification_url,
        provider_name=sources.provider_name,
        provider_number=target.config.get("provider_number", ""),
        revoked_at=revoked_at,
        revocation_reason=reason,
        award_key=idempotency_key(target.id, award.id, DeliveryAction.AWARD.value),
    )


def with_credit(item: DeliveryItem, sources: ItemSources) -> DeliveryItem:
    """The item with its credit lines and stipend (each source opens its own transaction)."""
    return replace(
        item,
        lines=tuple(sources.credit.lines_for_award(item.award_id)),
        stipend=sources.stipends.amount_for_award(item.award_id),
    )


class CredentialLinks:
    """The public page of an award's Open Badge, issuing it first when the worker has not yet
    (issuing is idempotent; a clash with the issuing consumer reads the winner's)."""

    def __init__(self, issue: Callable[[str], IssueOutcome], base_url: str) -> None:
        self._issue = issue
        self._base = base_url.rstrip("/")

    def for_credential(self, credential_id: str) -> str:
        return f"{self._base}/credentials/{credential_id}"

    def for_award(self, award_id: str) -> str:
        try:
            outcome = self._issue(award_id)
        except ConflictError:
            outcome = self._issue(award_id)
        return self.for_credential(outcome.credential.id)
