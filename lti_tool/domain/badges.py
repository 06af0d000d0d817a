"""Open Badges 3.0 issuing as plain data: issuer profiles, their keys, issued credentials.

The credential document itself is built by :mod:`lti_tool.domain.ob3`; signing and verifying
happen behind the :class:`~lti_tool.ports.CredentialProofs` port.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class StackPolicy(StrEnum):
    """What happens when an educator holds every credential of a stack."""

    AUTO = "auto"
    """The stack credential is issued at once."""
    QUEUE = "queue"
    """The issuer of record confirms it first."""


class KeyKind(StrEnum):
    """The two proofs every credential carries, one key kind each."""

    ED25519 = "Ed25519"
    """Signs the embedded ``DataIntegrityProof`` (cryptosuite ``eddsa-rdfc-2022``)."""
    RSA = "RS256"
    """Signs the VC-JWT."""


@dataclass
class IssuerProfile:
    """The organisation that issues credentials (the issuer of record), as published."""

    id: str
    name: str
    organization_id: str | None
    url: str | None = None
    email: str | None = None
    description: str = ""
    assessor_name: str | None = None
    """The assessing organisation named as ``credentialSubject.source``; ``None`` = the issuer."""
    show_results: bool = True
    """Whether per-section outcomes (``result[]``) go into credentials; some issuers keep them
    private."""
    stack_policy: StackPolicy = StackPolicy.QUEUE
    jurisdiction: str | None = None
    """Where the issuer's PD credit counts (e.g. ``US-TN``), for the credit extension."""


@dataclass
class IssuerKey:
    """One signing key of an issuer. Keys are retired, never deleted: old credentials stay
    verifiable."""

    id: str
    issuer_id: str
    kind: KeyKind
    public_key: str
    """``publicKeyMultibase`` for Ed25519, a public JWK as JSON text for RSA."""
    private_key_encrypted: str
    """PKCS#8 PEM, encrypted with the settings' encryption keys."""
    created_at: datetime
    retired_at: datetime | None = None


class CredentialKind(StrEnum):
    CREDENTIAL = "credential"
    STACK = "stack"


@dataclass
class IssuedCredential:
    """A signed credential as issued. ``document`` and ``jwt`` never change after issue."""

    id: str
    kind: CredentialKind
    issuer_id: str
    person_id: str
    achievement_id: str
    """The credential (or stack) slug the ``Achievement`` is published under."""
    title: str
    document: dict[str, Any]
    jwt: str
    recipient_salt: str
    issued_at: datetime
    award_id: str | None = None
    stack_award_id: str | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class StackAwardState(StrEnum):
    PENDING = "pending"
    AWARDED = "awarded"
    DECLINED = "declined"


@dataclass
class StackAward:
    """An educator holding every credential of a stack, awarded or waiting for the issuer."""

    id: str
    person_id: str
    stack_id: str
    issuer_id: str
    state: StackAwardState
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None


class VerificationStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    TAMPERED = "tampered"
    INVALID = "invalid"
    """Signed, but not a conformant Open Badges 3.0 credential (the schema refuses it)."""
    UNREADABLE = "unreadable"
    """Not a credential we can read: not JSON, no proof, an unknown issuer key."""


@dataclass(frozen=True)
class Check:
    """One verification step and what it found."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class VerificationReport:
    status: VerificationStatus
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None = None

    @property
    def valid(self) -> bool:
        return self.status is VerificationStatus.VALID

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "valid": self.valid,
            "checks": [
                {"name": check.name, "passed": check.passed, "detail": check.detail}
                for check in self.checks
            ],
            "credential": self.credential,
        }
