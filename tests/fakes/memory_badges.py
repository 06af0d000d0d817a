"""In-memory issuer, issued-credential and stack-award repositories (see ``memory.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lti_tool.domain.badges import (
    IssuedCredential,
    IssuerKey,
    IssuerProfile,
    KeyKind,
    StackAward,
    StackAwardState,
)
from lti_tool.domain.errors import NotFoundError

if TYPE_CHECKING:
    from tests.fakes.memory import Session


class InMemoryIssuerRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, issuer: IssuerProfile) -> None:
        self._s.insert("issuers", issuer.id, issuer)

    def save(self, issuer: IssuerProfile) -> None:
        self.get(issuer.id)
        self._s.update("issuers", issuer.id, issuer)

    def get(self, issuer_id: str) -> IssuerProfile:
        found: IssuerProfile | None = self._s.get("issuers", issuer_id)
        if found is None:
            raise NotFoundError("That issuer does not exist.")
        return found

    def for_organization(self, organization_id: str | None) -> IssuerProfile | None:
        found = self._s.select("issuers", lambda row: row.organization_id == organization_id)
        return sorted(found, key=lambda row: row.id)[0] if found else None

    def all(self) -> list[IssuerProfile]:
        return sorted(self._s.values("issuers"), key=lambda row: row.name)

    def add_key(self, key: IssuerKey) -> None:
        self._s.insert("issuer_keys", key.id, key)

    def save_key(self, key: IssuerKey) -> None:
        self._s.update("issuer_keys", key.id, key)

    def key(self, key_id: str) -> IssuerKey | None:
        found: IssuerKey | None = self._s.get("issuer_keys", key_id)
        return found

    def keys_of(self, issuer_id: str, kind: KeyKind | None = None) -> list[IssuerKey]:
        found = self._s.select(
            "issuer_keys",
            lambda row: row.issuer_id == issuer_id and (kind is None or row.kind == kind),
        )
        return sorted(found, key=lambda row: (row.created_at, row.id))


class InMemoryIssuedCredentialRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, credential: IssuedCredential) -> None:
        self._s.insert("issued_credentials", credential.id, credential)

    def save_revocation(self, credential: IssuedCredential) -> None:
        self.get(credential.id)
        self._s.update("issued_credentials", credential.id, credential)

    def get(self, credential_id: str) -> IssuedCredential:
        found: IssuedCredential | None = self._s.get("issued_credentials", credential_id)
        if found is None:
            raise NotFoundError("No credential with that id was issued here.")
        return found

    def for_award(self, award_id: str) -> IssuedCredential | None:
        found: IssuedCredential | None = self._s.find(
            "issued_credentials", lambda row: row.award_id == award_id
        )
        return found

    def for_stack_award(self, stack_award_id: str) -> IssuedCredential | None:
        found: IssuedCredential | None = self._s.find(
            "issued_credentials", lambda row: row.stack_award_id == stack_award_id
        )
        return found

    def for_person(self, person_id: str) -> list[IssuedCredential]:
        found = self._s.select("issued_credentials", lambda row: row.person_id == person_id)
        return sorted(found, key=lambda row: (row.issued_at, row.id))

    def revoked(self, issuer_id: str) -> list[IssuedCredential]:
        found = self._s.select(
            "issued_credentials",
            lambda row: row.issuer_id == issuer_id and row.revoked_at is not None,
        )
        return sorted(found, key=lambda row: (row.revoked_at, row.id))

    def each(self, batch: int = 200) -> Iterator[IssuedCredential]:
        yield from sorted(
            self._s.values("issued_credentials"), key=lambda row: (row.issued_at, row.id)
        )

    def page(self, limit: int, offset: int) -> list[IssuedCredential]:
        found = sorted(
            self._s.values("issued_credentials"), key=lambda row: (row.issued_at, row.id)
        )
        found.reverse()
        return found[offset : offset + limit]

    def count(self) -> int:
        return len(self._s.table("issued_credentials"))


class InMemoryStackAwardRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, award: StackAward) -> None:
        self._s.insert("stack_awards", award.id, award)

    def save(self, award: StackAward) -> None:
        self.get(award.id)
        self._s.update("stack_awards", award.id, award)

    def get(self, stack_award_id: str) -> StackAward:
        found: StackAward | None = self._s.get("stack_awards", stack_award_id)
        if found is None:
            raise NotFoundError("That stack award does not exist.")
        return found

    def find(self, person_id: str, stack_id: str) -> StackAward | None:
        found: StackAward | None = self._s.find(
            "stack_awards", lambda row: row.person_id == person_id and row.stack_id == stack_id
        )
        return found

    def in_state(self, state: StackAwardState) -> list[StackAward]:
        found = self._s.select("stack_awards", lambda row: row.state == state)
        return sorted(found, key=lambda row: row.created_at)
