"""Credit lines and the stipend request commit with the award or not at all.

Same set-up as test_award_atomicity: a row holding the award's outbox key is committed first, so
the decision's transaction is refused; the hooks' writes must go with it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from lti_tool.bootstrap import Container
from lti_tool.db.models import CreditLineRow, OutboxEventRow, StipendEntryRow, StipendRow
from lti_tool.domain.errors import ConflictError
from tests.db.test_award_atomicity import (
    CREDENTIAL,
    Ready,
    _block_the_award_key,
    _count,
    awaiting_decision,
    container,
)

__all__ = ["awaiting_decision", "container"]


def test_a_refused_award_leaves_no_credit_or_stipend_and_a_retry_writes_each_once(
    container: Container, awaiting_decision: Ready
) -> None:
    district = container.people.organization_by_slug("maple")
    assert district is not None
    container.credit_admin.configure(None, district.id, "DE")
    container.credit_admin.set_override(
        None, district.id, "credential", CREDENTIAL,
        credit_amount="1", credit_unit="ceus", stipend_amount="80", funding_source="Local",
    )  # fmt: skip
    blocker_id = _block_the_award_key(container, awaiting_decision.submission_id)

    with pytest.raises(ConflictError):
        container.decisions.decide(
            awaiting_decision.issuer, awaiting_decision.submission_id, "award"
        )
    for row in (CreditLineRow, StipendRow, StipendEntryRow):
        assert _count(container, row) == 0, row

    with Session(container.engine) as session:
        session.execute(delete(OutboxEventRow).where(OutboxEventRow.id == blocker_id))
        session.commit()
    container.decisions.decide(awaiting_decision.issuer, awaiting_decision.submission_id, "award")

    with container.uow_factory() as uow:
        award = uow.awards.for_submission(awaiting_decision.submission_id)
        assert award is not None
        stipend = uow.stipends.for_award(award.id)
    assert [(x.amount, x.unit) for x in container.credit.lines_for_award(award.id)] == [
        (10, "clock_hours")  # 1 CEU = 10 clock hours in Delaware
    ]
    assert stipend is not None and str(stipend.amount) == "80"
    for row in (CreditLineRow, StipendRow, StipendEntryRow):
        assert _count(container, row) == 1, row
