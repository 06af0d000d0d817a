"""What one delivery attempt leaves behind: the delivery's new state and its audit entry.

The consumer gathers a batch's attempts while it sends and writes them in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from lti_tool.domain.delivery import DeliveryStatus, Receipt
from lti_tool.domain.errors import DomainError
from lti_tool.ports import UnitOfWork
from lti_tool.services.common import record

ENTITY = "delivery"
MAX_ANSWER = 4000


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

    def write(self, uow: UnitOfWork, now: datetime) -> None:
        current = uow.deliveries.get(self.delivery_id)
        delivered = self.status is DeliveryStatus.DELIVERED
        uow.deliveries.save(
            replace(
                current,
                status=self.status,
                attempts=current.attempts + 1,
                last_status_code=self.status_code,
                last_answer=self.answer[:MAX_ANSWER],
                remote_ref=self.remote_ref or current.remote_ref,
                delivered_at=now if delivered else current.delivered_at,
                updated_at=now,
            )
        )
        record(
            uow,
            now,
            None,
            ENTITY,
            self.delivery_id,
            "attempt",
            current.status,
            self.status,
            self.note[:MAX_ANSWER],
        )
