"""Managing delivery targets and deliveries: connect, test, backfill, retry, resolve, reconcile.

Every change is audited. Secrets are sealed when a target is added and never come back out of
this service; people see only which secrets are set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from lti_tool.domain.delivery import (
    Delivery,
    DeliveryAction,
    DeliveryStatus,
    DeliveryTarget,
    Difference,
    check_target_settings,
)
from lti_tool.domain.errors import ConflictError, DeliveryError, ValidationError
from lti_tool.domain.model import new_id
from lti_tool.domain.roles import Role
from lti_tool.ports import Clock, UnitOfWorkFactory
from lti_tool.ports_delivery import CertificateMaker, Exportable, SecretSealer, VerificationLinks
from lti_tool.services.common import Actor, record
from lti_tool.services.delivery import DeliveryService, enqueue, send
from lti_tool.services.delivery_attempts import ENTITY
from lti_tool.services.delivery_items import ItemSources, build_item, with_credit

TARGET = "delivery_target"
BACKFILL_BATCH = 500
NAME_LIMIT = 80


@dataclass(frozen=True)
class TargetSummary:
    target: DeliveryTarget
    counts: dict[str, int]
    secrets_set: tuple[str, ...]
    """Names of the secrets stored (never their values)."""


def _require(actor: Actor | None) -> str | None:
    """Admins on the web; ``None`` is the operator at the command line."""
    if actor is None:
        return None
    actor.require(Role.ADMIN)
    return actor.person_id


class DeliveryAdmin:
    """Targets and deliveries for admins (web) and operators (``credbridge connections``)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        sealer: SecretSealer,
        delivery: DeliveryService,
        sources: ItemSources,
        links: VerificationLinks,
        certificates: CertificateMaker,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._sealer = sealer
        self._delivery = delivery
        self._sources = sources
        self._links = links
        self._certificates = certificates

    def add_target(
        self,
        actor: Actor | None,
        kind: str,
        name: str,
        config: dict[str, str],
        secrets: dict[str, str],
    ) -> DeliveryTarget:
        """Connect a target. Raises ValidationError naming each bad setting."""
        actor_id = _require(actor)
        name = name.strip()
        config = {key: value.strip() for key, value in config.items() if value and value.strip()}
        secrets = {key: value for key, value in secrets.items() if value}
        problems = check_target_settings(kind, config, secrets)
        if not name or len(name) > NAME_LIMIT:
            problems.insert(0, f"name: is required (at most {NAME_LIMIT} characters)")
        if problems:
            raise ValidationError("The target's settings need fixing.", problems)
        now = self._clock.now()
        sealed = self._sealer.encrypt(json.dumps(secrets)) if secrets else ""
        target = DeliveryTarget(new_id(), kind, name, config, sealed, now, now)
        with self._uow() as uow:
            if uow.delivery_targets.by_name(name) is not None:
                raise ConflictError(f"A target named {name!r} exists already.")
            uow.delivery_targets.add(target)
            record(
                uow, now, actor_id, TARGET, target.id, "create", None, "active", f"{kind} {name}"
            )
            uow.commit()
        return target

    def targets(self, actor: Actor | None) -> list[TargetSummary]:
        _require(actor)
        with self._uow() as uow:
            return [
                TargetSummary(
                    target,
                    uow.deliveries.status_counts(target.id),
                    tuple(json.loads(self._sealer.decrypt(target.sealed_secrets)))
                    if target.sealed_secrets
                    else (),
                )
                for target in uow.delivery_targets.all()
            ]

    def target(self, actor: Actor | None, name_or_id: str) -> DeliveryTarget:
        _require(actor)
        with self._uow() as uow:
            found = uow.delivery_targets.by_name(name_or_id)
            return found or uow.delivery_targets.get(name_or_id)

    def test(self, actor: Actor | None, name_or_id: str) -> tuple[bool, str]:
        """Ask the target whether our settings work: (worked, what it said). Audited."""
        actor_id = _require(actor)
        target = self.target(actor, name_or_id)
        try:
            ok, said = True, self._delivery.adapter(target).check()
        except DeliveryError as error:
            ok, said = False, str(error)
        now = self._clock.now()
        with self._uow() as uow:
            outcome = "ok" if ok else "failed"
            record(uow, now, actor_id, TARGET, target.id, "test", None, outcome, said[:2000])
            uow.commit()
        return ok, said

    def reseal(self, actor: Actor | None) -> int:
        """Re-encrypt every target's secrets under the newest key; how many were resealed."""
        actor_id = _require(actor)
        now = self._clock.now()
        count = 0
        with self._uow() as uow:
            for target in uow.delivery_targets.all():
                if not target.sealed_secrets:
                    continue
                fresh = self._sealer.reencrypt(target.sealed_secrets)
                uow.delivery_targets.save(replace(target, sealed_secrets=fresh, updated_at=now))
                record(uow, now, actor_id, TARGET, target.id, "reseal", None, None)
                count += 1
            uow.commit()
        return count

    def disconnect(self, actor: Actor | None, name_or_id: str) -> DeliveryTarget:
        """Stop sending to a target (pending deliveries are refused); history stays."""
        actor_id = _require(actor)
        now = self._clock.now()
        with self._uow() as uow:
            target = uow.delivery_targets.by_name(name_or_id) or uow.delivery_targets.get(
                name_or_id
            )
            off = replace(target, active=False, updated_at=now)
            uow.delivery_targets.save(off)
            record(uow, now, actor_id, TARGET, target.id, "disconnect", "active", "inactive")
            uow.commit()
        return off

    def backfill(self, actor: Actor | None, name_or_id: str) -> int:
        """Queue every earlier award (and its revocation) for a target, once. Returns how many."""
        actor_id = _require(actor)
        target = self.target(actor, name_or_id)
        queued = 0
        while True:
            with self._uow() as uow:
                award_ids = uow.deliveries.awards_without(target.id, BACKFILL_BATCH)
                if not award_ids:
                    break
                revoked = uow.deliveries.revoked_awards(award_ids)
                now = self._clock.now()
                for award_id in award_ids:
                    enqueue(uow, target, award_id, DeliveryAction.AWARD, now, actor_id)
                    if award_id in revoked:
                        enqueue(uow, target, award_id, DeliveryAction.REVOKE, now, actor_id)
                    queued += 1
                uow.commit()
        return queued

    def deliveries_for_target(
        self, actor: Actor | None, target_id: str, status: str | None = None, page: int = 1
    ) -> list[Delivery]:
        _require(actor)
        with self._uow() as uow:
            return uow.deliveries.for_target(target_id, status, 50, (max(1, page) - 1) * 50)

    def deliveries_for_award(self, actor: Actor | None, award_id: str) -> list[Delivery]:
        _require(actor)
        with self._uow() as uow:
            return uow.deliveries.for_award(award_id)

    def delivery(self, actor: Actor | None, delivery_id: str) -> Delivery:
        _require(actor)
        with self._uow() as uow:
            return uow.deliveries.get(delivery_id)

    def retry(self, actor: Actor | None, delivery_id: str) -> Delivery:
        """Send again now (after a refusal was fixed, or a dead letter). Settled ones refuse."""
        actor_id = _require(actor)
        now = self._clock.now()
        with self._uow() as uow:
            delivery = uow.deliveries.get(delivery_id)
            if delivery.status.settled:
                raise ConflictError("That delivery is settled already; nothing to retry.")
            again = replace(delivery, status=DeliveryStatus.PENDING, updated_at=now)
            uow.deliveries.save(again)
            send(uow, again, now, f":retry:{new_id()}")
            record(uow, now, actor_id, ENTITY, delivery.id, "retry", delivery.status, "pending")
            uow.commit()
        return again

    def resolve(self, actor: Actor | None, delivery_id: str, note: str) -> Delivery:
        """Settle a delivery by hand (e.g. entered in the target directly), saying how."""
        actor_id = _require(actor)
        note = note.strip()
        if not note:
            raise ValidationError("Say how it was resolved (the audit trail keeps it).")
        now = self._clock.now()
        with self._uow() as uow:
            delivery = uow.deliveries.get(delivery_id)
            if delivery.status.settled:
                raise ConflictError("That delivery is settled already.")
            done = replace(delivery, status=DeliveryStatus.RESOLVED, updated_at=now)
            uow.deliveries.save(done)
            record(uow, now, actor_id, ENTITY, delivery.id, "resolve", delivery.status,
                   "resolved", note[:2000])  # fmt: skip
            uow.commit()
        return done

    def reconcile(self, actor: Actor | None, name_or_id: str) -> tuple[bool, list[Difference]]:
        """Re-read what the target holds for every delivered award: (could re-read, differences)."""
        _require(actor)
        target = self.target(actor, name_or_id)
        adapter = self._delivery.adapter(target)
        differences: list[Difference] = []
        offset = 0
        while True:
            with self._uow() as uow:
                batch = uow.deliveries.for_target(target.id, None, 200, offset)
            if not batch:
                break
            offset += len(batch)
            for delivery in batch:
                if delivery.action is not DeliveryAction.AWARD:
                    continue
                with self._uow() as uow:
                    revoked = uow.deliveries.revoked_awards([delivery.award_id])
                    item = build_item(uow, self._sources, delivery, target, "")
                held = adapter.holds(with_credit(item, self._sources))
                if held is None:
                    return False, []
                expected = delivery.status.settled and delivery.award_id not in revoked
                if held and not expected:
                    differences.append(Difference(delivery.award_id, "held, but not expected"))
                elif expected and not held:
                    differences.append(Difference(delivery.award_id, "delivered, but missing"))
        return True, differences

    def export(self, actor: Actor | None, name_or_id: str) -> bytes | None:
        """Every delivered award of a CSV export target as one CSV; ``None`` for other kinds."""
        _require(actor)
        target = self.target(actor, name_or_id)
        adapter = self._delivery.adapter(target)
        if not isinstance(adapter, Exportable):
            return None
        with self._uow() as uow:
            delivered = [
                build_item(
                    uow, self._sources, delivery, target, self._links.for_award(delivery.award_id)
                )
                for delivery in uow.deliveries.for_target(target.id, "delivered", 10_000)
            ]
        return adapter.export([with_credit(item, self._sources) for item in delivered])

    def certificate(self, actor: Actor | None, delivery_id: str) -> bytes:
        """The PDF certificate of a delivery's award."""
        _require(actor)
        with self._uow() as uow:
            delivery = uow.deliveries.get(delivery_id)
            target = uow.delivery_targets.get(delivery.target_id)
        link = self._links.for_award(delivery.award_id)
        with self._uow() as uow:
            item = build_item(uow, self._sources, delivery, target, link)
        return self._certificates(with_credit(item, self._sources))
