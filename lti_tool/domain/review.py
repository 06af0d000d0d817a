"""Rules for scoring a submission against its rubric and combining reviews."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from lti_tool.domain.catalog import CredentialDefinition
from lti_tool.domain.errors import ValidationError
from lti_tool.domain.model import Recommendation, Review, ReviewKind, SectionScore


def check_scores(
    definition: CredentialDefinition, scores: Sequence[SectionScore], recommendation: str
) -> None:
    """Every section scored once at one of its levels, with feedback; a consistent recommendation.

    Raises:
        ValidationError: listing every section with a problem.
    """
    problems: list[str] = []
    by_section = {score.section_key: score for score in scores}
    keys = [score.section_key for score in scores]
    problems.extend(
        f"{key}: is scored more than once" for key in dict.fromkeys(keys) if keys.count(key) > 1
    )
    known = {section.key for section in definition.sections}
    problems.extend(
        f"{score.section_key}: is not a section of this credential"
        for score in scores
        if score.section_key not in known
    )
    for section in definition.sections:
        given = by_section.get(section.key)
        if given is None or not given.level_key:
            problems.append(f"{section.title}: choose a level")
            continue
        if given.level_key not in {level.key for level in section.levels}:
            problems.append(f"{section.title}: {given.level_key!r} is not one of its levels")
        if not given.feedback.strip():
            problems.append(f"{section.title}: write feedback for the educator")
    if recommendation not in Recommendation.ALL:
        problems.append("Recommendation: choose award or resubmission")
    elif recommendation == Recommendation.AWARD and not problems:
        below = [
            definition.section(score.section_key).title
            for score in scores
            if not definition.section(score.section_key).meets_required(score.level_key)
        ]
        if below:
            problems.append(
                "Recommendation: award needs every section at its required level; below it: "
                + ", ".join(below)
            )
    if problems:
        raise ValidationError("The review is not complete", problems)


def reviews_agree(first: Review, second: Review) -> bool:
    """Two independent reviews agree when they recommend the same outcome."""
    return first.recommendation == second.recommendation


def final_recommendation(reviews: Sequence[Review]) -> str | None:
    """The recommendation the issuer acts on: the adjudicator's, else the agreed one."""
    completed = [review for review in reviews if review.completed_at is not None]
    for review in completed:
        if review.kind == ReviewKind.ADJUDICATION:
            return review.recommendation
    recommendations = {review.recommendation for review in completed}
    if len(recommendations) == 1:
        return recommendations.pop()
    return None


def final_scores(reviews: Sequence[Review]) -> list[SectionScore]:
    """The per-section levels the award stands on: the adjudicator's, else the primary review's."""
    completed = [review for review in reviews if review.completed_at is not None]
    for kind in (ReviewKind.ADJUDICATION, ReviewKind.PRIMARY, ReviewKind.SECOND):
        for review in completed:
            if review.kind == kind:
                return list(review.scores)
    return []


def pseudonym(submission_id: str) -> str:
    """A stable public label for blind review that reveals nothing about the educator."""
    digest = hashlib.sha256(submission_id.encode("utf-8")).hexdigest()[:8].upper()
    return f"MC-{digest}"
