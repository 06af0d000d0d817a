"""Delivering awards and revocations to every connected target, exactly once in effect.

An award (or revocation) adds one :class:`Delivery` record and one ``delivery.send`` outbox row
per active target, inside the decision's (or revocation's) transaction. The outbox worker runs
:meth:`DeliveryService.consume_batch` on its claimed batch (a batch consumer: one read
transaction per batch, not per delivery): it skips deliveries already settled (a replayed or
re-leased row), sends with the delivery's idempotency key, and records every attempt (status,
attempts, the target's last answer) and audits it, each delivery with its own outcome, in the
transaction where the worker settles the batch's outbox rows. Retries, backoff and dead letters
are the worker's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from lti_tool.domain.badges import IssuedCredential
from lti_tool.domain.delivery import (
    Delivery,
    DeliveryAction,
    DeliveryStatus,
    DeliveryTarget,
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
from lti_tool.services.delivery_attempts import ENTITY, Attempt, BatchReads, Job, write_attempts
from lti_tool.services.delivery_items import ItemSources, build_item
from lti_tool.services.outbox import BatchResult, Outcomes

DELIVERY_TOPIC = "delivery.send"


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

    def on_revoked(self, uow: UnitOfWork, credential: IssuedCredential, by: str) -> None:
        """Revocation hook: a revoke delivery for every target that received the award, its
        audit entry naming who revoked."""
        if credential.award_id is None or credential.revoked_at is None:
            return
        for target in uow.delivery_targets.active():
            if uow.deliveries.find(target.id, credential.award_id, DeliveryAction.AWARD.value):
                enqueue(
                    uow,
                    target,
                    credential.award_id,
                    DeliveryAction.REVOKE,
                    credential.revoked_at,
                    by,
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

    def consume_batch(self, events: Sequence[OutboxEvent]) -> Outcomes | BatchResult:
        """Run the worker's claimed deliveries: one read transaction for the batch, the POSTs,
        then every attempt and its audit entry, written by the worker in the transaction that
        settles the batch's outbox rows (a :class:`BatchResult`).

        Settled deliveries (a replayed or re-leased row) are skipped, so replays change nothing;
        a second row for a delivery already in this batch is left to the first.
        """
        outcomes: dict[str, BaseException | None] = {}
        attempts: list[Attempt] = []
        jobs: list[Job] = []
        seen: set[str] = set()
        with self._uow() as uow:
            found = uow.deliveries.get_many([str(e.payload["delivery_id"]) for e in events])
            award_ids = [delivery.award_id for delivery in found.values()]
            holders = uow.deliveries.holders(award_ids)  # with their badge ids, one query
            reads = BatchReads({}, holders)
            for event in events:
                delivery_id = str(event.payload["delivery_id"])
                if delivery_id in seen:
                    outcomes[event.id] = None
                    continue
                seen.add(delivery_id)
                try:
                    job = self._prepare(uow, event, delivery_id, reads, attempts)
                except DomainError as error:
                    outcomes[event.id] = error
                    continue
                if job is None:
                    outcomes[event.id] = None
                else:
                    jobs.append(job)
            jobs = self._with_credit(uow, jobs, outcomes, attempts)
        for job in jobs:
            outcomes[job.event.id] = self._send(job, attempts)
        if not attempts:
            return outcomes
        return BatchResult(outcomes, lambda uow, now: write_attempts(uow, attempts, now))

    def _prepare(
        self,
        uow: UnitOfWork,
        event: OutboxEvent,
        delivery_id: str,
        reads: BatchReads,
        attempts: list[Attempt],
    ) -> Job | None:
        """The delivery's item, read in the batch's transaction; ``None`` when settled."""
        delivery = uow.deliveries.get(delivery_id)
        if delivery.status.settled:
            return None
        target = reads.targets.get(delivery.target_id)
        if target is None:
            target = uow.delivery_targets.get(delivery.target_id)
            reads.targets[target.id] = target
        if not target.active:
            refused = DeliveryRefused(f"The target {target.name} is disconnected.")
            attempts.append(self._failure(delivery, target, event.attempts, refused, False))
            raise refused
        if delivery.action is DeliveryAction.REVOKE:
            first = uow.deliveries.find(target.id, delivery.award_id, "award")
            if first is None or not first.status.settled:
                raise RetryLater("The award's own delivery has not arrived yet.")
        holder = reads.holders.get(delivery.award_id)
        try:
            item = build_item(uow, self._sources, delivery, target, "", holder)
        except DomainError as error:
            attempts.append(self._failure(delivery, target, event.attempts, error, False))
            raise
        return Job(event, delivery, target, item, holder.credential_id if holder else None)

    def _with_credit(
        self,
        uow: UnitOfWork,
        jobs: list[Job],
        outcomes: dict[str, BaseException | None],
        attempts: list[Attempt],
    ) -> list[Job]:
        """The jobs' items with their credit lines and stipends, read once for the batch in its
        read transaction."""
        if not jobs:
            return []
        award_ids = [job.delivery.award_id for job in jobs]
        try:
            lines = self._sources.credit.lines_in(uow, award_ids)
            stipends = self._sources.stipends.amounts_in(uow, award_ids)
        except Exception as error:  # nothing was sent; every job records the failed attempt
            retriable = not isinstance(error, DomainError) or getattr(error, "retriable", False)
            for job in jobs:
                attempts.append(
                    self._failure(job.delivery, job.target, job.event.attempts, error, retriable)
                )
                outcomes[job.event.id] = error
            return []
        return [
            replace(
                job,
                item=replace(
                    job.item,
                    lines=tuple(lines.get(job.delivery.award_id, ())),
                    stipend=stipends.get(job.delivery.award_id),
                ),
            )
            for job in jobs
        ]

    def _send(self, job: Job, attempts: list[Attempt]) -> BaseException | None:
        """POST one item; the attempt to record goes to ``attempts``, the outcome is returned."""
        delivery, target, tries = job.delivery, job.target, job.event.attempts
        try:
            link = (
                self._links.for_credential(job.issued)
                if job.issued is not None
                else self._links.for_award(delivery.award_id)
            )
            receipt = self.adapter(target).deliver(replace(job.item, verification_url=link))
        except DeliveryError as error:
            attempts.append(self._failure(delivery, target, tries, error, error.retriable))
            return error
        except DomainError as error:  # our own rules refused (e.g. the badge cannot be built)
            attempts.append(self._failure(delivery, target, tries, error, False))
            return error
        except Exception as error:
            attempts.append(self._failure(delivery, target, tries, error, True))
            return error
        attempts.append(Attempt.delivered(delivery.id, target.name, receipt))
        return None

    def _failure(
        self,
        delivery: Delivery,
        target: DeliveryTarget,
        outbox_attempts: int,
        error: Exception,
        retriable: bool,
    ) -> Attempt:
        if not retriable:
            status = DeliveryStatus.REFUSED
        elif outbox_attempts >= self._max_attempts:
            status = DeliveryStatus.DEAD
        else:
            status = DeliveryStatus.RETRYING
        return Attempt.failed(delivery.id, target.name, status, error)
