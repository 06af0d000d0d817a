"""Admin side of credit and stipends: each organisation's jurisdiction, cycle, currency and
payroll template, and its overrides per credential or stack. Every change is audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from lti_tool.domain.catalog_badge import CREDIT_UNITS
from lti_tool.domain.credit_rules import JurisdictionRules
from lti_tool.domain.errors import ValidationError
from lti_tool.domain.model import Organization
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.domain.stipends import parse_template
from lti_tool.ports import Clock, UnitOfWorkFactory
from lti_tool.ports_credit import CreditSettings, DistrictOverride
from lti_tool.services.common import Actor, record
from lti_tool.services.credit_scope import TARGET_KINDS, admin_id

LOCAL_KINDS = (OrganizationKind.DISTRICT, OrganizationKind.SCHOOL)


@dataclass(frozen=True)
class OrganizationCredit:
    organization: Organization
    settings: CreditSettings | None
    overrides: list[DistrictOverride]


def amount_or_none(text: str, what: str) -> Decimal | None:
    """An exact, non-negative decimal from a form or a file; blank means none."""
    text = text.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{what}: {text!r} is not a number like 15 or 250.00") from None
    if not value.is_finite() or value < 0:
        raise ValidationError(f"{what}: must be zero or more")
    return value


class CreditAdminService:
    """Organisation settings and overrides (admins; the command line as the operator)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        rules: Callable[[], Mapping[str, JurisdictionRules]],
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._rules = rules

    def jurisdictions(self) -> dict[str, str]:
        """Code -> name of every jurisdiction with a rule file."""
        return {code: rules.name for code, rules in sorted(self._rules().items())}

    def organizations(self, actor: Actor) -> list[OrganizationCredit]:
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            return [
                OrganizationCredit(org, uow.credit.settings(org.id), uow.credit.overrides(org.id))
                for org in uow.people.organizations()
            ]

    def configure(
        self,
        actor: Actor | None,
        organization_id: str,
        jurisdiction: str,
        cycle_anchor: str = "",
        currency: str = "USD",
        payroll_template: str = "",
    ) -> CreditSettings:
        """Set which rules apply to the organisation's teachers, and its payroll format."""
        by = admin_id(actor)
        code = jurisdiction.strip().upper()
        if code not in self._rules():
            known = ", ".join(sorted(self._rules()))
            raise ValidationError(f"{code or 'Jurisdiction'}: choose one of {known}.")
        anchor = None
        if cycle_anchor.strip():
            try:
                anchor = date.fromisoformat(cycle_anchor.strip())
            except ValueError:
                raise ValidationError("Cycle start must be a date like 2025-07-01.") from None
        money = currency.strip().upper() or "USD"
        if len(money) != 3 or not money.isalpha():
            raise ValidationError("Currency must be a three-letter code such as USD.")
        parse_template(payroll_template)
        settings = CreditSettings(organization_id, code, anchor, money, payroll_template.strip())
        with self._uow() as uow:
            uow.people.organization(organization_id)
            before = uow.credit.settings(organization_id)
            uow.credit.put_settings(settings)
            record(
                uow, self._clock.now(), by, "credit_settings", organization_id, "configure",
                before.jurisdiction if before else None, code,
            )  # fmt: skip
            uow.commit()
        return settings

    def set_override(
        self,
        actor: Actor | None,
        organization_id: str,
        kind: str,
        slug: str,
        *,
        credit_amount: str = "",
        credit_unit: str = "clock_hours",
        category: str = "general",
        stipend_amount: str = "",
        funding_source: str = "",
        note: str = "",
    ) -> DistrictOverride:
        """'Formative Assessment = 15 clock hours in our district', and/or its stipend."""
        by = admin_id(actor)
        if kind not in TARGET_KINDS:
            raise ValidationError("An override is for a credential or a stack.")
        credit = amount_or_none(credit_amount, "Credit")
        stipend = amount_or_none(stipend_amount, "Stipend")
        if credit is not None and credit_unit not in CREDIT_UNITS:
            raise ValidationError(f"Unit must be one of {', '.join(CREDIT_UNITS)}.")
        if stipend is not None and not funding_source.strip():
            raise ValidationError("A stipend needs a funding source (its budget is counted).")
        with self._uow() as uow:
            uow.people.organization(organization_id)
            exists = (
                uow.catalog.current_version(slug)
                if kind == "credential"
                else uow.catalog.stack_by_slug(slug)
            )
            if exists is None:
                raise ValidationError(f"There is no {kind} {slug!r} in the catalog.")
            before = uow.credit.override(organization_id, kind, slug)
            override = DistrictOverride(
                organization_id=organization_id,
                target_kind=kind,
                target_slug=slug,
                credit_amount=credit,
                credit_unit=credit_unit,
                category=category.strip() or "general",
                stipend_amount=stipend,
                funding_source=funding_source.strip(),
                version=(before.version + 1) if before else 1,
                set_by=by,
                set_at=self._clock.now(),
            )
            uow.credit.put_override(override)
            change = f"{kind} {slug}: {_describe(before)} -> {_describe(override)}"
            record(
                uow, override.set_at, by, "credit_override", organization_id, "set",
                f"v{before.version}" if before else None, f"v{override.version}",
                f"{change}. {note.strip()}".strip(),
            )  # fmt: skip
            uow.commit()
            return override


def _describe(override: DistrictOverride | None) -> str:
    if override is None:
        return "none"
    credit = (
        f"{override.credit_amount} {override.credit_unit} {override.category}"
        if override.credit_amount is not None
        else "no credit"
    )
    stipend = (
        f"stipend {override.stipend_amount} from {override.funding_source}"
        if override.stipend_amount is not None
        else "no stipend"
    )
    return f"v{override.version}: {credit}; {stipend}"
