"""Credit settings, district overrides, credit lines, and the append-only stipend ledger.

Amounts are stored as decimal text: exact on every backend (SQLite has no decimal type).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal kept as its exact text."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class CreditSettingsRow(Base):
    """A district's (or school's) jurisdiction, renewal cycle anchor, currency, payroll template."""

    __tablename__ = "credit_settings"

    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    jurisdiction: Mapped[str] = mapped_column(String(8))
    cycle_anchor: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    payroll_template: Mapped[str] = mapped_column(Text)


class CreditOverrideRow(Base):
    """A district's credit and stipend amounts for one credential or stack."""

    __tablename__ = "credit_overrides"
    __table_args__ = (UniqueConstraint("organization_id", "target_kind", "target_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(10))
    """credential or stack."""
    target_slug: Mapped[str] = mapped_column(String(100))
    credit_amount: Mapped[Decimal | None] = mapped_column(DecimalText)
    credit_unit: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(60))
    stipend_amount: Mapped[Decimal | None] = mapped_column(DecimalText)
    funding_source: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    """Bumped on every change; credit lines name it (``district:<id>@<version>``)."""
    set_by: Mapped[str | None] = mapped_column(String(36))
    set_at: Mapped[datetime]


class CreditLineRow(Base):
    """Credit one award earned; never rewritten, only superseded by an audited re-evaluation."""

    __tablename__ = "credit_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(DecimalText)
    unit: Mapped[str] = mapped_column(String(20))
    jurisdiction: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(60))
    rule_version: Mapped[str] = mapped_column(String(120))
    clock_hours: Mapped[Decimal] = mapped_column(DecimalText)
    earned_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    """Set when the award's credential is revoked: the line is kept but no longer counts."""
    revoked_by: Mapped[str | None] = mapped_column(String(36))
    revocation_reason: Mapped[str | None] = mapped_column(Text)


class StipendRow(Base):
    """A stipend requested for one award; its state lives in the ledger entries."""

    __tablename__ = "stipends"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    district_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    school_id: Mapped[str | None] = mapped_column(String(36))
    credential_slug: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(DecimalText)
    currency: Mapped[str] = mapped_column(String(3))
    funding_source: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime]


class StipendEntryRow(Base):
    """One step of a stipend's ledger; append-only (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "stipend_entries"
    __table_args__ = (UniqueConstraint("stipend_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    stipend_id: Mapped[str] = mapped_column(ForeignKey("stipends.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    """1 for the request; each move takes the next number, so two racing moves clash."""
    state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(36))
    note: Mapped[str] = mapped_column(Text)
    batch: Mapped[str] = mapped_column(String(60))


class StipendReviewRow(Base):
    """A stipend HR must look at: its credential was revoked after it was exported or paid.

    The ledger is not touched (payroll may still send the paid file); the review is closed by
    hand with what HR did (clawed back, waived, ...)."""

    __tablename__ = "stipend_reviews"
    __table_args__ = (UniqueConstraint("stipend_id", "reason"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stipend_id: Mapped[str] = mapped_column(ForeignKey("stipends.id"))
    reason: Mapped[str] = mapped_column(String(40))
    state_then: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime]
    raised_by: Mapped[str | None] = mapped_column(String(36))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(36))
    resolution: Mapped[str] = mapped_column(Text)


class StipendBudgetRow(Base):
    """What a funding source may commit in a district (approved, exported and paid count)."""

    __tablename__ = "stipend_budgets"
    __table_args__ = (UniqueConstraint("district_id", "funding_source"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    district_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    funding_source: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(DecimalText)
