"""Upload session rows (``ports_uploads.UploadSessions``), each call its own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from lti_tool.db.models import UploadSessionRow
from lti_tool.domain.errors import NotFoundError
from lti_tool.ports_uploads import UploadSession

_FIELDS = (
    "id", "submission_id", "person_id", "section_key", "requirement_key", "filename",
    "total_bytes", "received_bytes", "state", "created_at", "updated_at",
)  # fmt: skip


def _session(row: UploadSessionRow) -> UploadSession:
    return UploadSession(**{name: getattr(row, name) for name in _FIELDS})


class SqlUploadSessions:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, session: UploadSession) -> None:
        with Session(self._engine) as db, db.begin():
            db.add(UploadSessionRow(**{name: getattr(session, name) for name in _FIELDS}))

    def get(self, session_id: str) -> UploadSession:
        with Session(self._engine) as db:
            row = db.get(UploadSessionRow, session_id)
            if row is None:
                raise NotFoundError("This upload is no longer known: choose the file again.")
            return _session(row)

    def find_open(
        self, person_id: str, submission_id: str, section_key: str, requirement_key: str
    ) -> list[UploadSession]:
        table = UploadSessionRow
        query = (
            select(table)
            .where(
                table.person_id == person_id,
                table.submission_id == submission_id,
                table.section_key == section_key,
                table.requirement_key == requirement_key,
                table.state == "open",
            )
            .order_by(table.updated_at.desc())
        )
        with Session(self._engine) as db:
            return [_session(row) for row in db.scalars(query)]

    def advance(self, session_id: str, from_bytes: int, to_bytes: int, at: datetime) -> bool:
        table = UploadSessionRow
        change = (
            update(table)
            .where(
                table.id == session_id, table.received_bytes == from_bytes, table.state == "open"
            )
            .values(received_bytes=to_bytes, updated_at=at)
        )
        with Session(self._engine) as db, db.begin():
            return bool(db.execute(change).rowcount)  # type: ignore[attr-defined]

    def set_state(self, session_id: str, from_state: str, to_state: str, at: datetime) -> bool:
        table = UploadSessionRow
        change = (
            update(table)
            .where(table.id == session_id, table.state == from_state)
            .values(state=to_state, updated_at=at)
        )
        with Session(self._engine) as db, db.begin():
            return bool(db.execute(change).rowcount)  # type: ignore[attr-defined]

    def remove(self, session_id: str) -> None:
        with Session(self._engine) as db, db.begin():
            db.execute(delete(UploadSessionRow).where(UploadSessionRow.id == session_id))

    def older_than(self, before: datetime) -> list[UploadSession]:
        query = select(UploadSessionRow).where(UploadSessionRow.updated_at < before)
        with Session(self._engine) as db:
            return [_session(row) for row in db.scalars(query)]
