"""Revoking a credential takes back its award's credit and stipend, in the revocation's transaction.

Credit lines stay (earned credit history must stay provable) but are marked revoked and stop
counting toward renewal and in the dashboards; a stipend not yet exported is rejected; one already
exported or paid goes on HR's review list. Everything goes through the real services and database
(SQLite; PostgreSQL with TEST_DATABASE_URL).
"""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest
from sqlalchemy.orm import Session

from lti_tool.db.models import StipendReviewRow
from lti_tool.domain.errors import ConflictError, ValidationError
from lti_tool.domain.stipends import ReviewReason, StipendState
from lti_tool.ports import AuditFilter
from tests.services.credit_world import CreditWorld, award

S = StipendState
HINGE = "hinge-questions"  # states 15 clock hours
GOALS = "learning-goals-success-criteria"
WHY = "Evidence was not their own."


def set_up(world: CreditWorld, stipend: str = "200.00") -> None:
    c = world.container
    c.credit_admin.configure(world.admin, world.district_id, "TX")
    c.credit_admin.set_override(
        world.admin, world.district_id, "stack", "formative-assessment",
        stipend_amount=stipend, funding_source="Title II",
    )  # fmt: skip


def revoke(world: CreditWorld, award_id: str, why: str = WHY) -> str:
    c = world.container
    credential = c.credentials.issue_for_award(award_id).credential
    c.credentials.revoke(world.issuer, credential.id, why)
    return credential.id


def stipend_of(world: CreditWorld, award_id: str) -> str:
    found = world.container.stipends.for_award(award_id)
    assert found is not None
    return found[0].id


def audit(world: CreditWorld, entity: str, entity_id: str) -> list[tuple[str, str | None, str]]:
    entries, _ = world.container.audit.page(
        world.admin, AuditFilter(entity_type=entity, entity_id=entity_id)
    )
    return [(e.action, e.actor_id, e.note) for e in entries.items]


def test_revoked_credit_is_kept_marked_and_no_longer_counted(credit_world: CreditWorld) -> None:
    world = credit_world
    c = world.container
    set_up(world)
    c.credit_admin.set_override(
        world.admin, world.district_id, "credential", GOALS,
        credit_amount="10", credit_unit="clock_hours",
    )  # fmt: skip
    kept, revoked = award(world, GOALS), award(world, HINGE)
    assert c.credit.progress_of(world.teacher).progress.counted == D(25)  # type: ignore[union-attr]
    granted = c.dashboards.credit_granted(world.admin)
    assert granted.series[1].values == (25.0,)

    credential_id = revoke(world, revoked)

    (line,) = c.credit.history(world.admin, revoked)
    assert line.revoked and line.superseded_at is None  # kept, not deleted or superseded
    assert (line.revoked_by, line.revocation_reason) == (world.issuer.person_id, WHY)
    assert line.line.amount == D(15)
    assert not c.credit.history(world.admin, kept)[0].revoked

    mine = c.credit.progress_of(world.teacher)
    assert mine.progress is not None and mine.progress.counted == D(10)
    shown = {view.line.award_id: view for view in mine.lines}
    assert shown[revoked].revoked_at is not None and shown[revoked].revocation_reason == WHY
    assert shown[kept].revoked_at is None
    _, school = c.credit.school_progress(world.admin, world.school_id)
    counted = {p.display_name: p.progress.counted if p.progress else None for p in school}
    assert counted["Tess Teacher"] == D(10)
    assert c.dashboards.credit_granted(world.admin).series[1].values == (10.0,)

    (entry,) = [e for e in audit(world, "credit", revoked) if e[0] == "revoke"]
    assert entry[1] == world.issuer.person_id
    assert f"credential {credential_id} revoked: {WHY}" in entry[2] and "15 clock_hours" in entry[2]

    with pytest.raises(ConflictError, match="credential is revoked"):
        c.credit.reevaluate(world.admin, revoked, "new rules")
    assert [x.line for x in c.credit.history(world.admin, revoked)] == [line.line]


@pytest.mark.parametrize("approve", [False, True], ids=["requested", "approved"])
def test_a_stipend_not_yet_exported_is_rejected(credit_world: CreditWorld, approve: bool) -> None:
    world = credit_world
    c = world.container
    set_up(world)
    c.stipends.set_budget(world.admin, world.district_id, "Title II", "1000")
    award_id = award(world, HINGE)
    stipend_id = stipend_of(world, award_id)
    if approve:
        c.stipends.approve(world.admin, stipend_id)

    revoke(world, award_id)

    entries = c.stipends.entries(world.admin, stipend_id)
    last = entries[-1]
    assert [e.state for e in entries] == [S.REQUESTED, *([S.APPROVED] * approve), S.REJECTED]
    assert (last.actor_id, last.note) == (world.issuer.person_id, f"credential revoked: {WHY}")
    assert c.stipends.amount_for_award(award_id) is None
    (budget,) = c.stipends.totals(world.admin, world.district_id).budgets
    assert budget.committed == D(0)  # the approval's commitment is freed
    assert c.payroll.export(world.admin, world.district_id).rows == 0
    assert c.stipends.reviews(world.admin, world.district_id) == []
    actions = [(a, who) for a, who, _ in audit(world, "stipend", stipend_id)]
    assert ("rejected", world.issuer.person_id) in actions


@pytest.mark.parametrize("paid", [False, True], ids=["exported", "paid"])
def test_a_stipend_already_exported_or_paid_goes_to_hr_review(
    credit_world: CreditWorld, paid: bool
) -> None:
    world = credit_world
    c = world.container
    set_up(world, "125.50")
    award_id, other = award(world, HINGE), award(world, GOALS)
    stipend_id = stipend_of(world, award_id)
    c.stipends.approve(world.admin, stipend_id)
    export = c.payroll.export(world.admin, world.district_id)
    if paid:
        c.stipends.mark_paid(world.admin, stipend_id, "cheque 7")

    revoke(world, award_id)

    state = S.PAID if paid else S.EXPORTED
    assert c.stipends.entries(world.admin, stipend_id)[-1].state is state  # ledger unchanged
    (item,) = c.stipends.reviews(world.admin, world.district_id)
    review = item.review
    reason = ReviewReason.REVOKED_AFTER_PAYMENT if paid else ReviewReason.REVOKED_AFTER_EXPORT
    assert (review.stipend_id, review.reason, review.state_then) == (stipend_id, reason, state)
    assert (review.raised_by, review.note) == (world.issuer.person_id, f"credential revoked: {WHY}")
    assert review.open and review.label == (
        "revoked after payment" if paid else "revoked after export"
    )
    assert (item.ledger.educator, item.ledger.row.stipend.amount) == ("Tess Teacher", D("125.50"))
    flagged = {v.row.stipend.award_id: v.review for v in c.stipends.ledger(world.admin)}
    assert flagged[award_id] == review and flagged[other] is None
    assert ("review", world.issuer.person_id) in [
        (a, who) for a, who, _ in audit(world, "stipend", stipend_id)
    ]

    if not paid:  # payroll may still send the paid file: it closes the ledger as usual
        report = c.payroll.import_paid(world.admin, world.district_id, export.text)
        assert report.paid == 1
        assert c.stipends.entries(world.admin, stipend_id)[-1].state is S.PAID
        assert len(c.stipends.reviews(world.admin, world.district_id)) == 1  # still HR's call

    with pytest.raises(ValidationError):
        c.stipends.resolve_review(world.admin, review.id, "  ")
    resolved = c.stipends.resolve_review(world.admin, review.id, "Clawed back from the May pay.")
    assert (resolved.resolved_by, resolved.resolution) == (
        world.admin.person_id,
        "Clawed back from the May pay.",
    )
    assert c.stipends.reviews(world.admin, world.district_id) == []
    (closed,) = c.stipends.reviews(world.admin, world.district_id, open_only=False)
    assert not closed.review.open and closed.review.resolved_at is not None
    with pytest.raises(ConflictError, match="already resolved"):
        c.stipends.resolve_review(world.admin, review.id, "again")
    assert ("review_resolved", world.admin.person_id) in [
        (a, who) for a, who, _ in audit(world, "stipend", stipend_id)
    ]


def test_a_revocation_that_fails_leaves_credit_stipend_and_credential_untouched(
    credit_world: CreditWorld,
) -> None:
    """A review row holding the stipend's (stipend, reason) key is committed first, so the
    revocation's transaction is refused; its credit and stipend changes must go with it."""
    world = credit_world
    c = world.container
    set_up(world)
    award_id = award(world, HINGE)
    stipend_id = stipend_of(world, award_id)
    c.stipends.approve(world.admin, stipend_id)
    c.payroll.export(world.admin, world.district_id)
    credential = c.credentials.issue_for_award(award_id).credential
    with Session(c.engine) as session:
        blocker = StipendReviewRow(
            id="blocker", stipend_id=stipend_id, reason=ReviewReason.REVOKED_AFTER_EXPORT.value,
            state_then="exported", note="", raised_at=credential.issued_at, raised_by=None,
            resolved_at=None, resolved_by=None, resolution="",
        )  # fmt: skip
        session.add(blocker)
        session.commit()

    with pytest.raises(ConflictError):
        c.credentials.revoke(world.issuer, credential.id, WHY)

    with c.uow_factory() as uow:
        assert not uow.credentials.get(credential.id).revoked
    assert not any(line.revoked for line in c.credit.history(world.admin, award_id))
    assert "revoke" not in [a for a, _, _ in audit(world, "credit", award_id)]
    assert [r.review.id for r in c.stipends.reviews(world.admin)] == ["blocker"]

    with Session(c.engine) as session:
        session.delete(session.get(StipendReviewRow, "blocker"))
        session.commit()
    c.credentials.revoke(world.issuer, credential.id, WHY)
    assert all(line.revoked for line in c.credit.history(world.admin, award_id))
    assert len(c.stipends.reviews(world.admin)) == 1


def test_an_award_without_credit_or_stipend_revokes_cleanly(credit_world: CreditWorld) -> None:
    world = credit_world
    award_id = award(world, GOALS)  # no jurisdiction, no stipend rate: nothing to take back
    revoke(world, award_id)
    assert world.container.credit.history(world.admin, award_id) == []
    assert audit(world, "credit", award_id) == []


def test_a_revocation_waits_for_a_reevaluation_under_way(
    credit_world: CreditWorld, database_url: str
) -> None:
    """A re-evaluation locks the award's credential while it rewrites the lines, so a revocation
    at the same moment runs after it and revokes the new lines (without the lock, on PostgreSQL,
    the revocation saw only the old lines and the new ones counted again)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: the two cannot interleave")
    world = credit_world
    c = world.container
    set_up(world)
    award_id = award(world, HINGE)
    credential = c.credentials.issue_for_award(award_id).credential
    revoked = threading.Event()

    def revoke_now() -> None:
        c.credentials.revoke(world.issuer, credential.id, WHY)
        revoked.set()

    with c.uow_factory() as uow:  # what reevaluate does first: the locked read
        assert uow.credentials.for_award(award_id, for_update=True) is not None
        other = threading.Thread(target=revoke_now)
        other.start()
        assert not revoked.wait(0.5)  # the revocation waits for the lock
        uow.commit()
    other.join(10)
    assert revoked.is_set()
    with pytest.raises(ConflictError):
        c.credit.reevaluate(world.admin, award_id, "new rules")
    assert all(line.revoked for line in c.credit.history(world.admin, award_id))
