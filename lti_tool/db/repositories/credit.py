"""Credit settings, overrides and credit lines over SQLAlchemy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lti_tool.db.models import (
    AwardRow,
    CredentialVersionRow,
    CreditLineRow,
    CreditOverrideRow,
    CreditSettingsRow,
    OrganizationRow,
    PersonRow,
    RoleAssignmentRow,
)
from lti_tool.domain.credit_lines import CreditLine
from lti_tool.domain.model import Person
from lti_tool.domain.roles import Role
from lti_tool.ports_credit import CreditSettings, DistrictOverride, StoredLine


def _settings(row: CreditSettingsRow) -> CreditSettings:
    return CreditSettings(
        row.organization_id, row.jurisdiction, row.cycle_anchor, row.currency, row.payroll_template
    )


def _override(row: CreditOverrideRow) -> DistrictOverride:
    return DistrictOverride(
        organization_id=row.organization_id,
        target_kind=row.target_kind,
        target_slug=row.target_slug,
        credit_amount=row.credit_amount,
        credit_unit=row.credit_unit,
        category=row.category,
        stipend_amount=row.stipend_amount,
        funding_source=row.funding_source,
        version=row.version,
        set_by=row.set_by,
        set_at=row.set_at,
    )


def _line(row: CreditLineRow) -> StoredLine:
    line = CreditLine(
        award_id=row.award_id,
        amount=row.amount,
        unit=row.unit,
        jurisdiction=row.jurisdiction,
        category=row.category,
        rule_version=row.rule_version,
        clock_hours=row.clock_hours,
    )
    return StoredLine(
        row.id,
        line,
        row.person_id,
        row.earned_on,
        row.created_at,
        row.superseded_at,
        row.revoked_at,
        row.revoked_by,
        row.revocation_reason,
    )


class SqlCreditRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def settings(self, organization_id: str) -> CreditSettings | None:
        row = self._session.get(CreditSettingsRow, organization_id)
        return None if row is None else _settings(row)

    def put_settings(self, settings: CreditSettings) -> None:
        row = self._session.get(CreditSettingsRow, settings.organization_id)
        if row is None:
            row = CreditSettingsRow(organization_id=settings.organization_id)
            self._session.add(row)
        row.jurisdiction = settings.jurisdiction
        row.cycle_anchor = settings.cycle_anchor
        row.currency = settings.currency
        row.payroll_template = settings.payroll_template
        self._session.flush()

    def all_settings(self) -> list[CreditSettings]:
        rows = self._session.scalars(select(CreditSettingsRow))
        return [_settings(row) for row in rows]

    def overrides(self, organization_id: str) -> list[DistrictOverride]:
        rows = self._session.scalars(
            select(CreditOverrideRow)
            .where(CreditOverrideRow.organization_id == organization_id)
            .order_by(CreditOverrideRow.target_kind, CreditOverrideRow.target_slug)
        )
        return [_override(row) for row in rows]

    def _override_row(self, organization_id: str, kind: str, slug: str) -> CreditOverrideRow | None:
        return self._session.scalar(
            select(CreditOverrideRow).where(
                CreditOverrideRow.organization_id == organization_id,
                CreditOverrideRow.target_kind == kind,
                CreditOverrideRow.target_slug == slug,
            )
        )

    def override(self, organization_id: str, kind: str, slug: str) -> DistrictOverride | None:
        row = self._override_row(organization_id, kind, slug)
        return None if row is None else _override(row)

    def put_override(self, override: DistrictOverride) -> None:
        row = self._override_row(
            override.organization_id, override.target_kind, override.target_slug
        )
        if row is None:
            row = CreditOverrideRow(
                organization_id=override.organization_id,
                target_kind=override.target_kind,
                target_slug=override.target_slug,
            )
            self._session.add(row)
        row.credit_amount = override.credit_amount
        row.credit_unit = override.credit_unit
        row.category = override.category
        row.stipend_amount = override.stipend_amount
        row.funding_source = override.funding_source
        row.version = override.version
        row.set_by = override.set_by
        row.set_at = override.set_at
        self._session.flush()

    def add_line(self, stored: StoredLine) -> None:
        line = stored.line
        self._session.add(
            CreditLineRow(
                id=stored.id,
                award_id=line.award_id,
                person_id=stored.person_id,
                amount=line.amount,
                unit=line.unit,
                jurisdiction=line.jurisdiction,
                category=line.category,
                rule_version=line.rule_version,
                clock_hours=line.clock_hours,
                earned_on=stored.earned_on,
                created_at=stored.created_at,
                superseded_at=stored.superseded_at,
                revoked_at=stored.revoked_at,
                revoked_by=stored.revoked_by,
                revocation_reason=stored.revocation_reason,
            )
        )
        self._session.flush()

    def lines_for_award(self, award_id: str, *, current: bool = True) -> list[StoredLine]:
        query = select(CreditLineRow).where(CreditLineRow.award_id == award_id)
        if current:
            query = query.where(CreditLineRow.superseded_at.is_(None))
        rows = self._session.scalars(query.order_by(CreditLineRow.created_at, CreditLineRow.id))
        return [_line(row) for row in rows]

    def lines_for_awards(self, award_ids: list[str]) -> dict[str, list[StoredLine]]:
        found: dict[str, list[StoredLine]] = {award_id: [] for award_id in award_ids}
        if not award_ids:
            return found
        rows = self._session.scalars(
            select(CreditLineRow)
            .where(CreditLineRow.award_id.in_(award_ids), CreditLineRow.superseded_at.is_(None))
            .order_by(CreditLineRow.created_at, CreditLineRow.id)
        )
        for row in rows:
            found[row.award_id].append(_line(row))
        return found

    def lines_for_people(self, person_ids: list[str]) -> list[StoredLine]:
        if not person_ids:
            return []
        rows = self._session.scalars(
            select(CreditLineRow)
            .where(CreditLineRow.person_id.in_(person_ids), CreditLineRow.superseded_at.is_(None))
            .order_by(CreditLineRow.earned_on)
        )
        return [_line(row) for row in rows]

    def supersede(self, award_id: str, at: datetime) -> int:
        result = self._session.execute(
            update(CreditLineRow)
            .where(CreditLineRow.award_id == award_id, CreditLineRow.superseded_at.is_(None))
            .values(superseded_at=at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def revoke_lines(self, award_id: str, at: datetime, by: str | None, reason: str) -> int:
        result = self._session.execute(
            update(CreditLineRow)
            .where(
                CreditLineRow.award_id == award_id,
                CreditLineRow.superseded_at.is_(None),
                CreditLineRow.revoked_at.is_(None),
            )
            .values(revoked_at=at, revoked_by=by, revocation_reason=reason)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def award_titles(self, award_ids: list[str]) -> dict[str, str]:
        if not award_ids:
            return {}
        rows = self._session.execute(
            select(AwardRow.id, CredentialVersionRow.title)
            .join(CredentialVersionRow, CredentialVersionRow.id == AwardRow.credential_version_id)
            .where(AwardRow.id.in_(set(award_ids)))
        )
        return {award_id: title for award_id, title in rows}

    def people_under(self, organization_id: str) -> list[Person]:
        """Educators of the organisation and of every organisation below it."""
        parents: dict[str, str | None] = {
            org: parent
            for org, parent in self._session.execute(
                select(OrganizationRow.id, OrganizationRow.parent_id)
            )
        }
        wanted = {organization_id}
        grown = True
        while grown:
            below = {org for org, parent in parents.items() if parent in wanted} - wanted
            wanted |= below
            grown = bool(below)
        educator = (
            select(RoleAssignmentRow.id)
            .where(
                RoleAssignmentRow.person_id == PersonRow.id,
                RoleAssignmentRow.role == Role.EDUCATOR.value,
            )
            .exists()
        )
        rows = self._session.scalars(
            select(PersonRow)
            .where(PersonRow.organization_id.in_(wanted), educator)
            .order_by(PersonRow.display_name)
        )
        return [Person(row.id, row.display_name, row.email, row.organization_id) for row in rows]
