"""Delivery targets and per-delivery records over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from lti_tool.db.models import (
    AwardRow,
    DeliveryRow,
    DeliveryTargetRow,
    ExternalIdentityRow,
    IssuedCredentialRow,
    PersonRow,
)
from lti_tool.db.repositories.events import _award as award_from_row
from lti_tool.db.repositories.people import _person as person_from_row
from lti_tool.domain.delivery import (
    AttemptResult,
    Delivery,
    DeliveryAction,
    DeliveryStatus,
    DeliveryTarget,
)
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.model import ExternalIdentity
from lti_tool.domain.roles import IdentityKind
from lti_tool.ports_delivery import AwardHolder


def _target(row: DeliveryTargetRow) -> DeliveryTarget:
    return DeliveryTarget(
        id=row.id,
        kind=row.kind,
        name=row.name,
        config={str(k): str(v) for k, v in row.config.items()},
        sealed_secrets=row.sealed_secrets,
        created_at=row.created_at,
        updated_at=row.updated_at,
        active=row.active,
    )


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        target_id=row.target_id,
        award_id=row.award_id,
        action=DeliveryAction(row.action),
        status=DeliveryStatus(row.status),
        idempotency_key=row.idempotency_key,
        created_at=row.created_at,
        updated_at=row.updated_at,
        attempts=row.attempts,
        last_status_code=row.last_status_code,
        last_answer=row.last_answer,
        remote_ref=row.remote_ref,
        delivered_at=row.delivered_at,
    )


def _fill_target(row: DeliveryTargetRow, target: DeliveryTarget) -> None:
    row.kind, row.name, row.config = target.kind, target.name, dict(target.config)
    row.sealed_secrets, row.active = target.sealed_secrets, target.active
    row.created_at, row.updated_at = target.created_at, target.updated_at


def _fill_delivery(row: DeliveryRow, delivery: Delivery) -> None:
    row.target_id, row.award_id = delivery.target_id, delivery.award_id
    row.action, row.status = delivery.action.value, delivery.status.value
    row.idempotency_key, row.attempts = delivery.idempotency_key, delivery.attempts
    row.last_status_code, row.last_answer = delivery.last_status_code, delivery.last_answer
    row.remote_ref, row.delivered_at = delivery.remote_ref, delivery.delivered_at
    row.created_at, row.updated_at = delivery.created_at, delivery.updated_at


_DELIVERIES = cast(Table, DeliveryRow.__table__)
_RECORD_ATTEMPT = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        attempts=_DELIVERIES.c.attempts + 1,
        last_status_code=bindparam("b_code"),
        last_answer=bindparam("b_answer"),
        remote_ref=func.coalesce(
            bindparam("b_ref", type_=_DELIVERIES.c.remote_ref.type), _DELIVERIES.c.remote_ref
        ),
        delivered_at=func.coalesce(
            bindparam("b_delivered", type_=_DELIVERIES.c.delivered_at.type),
            _DELIVERIES.c.delivered_at,
        ),
        updated_at=bindparam("b_now"),
    )
)
"""One attempt applied in place (Core, executed once for a batch's parameter list): no row is
loaded, ``attempts`` counts up in the statement, an earlier ``remote_ref`` and
``delivered_at`` stay unless this attempt brings its own."""


class SqlDeliveryTargetRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, target: DeliveryTarget) -> None:
        row = DeliveryTargetRow(id=target.id)
        _fill_target(row, target)
        self._session.add(row)
        self._session.flush()

    def save(self, target: DeliveryTarget) -> None:
        row = self._session.get(DeliveryTargetRow, target.id)
        assert row is not None
        _fill_target(row, target)
        self._session.flush()

    def get(self, target_id: str) -> DeliveryTarget:
        row = self._session.get(DeliveryTargetRow, target_id)
        if row is None:
            raise NotFoundError("That delivery target does not exist.")
        return _target(row)

    def by_name(self, name: str) -> DeliveryTarget | None:
        row = self._session.scalar(select(DeliveryTargetRow).where(DeliveryTargetRow.name == name))
        return _target(row) if row else None

    def active(self) -> list[DeliveryTarget]:
        query = select(DeliveryTargetRow).where(DeliveryTargetRow.active.is_(True))
        return [
            _target(row) for row in self._session.scalars(query.order_by(DeliveryTargetRow.name))
        ]

    def all(self) -> list[DeliveryTarget]:
        query = select(DeliveryTargetRow).order_by(DeliveryTargetRow.name)
        return [_target(row) for row in self._session.scalars(query)]


class SqlDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._held: dict[str, DeliveryRow] = {}
        """Rows of a batch, held so the session's (weak) identity map keeps them for ``get``."""

    def add(self, delivery: Delivery) -> None:
        row = DeliveryRow(id=delivery.id)
        _fill_delivery(row, delivery)
        self._session.add(row)
        self._session.flush()

    def save(self, delivery: Delivery) -> None:
        row = self._session.get(DeliveryRow, delivery.id)
        assert row is not None
        _fill_delivery(row, delivery)
        self._session.flush()

    def get(self, delivery_id: str) -> Delivery:
        row = self._session.get(DeliveryRow, delivery_id)
        if row is None:
            raise NotFoundError("That delivery does not exist.")
        return _delivery(row)

    def get_many(self, delivery_ids: Sequence[str]) -> dict[str, Delivery]:
        if not delivery_ids:
            return {}
        rows = self._session.scalars(select(DeliveryRow).where(DeliveryRow.id.in_(delivery_ids)))
        self._held.update({row.id: row for row in rows})
        return {key: _delivery(self._held[key]) for key in delivery_ids if key in self._held}

    def save_many(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            row = self._session.get(DeliveryRow, delivery.id)
            assert row is not None
            _fill_delivery(row, delivery)
        self._session.flush()

    def statuses(self, delivery_ids: Sequence[str]) -> dict[str, DeliveryStatus]:
        if not delivery_ids:
            return {}
        rows = self._session.execute(
            select(_DELIVERIES.c.id, _DELIVERIES.c.status).where(
                _DELIVERIES.c.id.in_(list(delivery_ids))
            )
        )
        return {str(key): DeliveryStatus(str(status)) for key, status in rows}

    def record_attempts(self, results: Sequence[AttemptResult], now: datetime) -> None:
        if not results:
            return
        self._session.execute(
            _RECORD_ATTEMPT,
            [
                {
                    "b_id": result.delivery_id,
                    "b_status": result.status.value,
                    "b_code": result.status_code,
                    "b_answer": result.answer,
                    "b_ref": result.remote_ref or None,
                    "b_delivered": now if result.status is DeliveryStatus.DELIVERED else None,
                    "b_now": now,
                }
                for result in results
            ],
        )

    def find(self, target_id: str, award_id: str, action: str) -> Delivery | None:
        row = self._session.scalar(
            select(DeliveryRow).where(
                DeliveryRow.target_id == target_id,
                DeliveryRow.award_id == award_id,
                DeliveryRow.action == action,
            )
        )
        return _delivery(row) if row else None

    def for_award(self, award_id: str) -> list[Delivery]:
        query = select(DeliveryRow).where(DeliveryRow.award_id == award_id)
        return [
            _delivery(row) for row in self._session.scalars(query.order_by(DeliveryRow.created_at))
        ]

    def for_target(
        self, target_id: str, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Delivery]:
        query = select(DeliveryRow).where(DeliveryRow.target_id == target_id)
        if status:
            query = query.where(DeliveryRow.status == status)
        query = (
            query.order_by(DeliveryRow.created_at.desc(), DeliveryRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [_delivery(row) for row in self._session.scalars(query)]

    def status_counts(self, target_id: str) -> dict[str, int]:
        rows = self._session.execute(
            select(DeliveryRow.status, func.count())
            .where(DeliveryRow.target_id == target_id)
            .group_by(DeliveryRow.status)
        )
        return {str(status): int(count) for status, count in rows}

    def awards_without(self, target_id: str, limit: int) -> list[str]:
        sent = select(DeliveryRow.award_id).where(
            DeliveryRow.target_id == target_id, DeliveryRow.action == DeliveryAction.AWARD.value
        )
        query = (
            select(AwardRow.id)
            .where(AwardRow.id.not_in(sent))
            .order_by(AwardRow.awarded_at, AwardRow.id)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def holders(self, award_ids: Sequence[str]) -> dict[str, AwardHolder]:
        if not award_ids:
            return {}
        rows = self._session.execute(
            select(AwardRow, PersonRow, IssuedCredentialRow.id)
            .join(PersonRow, PersonRow.id == AwardRow.person_id)
            .outerjoin(IssuedCredentialRow, IssuedCredentialRow.award_id == AwardRow.id)
            .where(AwardRow.id.in_(award_ids))
        ).all()
        identities: dict[str, list[ExternalIdentity]] = {}
        person_ids = {person.id for _, person, _ in rows}
        for row in self._session.scalars(
            select(ExternalIdentityRow).where(ExternalIdentityRow.person_id.in_(person_ids))
        ):
            identities.setdefault(row.person_id, []).append(
                ExternalIdentity(row.person_id, IdentityKind(row.kind), row.namespace, row.value)
            )
        return {
            award.id: AwardHolder(
                award_from_row(award),
                person_from_row(person),
                tuple(identities.get(person.id, ())),
                str(credential_id) if credential_id is not None else None,
            )
            for award, person, credential_id in rows
        }

    def revoked_awards(self, award_ids: list[str]) -> dict[str, tuple[datetime, str]]:
        if not award_ids:
            return {}
        rows = self._session.execute(
            select(
                IssuedCredentialRow.award_id,
                IssuedCredentialRow.revoked_at,
                IssuedCredentialRow.revocation_reason,
            ).where(
                IssuedCredentialRow.award_id.in_(award_ids),
                IssuedCredentialRow.revoked_at.is_not(None),
            )
        )
        return {
            str(award_id): (revoked_at, reason or "")
            for award_id, revoked_at, reason in rows
            if award_id and revoked_at
        }
