"""The roster store's smaller tables: match questions for admins, reports, user lookups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from lti_tool.db.models.roster import (
    ROSTER_TABLES,
    roster_match_questions,
    roster_providers,
    roster_reports,
)
from lti_tool.domain.errors import ConflictError, NotFoundError
from lti_tool.domain.roster.entities import Entity, all_attrs
from lti_tool.domain.roster.report import ImportReport
from lti_tool.ports import MatchQuestion, RosterProvider, RosterUser


def _question(row: Any) -> MatchQuestion:
    return MatchQuestion(
        id=row.id,
        scope_id=row.scope_id,
        sourced_id=row.sourced_id,
        display_name=row.display_name,
        candidates=list(row.candidates),
        reason=row.reason,
        created_at=row.created_at,
    )


class RosterQuestionsAndReports:
    connection: Connection

    def ask(
        self,
        scope_id: str,
        sourced_id: str,
        display_name: str,
        candidates: list[dict[str, str]],
        reason: str,
        at: datetime,
    ) -> None:
        table = roster_match_questions
        values = {
            "display_name": display_name,
            "candidates": candidates,
            "reason": reason,
            "closed_at": None,
        }
        done = self.connection.execute(
            update(table)
            .where(table.c.scope_id == scope_id, table.c.sourced_id == sourced_id)
            .values(values)
        )
        if not done.rowcount:
            self.connection.execute(
                insert(table).values(
                    scope_id=scope_id, sourced_id=sourced_id, created_at=at, **values
                )
            )

    def questions(
        self, scope_id: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[MatchQuestion]:
        table = roster_match_questions
        query = (
            select(table)
            .where(table.c.closed_at.is_(None))
            .order_by(table.c.created_at, table.c.id)
            .offset(offset)
        )
        if scope_id is not None:
            query = query.where(table.c.scope_id == scope_id)
        if limit is not None:
            query = query.limit(limit)
        return [_question(row) for row in self.connection.execute(query)]

    def count_questions(self, scope_id: str | None = None) -> int:
        table = roster_match_questions
        query = select(func.count()).select_from(table).where(table.c.closed_at.is_(None))
        if scope_id is not None:
            query = query.where(table.c.scope_id == scope_id)
        return int(self.connection.execute(query).scalar_one())

    def question(self, question_id: int) -> MatchQuestion:
        table = roster_match_questions
        row = self.connection.execute(
            select(table).where(table.c.id == question_id, table.c.closed_at.is_(None))
        ).first()
        if row is None:
            raise NotFoundError("That match question does not exist or was already answered.")
        return _question(row)

    def user(self, scope_id: str, sourced_id: str) -> RosterUser:
        from lti_tool.db.repositories.roster import _user

        users = ROSTER_TABLES[Entity.USERS]
        row = self.connection.execute(
            select(users).where(users.c.scope_id == scope_id, users.c.sourced_id == sourced_id)
        ).first()
        if row is None:
            raise NotFoundError("That roster user does not exist.")
        return _user(row._mapping)

    def class_school(self, scope_id: str, class_sourced_id: str) -> str | None:
        classes = ROSTER_TABLES[Entity.CLASSES]
        school: str | None = self.connection.scalar(
            select(classes.c.school_sourced_id).where(
                classes.c.scope_id == scope_id,
                classes.c.sourced_id == class_sourced_id,
                classes.c.active,
            )
        )
        return school

    def class_enrollments(
        self, scope_id: str, class_sourced_id: str
    ) -> dict[str, tuple[str, dict[str, str | None]]]:
        table = ROSTER_TABLES[Entity.ENROLLMENTS]
        rows = self.connection.execute(
            select(table)
            .where(
                table.c.scope_id == scope_id,
                table.c.class_sourced_id == class_sourced_id,
                table.c.active,
            )
            .order_by(table.c.sourced_id)
        )
        found: dict[str, tuple[str, dict[str, str | None]]] = {}
        for row in rows:
            values = {attr: row._mapping[attr] for attr in all_attrs(Entity.ENROLLMENTS)}
            found.setdefault(row.user_sourced_id, (row.sourced_id, values))
        return found

    def close_question(self, question_id: int, at: datetime) -> MatchQuestion:
        table = roster_match_questions
        row = self.connection.execute(select(table).where(table.c.id == question_id)).first()
        if row is None or row.closed_at is not None:
            raise NotFoundError("That match question does not exist or was already answered.")
        self.connection.execute(update(table).where(table.c.id == question_id).values(closed_at=at))
        return _question(row)

    def set_employee_id(self, scope_id: str, sourced_id: str, employee_id: str | None) -> None:
        users = ROSTER_TABLES[Entity.USERS]
        done = self.connection.execute(
            update(users)
            .where(users.c.scope_id == scope_id, users.c.sourced_id == sourced_id)
            .values(employee_id=employee_id)
        )
        if not done.rowcount:
            raise NotFoundError("That roster user does not exist.")

    def users(self, scope_id: str, query: str, limit: int) -> list[RosterUser]:
        from lti_tool.db.repositories.roster import _user

        users = ROSTER_TABLES[Entity.USERS]
        statement = select(users).where(users.c.scope_id == scope_id)
        if query:
            like = f"%{query.lower()}%"
            statement = statement.where(
                or_(
                    users.c.sourced_id.ilike(like),
                    users.c.family_name.ilike(like),
                    users.c.given_name.ilike(like),
                    users.c.email.ilike(like),
                    users.c.employee_id.ilike(like),
                )
            )
        rows = self.connection.execute(statement.order_by(users.c.sourced_id).limit(limit))
        return [_user(row._mapping) for row in rows]

    def save_report(self, report: ImportReport, keep: int) -> None:
        table = roster_reports
        self.connection.execute(
            insert(table).values(
                id=report.id,
                scope_id=report.scope_id,
                source=report.source[:500],
                status=report.status.value,
                started_at=report.started_at,
                data=report.to_dict(),
            )
        )
        old = select(table.c.id).order_by(table.c.started_at.desc(), table.c.id).offset(keep)
        stale: list[str] = list(self.connection.scalars(old))
        if stale:
            self.connection.execute(delete(table).where(table.c.id.in_(stale)))

    def reports(self, limit: int) -> list[ImportReport]:
        table = roster_reports
        query = select(table.c.data).order_by(table.c.started_at.desc()).limit(limit)
        found: list[dict[str, Any]] = list(self.connection.scalars(query))
        return [ImportReport.from_dict(data) for data in found]

    def report(self, report_id: str) -> ImportReport:
        table = roster_reports
        data: dict[str, Any] | None = self.connection.scalar(
            select(table.c.data).where(table.c.id == report_id)
        )
        if data is None:
            raise NotFoundError("That roster report does not exist (only the newest are kept).")
        return ImportReport.from_dict(data)

    def add_provider(self, provider: RosterProvider) -> None:
        table = roster_providers
        if self.connection.scalar(select(table.c.name).where(table.c.name == provider.name)):
            raise ConflictError(f"A roster provider named {provider.name!r} exists already.")
        self.connection.execute(insert(table).values(**provider.__dict__))

    def provider(self, name: str) -> RosterProvider:
        row = self.connection.execute(
            select(roster_providers).where(roster_providers.c.name == name)
        ).first()
        if row is None:
            raise NotFoundError(f"No roster provider is named {name!r}.")
        return RosterProvider(**row._mapping)

    def providers(self) -> list[RosterProvider]:
        rows = self.connection.execute(select(roster_providers).order_by(roster_providers.c.name))
        return [RosterProvider(**row._mapping) for row in rows]
