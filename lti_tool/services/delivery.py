"""Delivering awards and revocations to every connected target, exactly once in effect.

An award (or revocation) adds one :class:`Delivery` record and one ``delivery.send`` outbox row
per active target, inside the decision's (or revocation's) transaction. The outbox worker runs
:meth:`DeliveryService.consume`: it skips deliveries already settled (a replayed or re-leased
row), sends with the delivery's idempotency key, and records every attempt (status, attempts,
the target's last answer) and audits it. Retries, backoff and dead letters are the worker's.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from lti_tool.domain.badges import IssuedCredential
from lti_tool.domain.delivery import (
    Delivery,
    DeliveryAction,
    DeliveryStatus,
    DeliveryTarget,
    Receipt,
    idempotency_key,
)
from lti_tool.domain.errors import DeliveryError, DeliveryRefused, DomainError, RetryLater
from lti_tool.domain.model import OutboxEvent, new_id
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.ports_delivery import (
    AdapterFactory,
    DeliveryAdapter,
    SecretSealer,
    VerificationLinks,
)
from lti_tool.services.common import record
from lti_tool.services.decisions import Decided
from lti_tool.services.delivery_items import ItemSources, build_item, with_credit

DELIVERY_TOPIC = "delivery.send"
ENTITY = "delivery"
MAX_ANSWER = 4000


def enqueue(
    uow: UnitOfWork,
    target: DeliveryTarget,
    award_id: str,
    action: DeliveryAction,
    now: datetime,
    actor_id: str | None = None,
) -> Delivery | None:
    """Add the delivery and its outbox row (in ``uow``); ``None`` if it already exists."""
    if uow.deliveries.find(target.id, award_id, action.value) is not None:
        return None
    delivery = Delivery(
        id=new_id(),
        target_id=target.id,
        award_id=award_id,
        action=action,
        status=DeliveryStatus.PENDING,
        idempotency_key=idempotency_key(target.id, award_id, action.value),
        created_at=now,
        updated_at=now,
    )
    uow.deliveries.add(delivery)
    send(uow, delivery, now, "")
    record(uow, now, actor_id, ENTITY, delivery.id, "create", None, "pending", target.name)
    return delivery


def send(uow: UnitOfWork, delivery: Delivery, now: datetime, suffix: str) -> None:
    """One outbox row asking the worker to run ``delivery`` (a retry gets its own key)."""
    uow.outbox.add(
        OutboxEvent(
            id=new_id(),
            topic=DELIVERY_TOPIC,
            key=f"{DELIVERY_TOPIC}:{delivery.id}{suffix}",
            payload={"delivery_id": delivery.id},
            created_at=now,
        )
    )


def open_secrets(sealer: SecretSealer, target: DeliveryTarget) -> dict[str, str]:
    if not target.sealed_secrets:
        return {}
    try:
        opened = json.loads(sealer.decrypt(target.sealed_secrets))
    except Exception as error:  # the keys changed; the sealer's message names the setting only
        raise DeliveryRefused(f"The secrets of {target.name} cannot be opened: {error}") from None
    return {str(key): str(value) for key, value in opened.items()}


class DeliveryService:
    """Hooks that enqueue deliveries, and the ``delivery.send`` consumer.

    Args:
        adapters: builds a target's adapter (``connectors.pdms.registry``).
        sealer: opens target secrets (``SecretBox``).
        sources: credit lines, stipend amounts and the provider's name for each item.
        links: the verification link of an award's credential.
        max_attempts: the worker's limit, so the record says ``dead`` when the worker gives up.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        adapters: AdapterFactory,
        sealer: SecretSealer,
        sources: ItemSources,
        links: VerificationLinks,
        max_attempts: int,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._adapters = adapters
        self._sealer = sealer
        self._sources = sources
        self._links = links
        self._max_attempts = max_attempts
        self._cache: dict[str, tuple[datetime, DeliveryAdapter]] = {}

    # -- hooks (inside the decision's or the revocation's transaction) ------------------------

    def on_decided(self, uow: UnitOfWork, decided: Decided) -> None:
        if decided.award is None:
            return
        for target in uow.delivery_targets.active():
            enqueue(uow, target, decided.award.id, DeliveryAction.AWARD, decided.at)

    def on_revoked(self, uow: UnitOfWork, credential: IssuedCredential) -> None:
        if credential.award_id is None or credential.revoked_at is None:
            return
        for target in uow.delivery_targets.active():
            if uow.deliveries.find(target.id, credential.award_id, DeliveryAction.AWARD.value):
                enqueue(
                    uow, target, credential.award_id, DeliveryAction.REVOKE, credential.revoked_at
                )

    # -- the consumer ---------------------------------------------------------------------------

    def adapter(self, target: DeliveryTarget) -> DeliveryAdapter:
        """The target's adapter, kept while its settings are unchanged (tokens are reused)."""
        cached = self._cache.get(target.id)
        if cached is not None and cached[0] == target.updated_at:
            return cached[1]
        adapter = self._adapters(target.kind, target.config, open_secrets(self._sealer, target))
        self._cache[target.id] = (target.updated_at, adapter)
        return adapter

    def consume(self, event: OutboxEvent) -> None:
        """Run one delivery. Settled deliveries are skipped, so replays change nothing."""
        delivery_id = str(event.payload["delivery_id"])
        with self._uow() as uow:
            delivery = uow.deliveries.get(delivery_id)
            if delivery.status.settled:
                return
            target = uow.delivery_targets.get(delivery.target_id)
            if not target.active:
                refused = DeliveryRefused(f"The target {target.name} is disconnected.")
                self._failed(delivery, target, event.attempts, refused, False)
                raise refused
            if delivery.action is DeliveryAction.REVOKE:
                first = uow.deliveries.find(target.id, delivery.award_id, "award")
                if first is None or not first.status.settled:
                    raise RetryLater("The award's own delivery has not arrived yet.")
            issued = uow.deliveries.credential_id(delivery.award_id)
            try:
                item = build_item(uow, self._sources, delivery, target, "")
            except DomainError as error:
                self._failed(delivery, target, event.attempts, error, False)
                raise
        try:
            link = (
                self._links.for_credential(issued)
                if issued is not None
                else self._links.for_award(delivery.award_id)
            )
            item = replace(with_credit(item, self._sources), verification_url=link)
            receipt = self.adapter(target).deliver(item)
        except DeliveryError as error:
            self._failed(delivery, target, event.attempts, error, error.retriable)
            raise
        except DomainError as error:  # our own rules refused (e.g. the badge cannot be built)
            self._failed(delivery, target, event.attempts, error, False)
            raise
        except Exception as error:
            self._failed(delivery, target, event.attempts, error, True)
            raise
        self._delivered(delivery, target, receipt)

    def _delivered(self, delivery: Delivery, target: DeliveryTarget, receipt: Receipt) -> None:
        now = self._clock.now()
        answer = receipt.answer + (" (already held by the target)" if receipt.already_there else "")
        with self._uow() as uow:
            current = uow.deliveries.get(delivery.id)
            done = replace(
                current,
                status=DeliveryStatus.DELIVERED,
                attempts=current.attempts + 1,
                last_status_code=receipt.status_code,
                last_answer=answer[:MAX_ANSWER],
                remote_ref=receipt.remote_ref or current.remote_ref,
                delivered_at=now,
                updated_at=now,
            )
            uow.deliveries.save(done)
            note = f"{target.name}: {receipt.status_code} {answer}"[:MAX_ANSWER]
            record(
                uow, now, None, ENTITY, delivery.id, "attempt", current.status, "delivered", note
            )
            uow.commit()

    def _failed(
        self,
        delivery: Delivery,
        target: DeliveryTarget,
        outbox_attempts: int,
        error: Exception,
        retriable: bool,
    ) -> None:
        now = self._clock.now()
        if not retriable:
            status = DeliveryStatus.REFUSED
        elif outbox_attempts >= self._max_attempts:
            status = DeliveryStatus.DEAD
        else:
            status = DeliveryStatus.RETRYING
        code = getattr(error, "status", None)
        answer = str(error) if isinstance(error, DomainError) else f"{type(error).__name__}"
        with self._uow() as uow:
            current = uow.deliveries.get(delivery.id)
            failed = replace(
                current,
                status=status,
                attempts=current.attempts + 1,
                last_status_code=code if isinstance(code, int) else None,
                last_answer=answer[:MAX_ANSWER],
                updated_at=now,
            )
            uow.deliveries.save(failed)
            note = f"{target.name}: {answer}"[:MAX_ANSWER]
            record(uow, now, None, ENTITY, delivery.id, "attempt", current.status, status, note)
            uow.commit()
