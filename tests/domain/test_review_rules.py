"""Scoring rules: check_scores, agreement, the issuer's recommendation, blind pseudonyms."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lti_tool.domain.catalog import CredentialDefinition
from lti_tool.domain.errors import ValidationError
from lti_tool.domain.model import Recommendation, Review, ReviewKind, SectionScore
from lti_tool.domain.review import check_scores, final_recommendation, pseudonym, reviews_agree
from tests.fakes.builders import PLANNING, PRACTICE, REQUIRED_LEVEL, build_catalog

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def definition() -> CredentialDefinition:
    return build_catalog().stacks[0].credentials[0]


def _scores(planning: str = REQUIRED_LEVEL, practice: str = REQUIRED_LEVEL) -> list[SectionScore]:
    return [
        SectionScore(PLANNING, planning, "Good questions."),
        SectionScore(PRACTICE, practice, "Clear evidence."),
    ]


def _problems(definition: CredentialDefinition, scores: list[SectionScore], rec: str) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        check_scores(definition, scores, rec)
    assert raised.value.message == "The review is not complete"
    return raised.value.problems


@pytest.mark.parametrize("level", ["proficient", "exemplary"])
def test_award_at_or_above_the_required_level_passes(
    definition: CredentialDefinition, level: str
) -> None:
    check_scores(definition, _scores(level, level), Recommendation.AWARD)


@pytest.mark.parametrize("level", ["emerging", "developing", "proficient", "exemplary"])
def test_resubmit_is_allowed_at_any_level(definition: CredentialDefinition, level: str) -> None:
    check_scores(definition, _scores(level, level), Recommendation.RESUBMIT)


def test_a_missing_section_is_named(definition: CredentialDefinition) -> None:
    problems = _problems(definition, [SectionScore(PLANNING, "proficient", "ok")], "resubmit")
    assert problems == ["Practice: choose a level"]


def test_no_scores_names_every_section(definition: CredentialDefinition) -> None:
    problems = _problems(definition, [], Recommendation.AWARD)
    assert problems == ["Planning: choose a level", "Practice: choose a level"]


def test_an_empty_level_counts_as_missing(definition: CredentialDefinition) -> None:
    problems = _problems(definition, _scores(planning=""), Recommendation.RESUBMIT)
    assert problems == ["Planning: choose a level"]


def test_an_unknown_level_is_named(definition: CredentialDefinition) -> None:
    problems = _problems(definition, _scores(practice="heroic"), Recommendation.RESUBMIT)
    assert problems == ["Practice: 'heroic' is not one of its levels"]


def test_an_unknown_section_is_named(definition: CredentialDefinition) -> None:
    scores = [*_scores(), SectionScore("assessment", "proficient", "Extra.")]
    problems = _problems(definition, scores, Recommendation.RESUBMIT)
    assert problems == ["assessment: is not a section of this credential"]


@pytest.mark.parametrize("feedback", ["", "   ", "\n\t"])
def test_empty_feedback_is_refused(definition: CredentialDefinition, feedback: str) -> None:
    scores = [SectionScore(PLANNING, "proficient", feedback), _scores()[1]]
    problems = _problems(definition, scores, Recommendation.RESUBMIT)
    assert problems == ["Planning: write feedback for the educator"]


@pytest.mark.parametrize("recommendation", ["", "deny", "AWARD", "maybe"])
def test_an_unknown_recommendation_is_refused(
    definition: CredentialDefinition, recommendation: str
) -> None:
    problems = _problems(definition, _scores(), recommendation)
    assert problems == ["Recommendation: choose award or resubmission"]


def test_award_with_a_section_below_the_required_level_is_refused(
    definition: CredentialDefinition,
) -> None:
    problems = _problems(definition, _scores(practice="developing"), Recommendation.AWARD)
    assert problems == [
        "Recommendation: award needs every section at its required level; below it: Practice"
    ]


def test_award_below_in_every_section_lists_them_all(definition: CredentialDefinition) -> None:
    problems = _problems(definition, _scores("emerging", "developing"), Recommendation.AWARD)
    assert problems == [
        "Recommendation: award needs every section at its required level; below it: "
        "Planning, Practice"
    ]


def test_every_problem_is_reported_at_once(definition: CredentialDefinition) -> None:
    scores = [SectionScore(PLANNING, "heroic", ""), SectionScore("nope", "x", "y")]
    problems = _problems(definition, scores, "perhaps")
    assert "nope: is not a section of this credential" in problems
    assert "Planning: 'heroic' is not one of its levels" in problems
    assert "Planning: write feedback for the educator" in problems
    assert "Practice: choose a level" in problems
    assert "Recommendation: choose award or resubmission" in problems


def test_a_section_scored_twice_is_refused(definition: CredentialDefinition) -> None:
    scores = [*_scores("exemplary", "proficient"), SectionScore(PLANNING, "emerging", "Weak.")]
    problems = _problems(definition, scores, Recommendation.RESUBMIT)
    assert problems == ["planning: is scored more than once"]


# -- combining reviews ------------------------------------------------------------------------


def _review(kind: str, recommendation: str | None, *, completed: bool = True) -> Review:
    return Review(
        id=f"r-{kind}-{recommendation}",
        submission_id="s-1",
        attempt_number=1,
        assessor_id=f"a-{kind}",
        kind=kind,
        claimed_at=NOW,
        recommendation=recommendation,
        completed_at=NOW if completed else None,
    )


def test_reviews_agree_on_the_same_recommendation() -> None:
    award = _review(ReviewKind.PRIMARY, Recommendation.AWARD)
    assert reviews_agree(award, _review(ReviewKind.SECOND, Recommendation.AWARD))
    assert not reviews_agree(award, _review(ReviewKind.SECOND, Recommendation.RESUBMIT))


def test_final_recommendation_of_one_review() -> None:
    assert final_recommendation([_review(ReviewKind.PRIMARY, "resubmit")]) == "resubmit"


def test_final_recommendation_of_two_agreeing_reviews() -> None:
    reviews = [_review(ReviewKind.PRIMARY, "award"), _review(ReviewKind.SECOND, "award")]
    assert final_recommendation(reviews) == "award"


def test_no_final_recommendation_while_reviews_disagree() -> None:
    reviews = [_review(ReviewKind.PRIMARY, "award"), _review(ReviewKind.SECOND, "resubmit")]
    assert final_recommendation(reviews) is None


@pytest.mark.parametrize("adjudicated", ["award", "resubmit"])
def test_the_adjudicator_settles_a_disagreement(adjudicated: str) -> None:
    reviews = [
        _review(ReviewKind.PRIMARY, "award"),
        _review(ReviewKind.SECOND, "resubmit"),
        _review(ReviewKind.ADJUDICATION, adjudicated),
    ]
    assert final_recommendation(reviews) == adjudicated
    assert final_recommendation(list(reversed(reviews))) == adjudicated


def test_an_unfinished_adjudication_does_not_count() -> None:
    reviews = [
        _review(ReviewKind.PRIMARY, "award"),
        _review(ReviewKind.SECOND, "resubmit"),
        _review(ReviewKind.ADJUDICATION, None, completed=False),
    ]
    assert final_recommendation(reviews) is None


def test_unfinished_reviews_are_ignored() -> None:
    reviews = [
        _review(ReviewKind.PRIMARY, "award"),
        _review(ReviewKind.SECOND, None, completed=False),
    ]
    assert final_recommendation(reviews) == "award"
    assert final_recommendation([]) is None
    assert final_recommendation([_review(ReviewKind.PRIMARY, None, completed=False)]) is None


# -- pseudonyms -------------------------------------------------------------------------------


def test_pseudonym_is_stable_and_hides_the_id() -> None:
    submission_id = "5f0c2a4e-8d1b-4c3a-9e7f-1a2b3c4d5e6f"
    label = pseudonym(submission_id)
    assert label == pseudonym(submission_id)
    assert label.startswith("MC-")
    assert len(label) == len("MC-") + 8
    assert submission_id not in label
    assert submission_id[:8].upper() not in label
    assert submission_id[:8] not in label


def test_pseudonyms_differ_between_submissions() -> None:
    labels = {pseudonym(f"submission-{index}") for index in range(200)}
    assert len(labels) == 200
