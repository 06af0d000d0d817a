"""Catalog repository over SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lti_tool.db.models import CredentialRow, CredentialVersionRow, StackRow
from lti_tool.domain.catalog import credential_from_dict, credential_to_dict
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.model import CredentialVersion, Stack


def _stack(row: StackRow) -> Stack:
    return Stack(id=row.id, slug=row.slug, title=row.title, description=row.description)


def _version(row: CredentialVersionRow, slug: str) -> CredentialVersion:
    return CredentialVersion(
        id=row.id,
        credential_id=row.credential_id,
        slug=slug,
        stack_id=row.stack_id,
        version=row.version,
        fingerprint=row.fingerprint,
        definition=credential_from_dict(row.definition),
        created_at=row.created_at,
    )


class SqlCatalogRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def stack_by_slug(self, slug: str) -> Stack | None:
        row = self._session.scalar(select(StackRow).where(StackRow.slug == slug))
        return _stack(row) if row else None

    def stack(self, stack_id: str) -> Stack:
        row = self._session.get(StackRow, stack_id)
        if row is None:
            raise NotFoundError("That stack does not exist.")
        return _stack(row)

    def save_stack(self, stack: Stack) -> None:
        row = self._session.get(StackRow, stack.id)
        if row is None:
            self._session.add(
                StackRow(
                    id=stack.id, slug=stack.slug, title=stack.title, description=stack.description
                )
            )
        else:
            row.slug, row.title, row.description = stack.slug, stack.title, stack.description

    def stacks(self) -> list[Stack]:
        return [
            _stack(row) for row in self._session.scalars(select(StackRow).order_by(StackRow.title))
        ]

    def _current_rows(self) -> Select[CredentialVersionRow, str]:
        return select(CredentialVersionRow, CredentialRow.slug).join(
            CredentialRow,
            (CredentialRow.id == CredentialVersionRow.credential_id)
            & (CredentialRow.current_version == CredentialVersionRow.version),
        )

    def current_version(self, slug: str) -> CredentialVersion | None:
        found = self._session.execute(
            self._current_rows().where(CredentialRow.slug == slug)
        ).first()
        return _version(found[0], found[1]) if found else None

    def version(self, version_id: str) -> CredentialVersion:
        found = self._session.execute(
            select(CredentialVersionRow, CredentialRow.slug)
            .join(CredentialRow, CredentialRow.id == CredentialVersionRow.credential_id)
            .where(CredentialVersionRow.id == version_id)
        ).first()
        if found is None:
            raise NotFoundError("That credential version does not exist.")
        return _version(found[0], found[1])

    def add_version(self, version: CredentialVersion) -> None:
        credential = self._session.get(CredentialRow, version.credential_id)
        if credential is None:
            credential = CredentialRow(
                id=version.credential_id,
                slug=version.slug,
                stack_id=version.stack_id,
                current_version=version.version,
            )
            self._session.add(credential)
            self._session.flush()
        self._session.add(
            CredentialVersionRow(
                id=version.id,
                credential_id=version.credential_id,
                stack_id=version.stack_id,
                version=version.version,
                fingerprint=version.fingerprint,
                title=version.definition.title,
                definition=credential_to_dict(version.definition),
                created_at=version.created_at,
            )
        )
        credential.current_version = version.version
        credential.stack_id = version.stack_id

    def current_versions(self, stack_id: str | None = None) -> list[CredentialVersion]:
        query = self._current_rows()
        if stack_id is not None:
            query = query.where(CredentialRow.stack_id == stack_id)
        return [
            _version(row, slug)
            for row, slug in self._session.execute(query.order_by(CredentialRow.slug))
        ]

    def versions_of(self, slug: str) -> list[CredentialVersion]:
        query = (
            select(CredentialVersionRow, CredentialRow.slug)
            .join(CredentialRow, CredentialRow.id == CredentialVersionRow.credential_id)
            .where(CredentialRow.slug == slug)
            .order_by(CredentialVersionRow.version)
        )
        return [_version(row, found_slug) for row, found_slug in self._session.execute(query)]
