"""A delivery batch: what its read transaction fetched, the work it holds, and what each
attempt leaves behind (the delivery's new state and its audit entry).

The consumer gathers a batch's attempts while it sends and writes them in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from lti_tool.domain.delivery import Delivery, DeliveryItem, DeliveryStatus, DeliveryTarget, Receipt
from lti_tool.domain.errors import DomainError, NotFoundError
from lti_tool.domain.model import OutboxEvent
from lti_tool.ports import UnitOfWork
from lti_tool.ports_delivery import AwardHolder
from lti_tool.services.common import record

ENTITY = "delivery"
MAX_ANSWER = 4000


@dataclass(frozen=True)
class BatchReads:
    """What the batch's read transaction fetched once for every delivery in it."""

    targets: dict[str, DeliveryTarget]
    issued: dict[str, str]
    holders: dict[str, AwardHolder]


@dataclass(frozen=True)
class Job:
    event: OutboxEvent
    delivery: Delivery
    target: DeliveryTarget
    item: DeliveryItem
    issued: str | None
    """The award's credential id, when it is already issued."""


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt to record: the delivery's new state and its audit entry."""

    delivery_id: str
    status: DeliveryStatus
    status_code: int | None
    answer: str
    note: str
    remote_ref: str | None = None

    @classmethod
    def delivered(cls, delivery_id: str, target_name: str, receipt: Receipt) -> Attempt:
        answer = receipt.answer + (" (already held by the target)" if receipt.already_there else "")
        note = f"{target_name}: {receipt.status_code} {answer}"
        return cls(
            delivery_id,
            DeliveryStatus.DELIVERED,
            receipt.status_code,
            answer,
            note,
            receipt.remote_ref,
        )

    @classmethod
    def failed(
        cls, delivery_id: str, target_name: str, status: DeliveryStatus, error: Exception
    ) -> Attempt:
        code = getattr(error, "status", None)
        answer = str(error) if isinstance(error, DomainError) else f"{type(error).__name__}"
        return cls(
            delivery_id,
            status,
            code if isinstance(code, int) else None,
            answer,
            f"{target_name}: {answer}",
        )


def write_attempts(uow: UnitOfWork, attempts: Sequence[Attempt], now: datetime) -> None:
    """Each attempt's delivery state and audit entry, written together (in ``uow``)."""
    current = uow.deliveries.get_many([attempt.delivery_id for attempt in attempts])
    updated = []
    for attempt in attempts:
        before = current.get(attempt.delivery_id)
        if before is None:
            raise NotFoundError("That delivery does not exist.")
        delivered = attempt.status is DeliveryStatus.DELIVERED
        updated.append(
            replace(
                before,
                status=attempt.status,
                attempts=before.attempts + 1,
                last_status_code=attempt.status_code,
                last_answer=attempt.answer[:MAX_ANSWER],
                remote_ref=attempt.remote_ref or before.remote_ref,
                delivered_at=now if delivered else before.delivered_at,
                updated_at=now,
            )
        )
        record(
            uow,
            now,
            None,
            ENTITY,
            attempt.delivery_id,
            "attempt",
            before.status,
            attempt.status,
            attempt.note[:MAX_ANSWER],
        )
    uow.deliveries.save_many(updated)
