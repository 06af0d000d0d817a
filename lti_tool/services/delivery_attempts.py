"""A delivery batch: what its read transaction fetched, the work it holds, and what each
attempt leaves behind (the delivery's new state and its audit entry).

The consumer gathers a batch's attempts while it sends and writes them in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from lti_tool.domain.delivery import (
    AttemptResult,
    Delivery,
    DeliveryItem,
    DeliveryStatus,
    DeliveryTarget,
    Receipt,
)
from lti_tool.domain.errors import DomainError, NotFoundError
from lti_tool.domain.model import AuditEntry, OutboxEvent, new_id
from lti_tool.ports import UnitOfWork
from lti_tool.ports_delivery import AwardHolder

ENTITY = "delivery"
MAX_ANSWER = 4000


@dataclass(frozen=True)
class BatchReads:
    """What the batch's read transaction fetched once for every delivery in it."""

    targets: dict[str, DeliveryTarget]
    holders: dict[str, AwardHolder]
    """Each award's educator, ids and badge id (``credential_id``, once issued)."""


@dataclass(frozen=True)
class Job:
    event: OutboxEvent
    delivery: Delivery
    target: DeliveryTarget
    item: DeliveryItem
    issued: str | None
    """The award's credential id, when it is already issued."""


@dataclass(frozen=True)
class Attempt(AttemptResult):
    """One delivery attempt to record: the delivery's new state and its audit entry."""

    note: str = ""

    @classmethod
    def delivered(cls, delivery_id: str, target_name: str, receipt: Receipt) -> Attempt:
        answer = receipt.answer + (" (already held by the target)" if receipt.already_there else "")
        note = f"{target_name}: {receipt.status_code} {answer}"
        return cls(
            delivery_id=delivery_id,
            status=DeliveryStatus.DELIVERED,
            status_code=receipt.status_code,
            answer=answer,
            remote_ref=receipt.remote_ref,
            note=note,
        )

    @classmethod
    def failed(
        cls, delivery_id: str, target_name: str, status: DeliveryStatus, error: Exception
    ) -> Attempt:
        code = getattr(error, "status", None)
        answer = str(error) if isinstance(error, DomainError) else f"{type(error).__name__}"
        return cls(
            delivery_id=delivery_id,
            status=status,
            status_code=code if isinstance(code, int) else None,
            answer=answer,
            note=f"{target_name}: {answer}",
        )


def write_attempts(uow: UnitOfWork, attempts: Sequence[Attempt], now: datetime) -> None:
    """Each attempt's delivery state and audit entry, written together (in ``uow``): one query
    for the deliveries' current statuses (the audit's ``from``), one UPDATE executed for every
    attempt and one INSERT for every audit entry, no row loaded into the ORM."""
    before = uow.deliveries.statuses([attempt.delivery_id for attempt in attempts])
    if any(attempt.delivery_id not in before for attempt in attempts):
        raise NotFoundError("That delivery does not exist.")
    uow.deliveries.record_attempts(
        [replace(attempt, answer=attempt.answer[:MAX_ANSWER]) for attempt in attempts], now
    )
    uow.audit.append_many(
        [
            AuditEntry(
                id=new_id(),
                at=now,
                actor_id=None,
                entity_type=ENTITY,
                entity_id=attempt.delivery_id,
                action="attempt",
                from_state=before[attempt.delivery_id],
                to_state=attempt.status,
                note=attempt.note[:MAX_ANSWER],
            )
            for attempt in attempts
        ]
    )
