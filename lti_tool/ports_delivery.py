"""Ports of delivery: the targets (``connectors/pdms``), where credit and stipends come from, and
the repositories of targets and per-delivery records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from lti_tool.domain.credit_lines import CreditLine
from lti_tool.domain.delivery import (
    AttemptResult,
    Delivery,
    DeliveryItem,
    DeliveryStatus,
    DeliveryTarget,
    Receipt,
)
from lti_tool.domain.model import Award, ExternalIdentity, Person

if TYPE_CHECKING:  # ports imports this module: the unit of work is only named here
    from lti_tool.ports import UnitOfWork


@dataclass(frozen=True)
class AwardHolder:
    """An award with its educator and the educator's external ids (what an item names)."""

    award: Award
    person: Person
    identities: tuple[ExternalIdentity, ...]
    credential_id: str | None = None
    """The award's issued Open Badge, when it is issued yet."""


class DeliveryAdapter(Protocol):
    """One connected PD/HR system. Raises ``RetryLater`` (429, 5xx, timeouts) or
    ``DeliveryRefused`` (400/401/403, with the answer) from ``lti_tool.domain.errors``."""

    def deliver(self, item: DeliveryItem) -> Receipt:
        """Send an award or a revocation (``item.action``). Sending the same item twice is
        harmless: targets get ``item.idempotency_key`` or upsert on a natural key."""
        ...

    def check(self) -> str:
        """Test the connection (credentials, version); what the target said, in a line."""
        ...

    def holds(self, item: DeliveryItem) -> bool | None:
        """Whether the target holds the award now; ``None`` when it cannot be re-read."""
        ...


@runtime_checkable
class Exportable(Protocol):
    """A target whose deliveries can also be downloaded as one file (CSV export)."""

    def export(self, items: Iterable[DeliveryItem]) -> bytes: ...


class CertificateMaker(Protocol):
    def __call__(self, item: DeliveryItem) -> bytes:
        """The PDF certificate of one award."""
        ...


class AdapterFactory(Protocol):
    def __call__(
        self, kind: str, config: Mapping[str, str], secrets: Mapping[str, str]
    ) -> DeliveryAdapter:
        """The adapter of a target kind (``edfi``, ``webhook``, ``sif``, ``csv_export``)."""
        ...


class CreditLineSource(Protocol):
    """Credit lines of an award (the credit rules' ``CreditService.lines_for_award``)."""

    def lines_for_award(self, award_id: str) -> list[CreditLine]: ...
    def lines_in(self, uow: UnitOfWork, award_ids: Sequence[str]) -> dict[str, list[CreditLine]]:
        """Each award's current lines, inside the caller's transaction (the worker's batch)."""
        ...


class StipendSource(Protocol):
    """The stipend amount an award carries, when there is one (SIF sends it)."""

    def amount_for_award(self, award_id: str) -> Decimal | None: ...
    def amounts_in(self, uow: UnitOfWork, award_ids: Sequence[str]) -> dict[str, Decimal | None]:
        """:meth:`amount_for_award` of each award, inside the caller's transaction."""
        ...


class VerificationLinks(Protocol):
    """The public verification URL of an award's credential (issuing it first if needed)."""

    def for_award(self, award_id: str) -> str: ...
    def for_credential(self, credential_id: str) -> str:
        """The link of a credential already issued (no database work)."""
        ...


class SecretSealer(Protocol):
    """Encrypts connector secrets at rest (``lti_tool.crypto.SecretBox``)."""

    def encrypt(self, plain: str) -> str: ...
    def decrypt(self, token: str) -> str: ...
    def reencrypt(self, token: str) -> str:
        """The token under the newest key (after a key rotation)."""
        ...


class DeliveryTargetRepository(Protocol):
    def add(self, target: DeliveryTarget) -> None:
        """Raises ConflictError (at commit) when the name is taken."""
        ...

    def save(self, target: DeliveryTarget) -> None: ...
    def get(self, target_id: str) -> DeliveryTarget:
        """Raises NotFoundError."""
        ...

    def by_name(self, name: str) -> DeliveryTarget | None: ...
    def active(self) -> list[DeliveryTarget]: ...
    def all(self) -> list[DeliveryTarget]: ...


class DeliveryRepository(Protocol):
    def add(self, delivery: Delivery) -> None: ...
    def save(self, delivery: Delivery) -> None: ...
    def get(self, delivery_id: str) -> Delivery:
        """Raises NotFoundError."""
        ...

    def get_many(self, delivery_ids: Sequence[str]) -> dict[str, Delivery]:
        """The deliveries that exist, in one query; a later ``get`` or ``save`` of one of them
        in the same unit of work needs no query of its own (a worker's batch)."""
        ...

    def save_many(self, deliveries: Sequence[Delivery]) -> None:
        """:meth:`save` of several, written together."""
        ...

    def statuses(self, delivery_ids: Sequence[str]) -> dict[str, DeliveryStatus]:
        """The status of each delivery that exists, in one query."""
        ...

    def record_attempts(self, results: Sequence[AttemptResult], now: datetime) -> None:
        """Apply each attempt's result to its delivery in place (``attempts + 1``), all in one
        statement executed for the batch, without loading the rows first."""
        ...

    def find(self, target_id: str, award_id: str, action: str) -> Delivery | None: ...
    def for_award(self, award_id: str) -> list[Delivery]: ...
    def for_target(
        self, target_id: str, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Delivery]:
        """Newest first."""
        ...

    def status_counts(self, target_id: str) -> dict[str, int]: ...
    def awards_without(self, target_id: str, limit: int) -> list[str]:
        """Award ids (oldest first) that have no award delivery to the target yet."""
        ...

    def holders(self, award_ids: Sequence[str]) -> dict[str, AwardHolder]:
        """Each existing award with its educator, ids and issued badge, in two queries (a
        worker's batch)."""
        ...

    def revoked_awards(self, award_ids: list[str]) -> dict[str, tuple[datetime, str]]:
        """Of these awards, those whose credential is revoked: when and why."""
        ...
