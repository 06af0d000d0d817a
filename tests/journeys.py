"""One submission driven through the real services, start to award: shared by the credit,
stipend and delivery tests, which care about what an award sets off, not how it is reached."""

from __future__ import annotations

from lti_tool.bootstrap import Container
from lti_tool.demo import fill_draft
from lti_tool.domain.model import SectionScore
from lti_tool.services.common import Actor


def award_through_services(
    container: Container, slug: str, educator: Actor, assessor: Actor, issuer: Actor
) -> str:
    """Start, fill, submit, review at the required level and award ``slug``; the award's id."""
    c = container
    _, credential = c.catalog.credential(slug)
    submission = c.submissions.start(educator, slug)
    fill_draft(c, educator, submission.id, credential.definition)
    c.submissions.submit(educator, submission.id)
    c.reviews.claim(assessor, submission.id)
    scores = [
        SectionScore(section.key, section.required_level, "Meets the criteria.")
        for section in credential.definition.sections
    ]
    c.reviews.complete(assessor, submission.id, scores, "award")
    c.decisions.decide(issuer, submission.id, "award")
    with c.uow_factory() as uow:
        found = uow.awards.for_submission(submission.id)
    assert found is not None
    return found.id
