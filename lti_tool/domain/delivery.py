"""Delivering awards to district PD and HR systems: targets, per-delivery records, the item sent.

Pure rules only: which settings each kind of target takes, the deterministic idempotency key,
the Ed-Fi 60-character title key and the integer-hours rounding policy (DOMAIN.md §5).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from lti_tool.domain.credit_lines import CreditLine
from lti_tool.domain.errors import DeliveryRefused, RetryLater

KEY_NAMESPACE = uuid.UUID("6f1d4c8e-9b0a-4a57-8c5e-3b2f7d9e1a44")
"""Fixed, so the same (target, award, action) always gets the same idempotency key."""


class DeliveryAction(StrEnum):
    AWARD = "award"
    REVOKE = "revoke"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    """Written with the award; the worker has not finished it yet."""
    RETRYING = "retrying"
    """A temporary failure (429, 5xx, timeout); the worker tries again with backoff."""
    DELIVERED = "delivered"
    REFUSED = "refused"
    """400/401/403: a person must look at the answer, then retry or resolve."""
    DEAD = "dead"
    """Too many temporary failures; a person retries or resolves."""
    RESOLVED = "resolved"
    """Settled by hand (e.g. entered in the target directly)."""

    @property
    def settled(self) -> bool:
        return self in (DeliveryStatus.DELIVERED, DeliveryStatus.RESOLVED)


@dataclass(frozen=True)
class KindSpec:
    """The settings a kind of target takes: plain ones, and secrets (encrypted, write-only)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    optional_secrets: tuple[str, ...] = ()


COMMON_OPTIONAL = ("provider_number",)
KINDS: dict[str, KindSpec] = {
    "edfi": KindSpec(
        required=("base_url", "client_id", "namespace"),
        optional=("hours_rounding", "source_system", "offered_by", *COMMON_OPTIONAL),
        secrets=("client_secret",),
    ),
    "webhook": KindSpec(required=("url",), optional=COMMON_OPTIONAL, secrets=("secret",)),
    "sif": KindSpec(
        required=("url",), optional=("username", *COMMON_OPTIONAL), optional_secrets=("password",)
    ),
    "csv_export": KindSpec(required=("template",), optional=("dir", *COMMON_OPTIONAL)),
}
CSV_TEMPLATES = ("generic", "frontline", "powerschool")
HOURS_ROUNDING = {"half_up": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}


def check_target_settings(kind: str, config: dict[str, str], secrets: dict[str, str]) -> list[str]:
    """Problems with a target's settings, each naming the setting; empty when usable."""
    spec = KINDS.get(kind)
    if spec is None:
        return [f"kind: must be one of {', '.join(sorted(KINDS))}"]
    problems = [f"{name}: is required" for name in spec.required if not config.get(name)]
    problems += [f"{name}: is required" for name in spec.secrets if not secrets.get(name)]
    allowed = {*spec.required, *spec.optional}
    problems += [f"{name}: is not a {kind} setting" for name in config if name not in allowed]
    for name in ("base_url", "url"):
        value = config.get(name, "")
        if value and not value.startswith(("https://", "http://")):
            problems.append(f"{name}: must be an http(s) URL")
    if kind == "csv_export" and config.get("template") not in CSV_TEMPLATES:
        problems.append(f"template: must be one of {', '.join(CSV_TEMPLATES)}")
    if config.get("hours_rounding", "half_up") not in HOURS_ROUNDING:
        problems.append(f"hours_rounding: must be one of {', '.join(HOURS_ROUNDING)}")
    return problems


@dataclass(frozen=True)
class DeliveryTarget:
    """A connected system. ``sealed_secrets`` is ciphertext; nothing shows it again."""

    id: str
    kind: str
    name: str
    config: dict[str, str]
    sealed_secrets: str
    created_at: datetime
    updated_at: datetime
    active: bool = True

    @property
    def secret_names(self) -> tuple[str, ...]:
        spec = KINDS.get(self.kind)
        return (*spec.secrets, *spec.optional_secrets) if spec else ()


@dataclass(frozen=True)
class Delivery:
    """One award (or revocation) to one target: status, attempts and the last answer."""

    id: str
    target_id: str
    award_id: str
    action: DeliveryAction
    status: DeliveryStatus
    idempotency_key: str
    created_at: datetime
    updated_at: datetime
    attempts: int = 0
    last_status_code: int | None = None
    last_answer: str = ""
    remote_ref: str | None = None
    delivered_at: datetime | None = None


def idempotency_key(target_id: str, award_id: str, action: str) -> str:
    """The same for every retry and replay of one delivery, different for anything else."""
    return str(uuid.uuid5(KEY_NAMESPACE, f"{target_id}:{award_id}:{action}"))


@dataclass(frozen=True)
class DeliveryItem:
    """Everything a target needs about one award, assembled when the delivery runs."""

    delivery_id: str
    idempotency_key: str
    action: DeliveryAction
    award_id: str
    awarded_at: datetime
    educator_id: str
    """The state educator id, else the employee id, else our person id."""
    educator_name: str
    educator_email: str
    credential_slug: str
    credential_title: str
    credential_version: int
    verification_url: str
    provider_name: str
    provider_number: str = ""
    lines: tuple[CreditLine, ...] = ()
    stipend: Decimal | None = None
    revoked_at: datetime | None = None
    revocation_reason: str = ""
    award_key: str = ""
    """The idempotency key the award's own delivery used (a revocation names what it undoes)."""

    @property
    def clock_hours(self) -> Decimal:
        return sum((line.clock_hours for line in self.lines), Decimal(0))

    @property
    def credit_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def credit_unit(self) -> str:
        units = {line.unit for line in self.lines}
        return units.pop() if len(units) == 1 else "clock_hours"


@dataclass(frozen=True)
class Receipt:
    """What a target answered to a delivery that worked."""

    status_code: int
    answer: str
    remote_ref: str | None = None
    already_there: bool = False
    """The target said it already held this; checked by the adapter before saying so."""


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt leaves on its delivery record: one more attempt, the new status and the
    target's answer; ``delivered_at`` when it was delivered; ``remote_ref`` when the target gave
    one (an earlier one is kept otherwise)."""

    delivery_id: str
    status: DeliveryStatus
    status_code: int | None
    answer: str
    remote_ref: str | None = None


@dataclass(frozen=True)
class Difference:
    """One place where what a target holds differs from what we delivered."""

    award_id: str
    problem: str


def integer_hours(hours: Decimal, policy: str = "half_up") -> int:
    """Ed-Fi ``totalHours`` is an integer: round by the policy, never to 0 for some credit."""
    rounded = int(hours.quantize(Decimal(1), rounding=HOURS_ROUNDING[policy]))
    return max(rounded, 1) if hours > 0 else 0


TITLE_LIMIT = 60


def title_key(title: str) -> str:
    """A title of at most 60 characters that is the same on every run (Ed-Fi's event key).

    Titles that fit are kept (whitespace collapsed); longer ones are cut at 51 characters and
    end in ``~`` and 8 hex digits of the full title's SHA-256, so two long titles with the same
    start still get different keys.
    """
    clean = " ".join(title.split())
    if len(clean) <= TITLE_LIMIT:
        return clean
    digest = hashlib.sha256(clean.encode("utf-8")).hexdigest()[:8]
    return f"{clean[:51].rstrip()}~{digest}"


class TargetRefused(DeliveryRefused):
    """The target refused for good (400, 401, 403, 404, 422): ``status`` is what it answered."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TargetBusy(RetryLater):
    """The target could not take it now (429, 5xx, timeout): the worker backs off."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        self.status = status
