"""The Canvas store over SQLAlchemy: each call is one short transaction of its own."""

from __future__ import annotations

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.db.models import (
    CanvasConnectionRow,
    CanvasEvidenceOriginRow,
    CanvasGrantRow,
    CanvasLinkRow,
)
from lti_tool.ports_canvas import CanvasConnection, CanvasLink, CanvasToken, EvidenceOrigin


def _connection(row: CanvasConnectionRow) -> CanvasConnection:
    return CanvasConnection(
        row.base_url,
        row.client_id,
        row.client_secret,
        row.account_token,
        row.scope_id,
        row.created_at,
    )


def _link(row: CanvasLinkRow) -> CanvasLink:
    return CanvasLink(
        row.person_id,
        row.credential_slug,
        row.base_url,
        row.course_id,
        row.assignment_id,
        row.canvas_user_id,
        row.lti_subject,
        row.seen_at,
    )


class SqlCanvasStore:
    """:class:`lti_tool.ports_canvas.CanvasStore` on the application's engine."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def _session(self) -> Session:
        return self._sessions()

    def save_connection(self, connection: CanvasConnection) -> None:
        with self._session() as session, session.begin():
            row = session.get(CanvasConnectionRow, connection.base_url)
            if row is None:
                row = CanvasConnectionRow(
                    base_url=connection.base_url, created_at=connection.created_at
                )
                session.add(row)
            row.client_id = connection.client_id
            row.client_secret = connection.client_secret
            row.account_token = connection.account_token
            row.scope_id = connection.scope_id

    def connection(self, base_url: str) -> CanvasConnection | None:
        with self._session() as session:
            row = session.get(CanvasConnectionRow, base_url)
            return _connection(row) if row else None

    def connections(self) -> list[CanvasConnection]:
        with self._session() as session:
            rows = session.scalars(
                select(CanvasConnectionRow).order_by(CanvasConnectionRow.base_url)
            )
            return [_connection(row) for row in rows]

    def save_grant(self, person_id: str, base_url: str, token: CanvasToken) -> None:
        with self._session() as session, session.begin():
            row = session.scalar(
                select(CanvasGrantRow).where(
                    CanvasGrantRow.person_id == person_id, CanvasGrantRow.base_url == base_url
                )
            )
            if row is None:
                row = CanvasGrantRow(person_id=person_id, base_url=base_url)
                session.add(row)
            row.access_token = token.access_token
            row.refresh_token = token.refresh_token
            row.expires_at = token.expires_at
            row.canvas_user_id = token.canvas_user_id

    def grant(self, person_id: str, base_url: str) -> CanvasToken | None:
        with self._session() as session:
            row = session.scalar(
                select(CanvasGrantRow).where(
                    CanvasGrantRow.person_id == person_id, CanvasGrantRow.base_url == base_url
                )
            )
            if row is None:
                return None
            return CanvasToken(
                row.access_token, row.refresh_token, row.expires_at, row.canvas_user_id
            )

    def drop_grant(self, person_id: str, base_url: str) -> None:
        with self._session() as session, session.begin():
            session.execute(
                delete(CanvasGrantRow).where(
                    CanvasGrantRow.person_id == person_id, CanvasGrantRow.base_url == base_url
                )
            )

    def save_link(self, link: CanvasLink) -> None:
        with self._session() as session, session.begin():
            row = session.scalar(
                select(CanvasLinkRow).where(
                    CanvasLinkRow.person_id == link.person_id,
                    CanvasLinkRow.credential_slug == link.credential_slug,
                )
            )
            if row is None:
                row = CanvasLinkRow(person_id=link.person_id, credential_slug=link.credential_slug)
                session.add(row)
            row.base_url = link.base_url
            row.course_id = link.course_id
            row.assignment_id = link.assignment_id
            row.canvas_user_id = link.canvas_user_id
            row.lti_subject = link.lti_subject
            row.seen_at = link.seen_at

    def link(self, person_id: str, credential_slug: str) -> CanvasLink | None:
        with self._session() as session:
            row = session.scalar(
                select(CanvasLinkRow).where(
                    CanvasLinkRow.person_id == person_id,
                    CanvasLinkRow.credential_slug == credential_slug,
                )
            )
            return _link(row) if row else None

    def links_of(self, person_id: str) -> list[CanvasLink]:
        with self._session() as session:
            rows = session.scalars(
                select(CanvasLinkRow)
                .where(CanvasLinkRow.person_id == person_id)
                .order_by(CanvasLinkRow.seen_at.desc())
            )
            return [_link(row) for row in rows]

    def courses(self) -> list[tuple[str, str]]:
        with self._session() as session:
            rows = session.execute(
                select(CanvasLinkRow.base_url, CanvasLinkRow.course_id)
                .distinct()
                .order_by(CanvasLinkRow.base_url, CanvasLinkRow.course_id)
            )
            return [(base_url, course_id) for base_url, course_id in rows]

    def subjects(self, base_url: str) -> dict[str, str]:
        with self._session() as session:
            rows = session.execute(
                select(CanvasLinkRow.canvas_user_id, CanvasLinkRow.lti_subject).where(
                    CanvasLinkRow.base_url == base_url
                )
            )
            return {user: subject for user, subject in rows if subject}

    def add_origin(self, origin: EvidenceOrigin) -> None:
        with self._session() as session, session.begin():
            session.add(
                CanvasEvidenceOriginRow(
                    evidence_id=origin.evidence_id,
                    base_url=origin.base_url,
                    kind=origin.kind,
                    canvas_file_id=origin.canvas_file_id,
                    location=origin.location,
                    imported_at=origin.imported_at,
                )
            )

    def origins(self, evidence_ids: list[str]) -> dict[str, EvidenceOrigin]:
        if not evidence_ids:
            return {}
        with self._session() as session:
            rows = session.scalars(
                select(CanvasEvidenceOriginRow).where(
                    CanvasEvidenceOriginRow.evidence_id.in_(evidence_ids)
                )
            )
            return {
                row.evidence_id: EvidenceOrigin(
                    row.evidence_id,
                    row.base_url,
                    row.kind,
                    row.canvas_file_id,
                    row.location,
                    row.imported_at,
                )
                for row in rows
            }
