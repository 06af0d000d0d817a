"""Re-licensure credit: lines written with each award, audited re-evaluation, and progress.

Lines are written inside the award's transaction (a :class:`DecisionService` hook) under the rule
version in force on the award day; later rule changes never touch them. An admin may re-evaluate
an award under today's rules and overrides: the old lines are kept, marked superseded, and the
change is in the audit trail. Revoking the award's credential marks its lines revoked (a
:class:`CredentialService` hook, in the revocation's transaction): kept as proof of what was
earned, no longer counted toward renewal or in the dashboards, and never re-evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from lti_tool.domain.badges import IssuedCredential
from lti_tool.domain.credit_lines import CreditLine
from lti_tool.domain.credit_progress import EarnedCredit, Progress, progress
from lti_tool.domain.credit_rules import JurisdictionRules, credit_line, explain_unit
from lti_tool.domain.errors import ConflictError, ValidationError
from lti_tool.domain.model import Award, Organization, Person, new_id
from lti_tool.domain.roles import Role
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.ports_credit import CreditRuleSource, CreditSettings, StoredLine
from lti_tool.services.common import Actor, record
from lti_tool.services.credit_scope import (
    admin_id,
    applicable_overrides,
    as_rule_override,
    governing_settings,
)
from lti_tool.services.decisions import Decided


@dataclass(frozen=True)
class LineView:
    """A credit line with the credential it came from, for pages."""

    credential_title: str
    earned_on: date
    line: CreditLine
    revoked_at: datetime | None = None
    """The credential was revoked: the line is shown, marked, and not counted."""
    revocation_reason: str | None = None


@dataclass(frozen=True)
class CreditProgress:
    """One educator's standing: plain data for the page and for charts."""

    person_id: str
    display_name: str
    jurisdiction_name: str
    progress: Progress | None
    """None when no jurisdiction applies to them (the district has not set one)."""
    lines: tuple[LineView, ...]


def summary(lines: Sequence[CreditLine]) -> str:
    return "; ".join(f"{x.amount} {x.unit} {x.category} ({x.rule_version})" for x in lines) or "-"


class CreditService:
    """Credit lines per award, re-evaluation, and progress toward renewal."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, rules: CreditRuleSource):
        self._uow = uow_factory
        self._clock = clock
        self._source = rules
        self._rules: dict[str, JurisdictionRules] | None = None

    def rules(self) -> dict[str, JurisdictionRules]:
        """The loaded rules (read once per process; files with problems are left out)."""
        if self._rules is None:
            self._rules, _ = self._source.load()
        return self._rules

    def check_rules(self) -> tuple[dict[str, JurisdictionRules], list[str]]:
        """Read the rule files afresh and report every problem with its place."""
        return self._source.load()

    def lines_for_award(self, award_id: str) -> list[CreditLine]:
        """The award's current lines (no actor: the delivery worker calls this)."""
        with self._uow() as uow:
            return [stored.line for stored in uow.credit.lines_for_award(award_id)]

    def lines_in(self, uow: UnitOfWork, award_ids: Sequence[str]) -> dict[str, list[CreditLine]]:
        """Each award's current lines, inside ``uow``: the delivery worker reads them with the
        rest of its batch, in one transaction and one query."""
        found = uow.credit.lines_for_awards(list(award_ids))
        return {award_id: [stored.line for stored in lines] for award_id, lines in found.items()}

    def history(self, actor: Actor, award_id: str) -> list[StoredLine]:
        """Every line the award ever had, superseded ones included (admins)."""
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            return uow.credit.lines_for_award(award_id, current=False)

    def on_decided(self, uow: UnitOfWork, decided: Decided) -> None:
        """Decision hook: write the award's lines in the award's transaction."""
        if decided.award is not None:
            self._write(uow, decided.award, decided.at.date(), decided.actor_id)

    def _write(
        self, uow: UnitOfWork, award: Award, as_of: date, actor_id: str | None
    ) -> list[CreditLine]:
        person = uow.people.person(award.person_id)
        governing = governing_settings(uow, person.organization_id)
        if governing is None:
            return []
        _, settings = governing
        rules = self.rules().get(settings.jurisdiction)
        rule = rules.version_at(as_of) if rules else None
        if rule is None:
            record(
                uow, self._clock.now(), actor_id, "credit", award.id, "skipped", None, None,
                f"no {settings.jurisdiction} credit rule in force on {as_of}",
            )  # fmt: skip
            return []
        credential = uow.catalog.version(award.credential_version_id)
        override = as_rule_override(
            applicable_overrides(uow, person.organization_id, credential).credit
        )
        nominal = credential.definition.credit
        try:
            line = credit_line(award.id, rule, nominal, override)
        except KeyError:
            record(
                uow, self._clock.now(), actor_id, "credit", award.id, "skipped", None, None,
                explain_unit(rule, override.unit if override else getattr(nominal, "unit", "")),
            )  # fmt: skip
            return []
        if line is None:
            return []
        uow.credit.add_line(
            StoredLine(new_id(), line, person.id, award.awarded_at.date(), self._clock.now())
        )
        return [line]

    def on_revoked(self, uow: UnitOfWork, credential: IssuedCredential, by: str) -> None:
        """Revocation hook: mark the award's lines revoked (when, by whom, why); audited."""
        if credential.award_id is None or credential.revoked_at is None:
            return
        award_id, reason = credential.award_id, credential.revocation_reason or ""
        lines = [x.line for x in uow.credit.lines_for_award(award_id) if not x.revoked]
        if uow.credit.revoke_lines(award_id, credential.revoked_at, by, reason):
            record(
                uow, credential.revoked_at, by, "credit", award_id, "revoke",
                f"{len(lines)} lines", "revoked",
                f"credential {credential.id} revoked: {reason}; lines: {summary(lines)}",
            )  # fmt: skip

    def reevaluate(self, actor: Actor | None, award_id: str, note: str) -> list[CreditLine]:
        """Replace an award's lines with today's rules and overrides; audited with the reason.

        Refused when the award's credential is revoked: its credit stays revoked."""
        by = admin_id(actor)
        if not note.strip():
            raise ValidationError("Say why the award is re-evaluated (kept in the audit trail).")
        with self._uow() as uow:
            award = uow.awards.get(award_id)
            # Locked: a revocation committing meanwhile would otherwise see the old lines and
            # miss the new ones this writes, and the revoked credit would count again.
            issued = uow.credentials.for_award(award_id, for_update=True)
            if issued is not None and issued.revoked:
                raise ConflictError(
                    "The award's credential is revoked, so its credit is revoked too and is not "
                    "re-evaluated."
                )
            before = [stored.line for stored in uow.credit.lines_for_award(award_id)]
            now = self._clock.now()
            uow.credit.supersede(award_id, now)
            after = self._write(uow, award, now.date(), by)
            record(
                uow, now, by, "credit", award_id, "reevaluate", f"{len(before)} lines",
                f"{len(after)} lines",
                f"before: {summary(before)}; after: {summary(after)}; why: {note.strip()}",
            )  # fmt: skip
            uow.commit()
            return after

    def progress_of(self, actor: Actor, person_id: str | None = None) -> CreditProgress:
        """An educator's own progress; admins may ask for anyone's."""
        target = person_id or actor.person_id
        if target != actor.person_id:
            actor.require(Role.ADMIN)
        with self._uow() as uow:
            return self._progress(uow, [uow.people.person(target)], self._clock.now().date())[0]

    def _progress(self, uow: UnitOfWork, people: list[Person], on: date) -> list[CreditProgress]:
        """Progress of many people with a fixed number of queries for lines and titles."""
        stored = uow.credit.lines_for_people([person.id for person in people])
        titles = uow.credit.award_titles([item.line.award_id for item in stored])
        by_person: dict[str, list[StoredLine]] = {person.id: [] for person in people}
        for item in stored:
            by_person[item.person_id].append(item)
        settings: dict[str | None, CreditSettings | None] = {}
        found = []
        for person in people:
            if person.organization_id not in settings:
                governing = governing_settings(uow, person.organization_id)
                settings[person.organization_id] = governing[1] if governing else None
            found.append(
                self._standing(
                    person, by_person[person.id], titles, settings[person.organization_id], on
                )
            )
        return found

    def _standing(
        self,
        person: Person,
        stored: list[StoredLine],
        titles: dict[str, str],
        settings: CreditSettings | None,
        on: date,
    ) -> CreditProgress:
        rules = self.rules().get(settings.jurisdiction) if settings else None
        rule = rules.version_at(on) if rules else None
        result = None
        if rule is not None and settings is not None:
            earned = [
                EarnedCredit(
                    x.line.amount, x.line.unit, x.line.jurisdiction, x.line.category, x.earned_on
                )
                for x in stored
                if not x.revoked
            ]
            result = progress(rule, earned, on, settings.cycle_anchor)
        views = tuple(
            LineView(
                titles.get(x.line.award_id, ""),
                x.earned_on,
                x.line,
                x.revoked_at,
                x.revocation_reason,
            )
            for x in stored
        )
        return CreditProgress(
            person.id, person.display_name, rules.name if rules else "", result, views
        )

    def school_progress(
        self, actor: Actor, organization_id: str
    ) -> tuple[Organization, list[CreditProgress]]:
        """Everyone who works in the organisation (or below it), with their progress."""
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            organization = uow.people.organization(organization_id)
            on = self._clock.now().date()
            return organization, self._progress(uow, uow.credit.people_under(organization_id), on)
