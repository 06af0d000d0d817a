"""Ports of the Open Badges side: issuers and their keys, issued credentials, stack awards,
the proofs, and mail. Split from :mod:`lti_tool.ports` to keep each file readable; the import
rules treat both alike."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from lti_tool.domain.badges import (
    Check,
    IssuedCredential,
    IssuerKey,
    IssuerProfile,
    KeyKind,
    StackAward,
    StackAwardState,
)


class IssuerRepository(Protocol):
    def add(self, issuer: IssuerProfile) -> None: ...
    def save(self, issuer: IssuerProfile) -> None: ...
    def get(self, issuer_id: str) -> IssuerProfile:
        """Raises NotFoundError."""
        ...

    def for_organization(self, organization_id: str | None) -> IssuerProfile | None:
        """The issuer of an organisation; ``None`` asks for the instance-wide default."""
        ...

    def all(self) -> list[IssuerProfile]: ...
    def add_key(self, key: IssuerKey) -> None: ...
    def save_key(self, key: IssuerKey) -> None: ...
    def key(self, key_id: str) -> IssuerKey | None: ...
    def keys_of(self, issuer_id: str, kind: KeyKind | None = None) -> list[IssuerKey]:
        """Oldest first, retired ones included."""
        ...


ISSUED_SORTS = ("issued", "title")
"""Issued credentials' sort keys (a whitelist: a request never names SQL)."""


@dataclass(frozen=True)
class IssuedFilter:
    """Which issued credentials a page shows: ``status`` "valid" or "revoked" (else both),
    ``title`` a case-insensitive fragment of the credential's title."""

    status: str = ""
    title: str = ""


class IssuedCredentialRepository(Protocol):
    def add(self, credential: IssuedCredential) -> None:
        """Raises ConflictError (at commit) when the award already has a credential."""
        ...

    def save_revocation(self, credential: IssuedCredential) -> None: ...
    def get(self, credential_id: str) -> IssuedCredential:
        """Raises NotFoundError."""
        ...

    def for_award(self, award_id: str, *, for_update: bool = False) -> IssuedCredential | None:
        """``for_update`` locks the row until commit where the database can (PostgreSQL), so a
        revocation and whatever checked it was not revoked run one after the other."""
        ...

    def for_stack_award(self, stack_award_id: str) -> IssuedCredential | None: ...
    def for_person(self, person_id: str) -> list[IssuedCredential]: ...
    def revoked(self, issuer_id: str) -> list[IssuedCredential]: ...
    def each(self, batch: int = 200) -> Iterator[IssuedCredential]:
        """Every credential, oldest first, loaded ``batch`` at a time (exports)."""
        ...

    def count(self, filters: IssuedFilter | None = None) -> int: ...
    def page(
        self,
        limit: int,
        offset: int,
        filters: IssuedFilter | None = None,
        sort: str = "",
        descending: bool = False,
    ) -> list[IssuedCredential]:
        """Sorted in SQL by a key of ISSUED_SORTS; newest first otherwise."""
        ...


class StackAwardRepository(Protocol):
    def add(self, award: StackAward) -> None: ...
    def save(self, award: StackAward) -> None: ...
    def get(self, stack_award_id: str) -> StackAward:
        """Raises NotFoundError."""
        ...

    def find(self, person_id: str, stack_id: str) -> StackAward | None: ...
    def in_state(self, state: StackAwardState) -> list[StackAward]: ...


@dataclass(frozen=True)
class SignedCredential:
    document: dict[str, Any]
    """The credential with its embedded ``DataIntegrityProof``."""
    jwt: str
    """The same credential as a VC-JWT."""


@dataclass(frozen=True)
class ProofReport:
    """What the proofs of a presented credential say, before status and expiry checks."""

    credential: dict[str, Any] | None
    checks: tuple[Check, ...]
    issuer_id: str | None
    """Our issuer profile id when the signing key is one of ours, else ``None``."""


class CredentialProofs(Protocol):
    """Signs credentials with an issuer's current keys and checks presented ones."""

    def sign(self, document: dict[str, Any], issuer_id: str, now: datetime) -> SignedCredential:
        """Both proofs over ``document`` (which must not carry a proof yet)."""
        ...

    def check_document(self, document: dict[str, Any]) -> ProofReport: ...
    def check_jwt(self, token: str) -> ProofReport: ...
    @property
    def schema_name(self) -> str:
        """What :meth:`schema_problems` checks against, for reports."""
        ...

    def schema_problems(self, document: dict[str, Any]) -> list[str]:
        """Located problems against the official Open Badges 3.0 JSON schema (or, while it is not
        vendored, against the required properties and defined terms)."""
        ...

    def public_keys(self, issuer_id: str) -> list[dict[str, Any]]:
        """Every key of the issuer, retired ones too, as published verification methods."""
        ...

    def rotate(self, issuer_id: str, now: datetime) -> list[IssuerKey]:
        """New keys of both kinds; the old ones retire but stay published."""
        ...


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    body: str
    reply_to: str | None = None


class Mailer(Protocol):
    def send(self, message: MailMessage) -> None: ...


class BadgeBaker(Protocol):
    """Hides a credential inside its badge image and finds it again (OB 3.0 baking)."""

    def bake(self, image: bytes, media_type: str, credential: str) -> bytes:
        """``credential`` (JSON text or a compact JWT) inside a PNG or SVG image."""
        ...

    def unbake(self, image: bytes) -> str:
        """The credential text inside a baked PNG or SVG; ValueError says why there is none."""
        ...

    def badge_image(self, title: str, issuer: str, media_type: str) -> bytes:
        """A plain badge image (PNG or SVG) for an achievement without one."""
        ...
