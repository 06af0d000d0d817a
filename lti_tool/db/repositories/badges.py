"""Issuer profiles and keys, issued credentials and stack awards over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from lti_tool.db.models import IssuedCredentialRow, IssuerKeyRow, IssuerProfileRow, StackAwardRow
from lti_tool.db.repositories.issued_list import ISSUED_ORDER, issued_where
from lti_tool.domain.badges import (
    CredentialKind,
    IssuedCredential,
    IssuerKey,
    IssuerProfile,
    KeyKind,
    StackAward,
    StackAwardState,
    StackPolicy,
)
from lti_tool.domain.errors import NotFoundError
from lti_tool.ports_badges import IssuedFilter


def _issuer(row: IssuerProfileRow) -> IssuerProfile:
    return IssuerProfile(
        id=row.id,
        name=row.name,
        organization_id=row.organization_id,
        url=row.url,
        email=row.email,
        description=row.description,
        assessor_name=row.assessor_name,
        show_results=row.show_results,
        stack_policy=StackPolicy(row.stack_policy),
        jurisdiction=row.jurisdiction,
    )


def _key(row: IssuerKeyRow) -> IssuerKey:
    return IssuerKey(
        id=row.id,
        issuer_id=row.issuer_id,
        kind=KeyKind(row.kind),
        public_key=row.public_key,
        private_key_encrypted=row.private_key_encrypted,
        created_at=row.created_at,
        retired_at=row.retired_at,
    )


class SqlIssuerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _fill(self, row: IssuerProfileRow, issuer: IssuerProfile) -> None:
        row.name = issuer.name
        row.organization_id = issuer.organization_id
        row.url = issuer.url
        row.email = issuer.email
        row.description = issuer.description
        row.assessor_name = issuer.assessor_name
        row.show_results = issuer.show_results
        row.stack_policy = issuer.stack_policy.value
        row.jurisdiction = issuer.jurisdiction

    def add(self, issuer: IssuerProfile) -> None:
        row = IssuerProfileRow(id=issuer.id)
        self._fill(row, issuer)
        self._session.add(row)
        self._session.flush()

    def save(self, issuer: IssuerProfile) -> None:
        row = self._session.get(IssuerProfileRow, issuer.id)
        if row is None:
            raise NotFoundError("That issuer does not exist.")
        self._fill(row, issuer)

    def get(self, issuer_id: str) -> IssuerProfile:
        row = self._session.get(IssuerProfileRow, issuer_id)
        if row is None:
            raise NotFoundError("That issuer does not exist.")
        return _issuer(row)

    def for_organization(self, organization_id: str | None) -> IssuerProfile | None:
        query = select(IssuerProfileRow).where(
            IssuerProfileRow.organization_id.is_(None)
            if organization_id is None
            else IssuerProfileRow.organization_id == organization_id
        )
        row = self._session.scalars(query.order_by(IssuerProfileRow.id).limit(1)).first()
        return _issuer(row) if row else None

    def all(self) -> list[IssuerProfile]:
        rows = self._session.scalars(select(IssuerProfileRow).order_by(IssuerProfileRow.name))
        return [_issuer(row) for row in rows]

    def add_key(self, key: IssuerKey) -> None:
        self._session.add(
            IssuerKeyRow(
                id=key.id,
                issuer_id=key.issuer_id,
                kind=key.kind.value,
                public_key=key.public_key,
                private_key_encrypted=key.private_key_encrypted,
                created_at=key.created_at,
                retired_at=key.retired_at,
            )
        )
        self._session.flush()

    def save_key(self, key: IssuerKey) -> None:
        row = self._session.get(IssuerKeyRow, key.id)
        if row is None:
            raise NotFoundError("That key does not exist.")
        row.retired_at = key.retired_at

    def key(self, key_id: str) -> IssuerKey | None:
        row = self._session.get(IssuerKeyRow, key_id)
        return _key(row) if row else None

    def keys_of(self, issuer_id: str, kind: KeyKind | None = None) -> list[IssuerKey]:
        query = select(IssuerKeyRow).where(IssuerKeyRow.issuer_id == issuer_id)
        if kind is not None:
            query = query.where(IssuerKeyRow.kind == kind.value)
        rows = self._session.scalars(query.order_by(IssuerKeyRow.created_at, IssuerKeyRow.id))
        return [_key(row) for row in rows]


def _credential(row: IssuedCredentialRow) -> IssuedCredential:
    return IssuedCredential(
        id=row.id,
        kind=CredentialKind(row.kind),
        issuer_id=row.issuer_id,
        person_id=row.person_id,
        achievement_id=row.achievement_id,
        title=row.title,
        document=dict(row.document),
        jwt=row.jwt,
        recipient_salt=row.recipient_salt,
        issued_at=row.issued_at,
        award_id=row.award_id,
        stack_award_id=row.stack_award_id,
        revoked_at=row.revoked_at,
        revocation_reason=row.revocation_reason,
    )


class SqlIssuedCredentialRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, credential: IssuedCredential) -> None:
        self._session.add(
            IssuedCredentialRow(
                id=credential.id,
                kind=credential.kind.value,
                issuer_id=credential.issuer_id,
                person_id=credential.person_id,
                achievement_id=credential.achievement_id,
                title=credential.title,
                document=credential.document,
                jwt=credential.jwt,
                recipient_salt=credential.recipient_salt,
                issued_at=credential.issued_at,
                award_id=credential.award_id,
                stack_award_id=credential.stack_award_id,
                revoked_at=credential.revoked_at,
                revocation_reason=credential.revocation_reason,
            )
        )
        self._session.flush()

    def save_revocation(self, credential: IssuedCredential) -> None:
        row = self._session.get(IssuedCredentialRow, credential.id)
        if row is None:
            raise NotFoundError("That credential does not exist.")
        row.revoked_at = credential.revoked_at
        row.revocation_reason = credential.revocation_reason

    def get(self, credential_id: str) -> IssuedCredential:
        row = self._session.get(IssuedCredentialRow, credential_id)
        if row is None:
            raise NotFoundError("No credential with that id was issued here.")
        return _credential(row)

    def _one(
        self, condition: ColumnElement[bool], *, for_update: bool = False
    ) -> IssuedCredential | None:
        query = select(IssuedCredentialRow).where(condition)
        if for_update:
            query = query.with_for_update()
        row = self._session.scalars(query).first()
        return _credential(row) if row else None

    def for_award(self, award_id: str, *, for_update: bool = False) -> IssuedCredential | None:
        return self._one(IssuedCredentialRow.award_id == award_id, for_update=for_update)

    def for_stack_award(self, stack_award_id: str) -> IssuedCredential | None:
        return self._one(IssuedCredentialRow.stack_award_id == stack_award_id)

    def for_person(self, person_id: str) -> list[IssuedCredential]:
        rows = self._session.scalars(
            select(IssuedCredentialRow)
            .where(IssuedCredentialRow.person_id == person_id)
            .order_by(IssuedCredentialRow.issued_at, IssuedCredentialRow.id)
        )
        return [_credential(row) for row in rows]

    def revoked(self, issuer_id: str) -> list[IssuedCredential]:
        rows = self._session.scalars(
            select(IssuedCredentialRow)
            .where(
                IssuedCredentialRow.issuer_id == issuer_id,
                IssuedCredentialRow.revoked_at.is_not(None),
            )
            .order_by(IssuedCredentialRow.revoked_at, IssuedCredentialRow.id)
        )
        return [_credential(row) for row in rows]

    def each(self, batch: int = 200) -> Iterator[IssuedCredential]:
        after: tuple[object, str] | None = None
        while True:
            query = select(IssuedCredentialRow).order_by(
                IssuedCredentialRow.issued_at, IssuedCredentialRow.id
            )
            if after is not None:
                issued_at, last_id = after
                query = query.where(
                    (IssuedCredentialRow.issued_at > issued_at)
                    | (
                        (IssuedCredentialRow.issued_at == issued_at)
                        & (IssuedCredentialRow.id > last_id)
                    )
                )
            rows = list(self._session.scalars(query.limit(batch)))
            if not rows:
                return
            for row in rows:
                yield _credential(row)
            after = (rows[-1].issued_at, rows[-1].id)
            self._session.expunge_all()

    def page(
        self,
        limit: int,
        offset: int,
        filters: IssuedFilter | None = None,
        sort: str = "",
        descending: bool = False,
    ) -> list[IssuedCredential]:
        row, order = IssuedCredentialRow, ISSUED_ORDER.get(sort)
        if order is None:
            order, descending = row.issued_at, True
        query = issued_where(select(row), filters).order_by(
            order.desc() if descending else order.asc(), row.id
        )
        return [
            _credential(found) for found in self._session.scalars(query.limit(limit).offset(offset))
        ]

    def count(self, filters: IssuedFilter | None = None) -> int:
        query = issued_where(select(func.count()).select_from(IssuedCredentialRow), filters)
        return int(self._session.scalar(query) or 0)


def _stack_award(row: StackAwardRow) -> StackAward:
    return StackAward(
        id=row.id,
        person_id=row.person_id,
        stack_id=row.stack_id,
        issuer_id=row.issuer_id,
        state=StackAwardState(row.state),
        created_at=row.created_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
    )


class SqlStackAwardRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, award: StackAward) -> None:
        self._session.add(
            StackAwardRow(
                id=award.id,
                person_id=award.person_id,
                stack_id=award.stack_id,
                issuer_id=award.issuer_id,
                state=award.state.value,
                created_at=award.created_at,
                decided_at=award.decided_at,
                decided_by=award.decided_by,
            )
        )
        self._session.flush()

    def save(self, award: StackAward) -> None:
        row = self._session.get(StackAwardRow, award.id)
        if row is None:
            raise NotFoundError("That stack award does not exist.")
        row.state = award.state.value
        row.decided_at = award.decided_at
        row.decided_by = award.decided_by

    def get(self, stack_award_id: str) -> StackAward:
        row = self._session.get(StackAwardRow, stack_award_id)
        if row is None:
            raise NotFoundError("That stack award does not exist.")
        return _stack_award(row)

    def find(self, person_id: str, stack_id: str) -> StackAward | None:
        row = self._session.scalars(
            select(StackAwardRow).where(
                StackAwardRow.person_id == person_id, StackAwardRow.stack_id == stack_id
            )
        ).first()
        return _stack_award(row) if row else None

    def in_state(self, state: StackAwardState) -> list[StackAward]:
        rows = self._session.scalars(
            select(StackAwardRow)
            .where(StackAwardRow.state == state.value)
            .order_by(StackAwardRow.created_at)
        )
        return [_stack_award(row) for row in rows]
