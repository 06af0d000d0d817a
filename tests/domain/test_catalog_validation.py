"""parse_catalog reports every problem with its location; stored definitions round-trip."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lti_tool.domain.catalog import (
    credential_from_dict,
    credential_to_dict,
    parse_catalog,
)
from lti_tool.domain.errors import ValidationError
from lti_tool.domain.media import MediaFamily


def section(key: str = "practice", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": key,
        "title": f"Section {key}",
        "prompt": "Show your practice.",
        "evidence": [
            {"key": "notes", "kind": "reflection", "label": "Notes"},
            {"key": "video", "kind": "file", "label": "Video", "accepts": ["video"]},
            {"key": "link", "kind": "link", "label": "Link", "required": False},
        ],
        "rubric": {
            "levels": [
                {"key": "not_yet", "label": "Not Yet"},
                {"key": "developing", "label": "Developing"},
                {"key": "proficient", "label": "Proficient", "description": "Meets it."},
            ],
            "required_level": "proficient",
        },
    }
    data.update(overrides)
    return data


def credential(slug: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": slug,
        "title": f"Credential {slug}",
        "summary": "One sentence.",
        "competency": "The educator does the thing.",
        "key_method": "Do the thing well.",
        "supporting_research": ["Someone, A. (2000). A study. Journal, 1(1), 1-2."],
        "version": "1.0",
        "sections": [section("context"), section("practice"), section("reflection")],
    }
    data.update(overrides)
    return data


def catalog(*stacks: dict[str, Any]) -> dict[str, Any]:
    return {"stacks": list(stacks)}


def stack(slug: str, *credentials: dict[str, Any]) -> dict[str, Any]:
    return {"slug": slug, "title": f"Stack {slug}", "credentials": list(credentials)}


def problems_of(data: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_catalog(data)
    return caught.value.problems


def test_a_valid_document_parses() -> None:
    document = parse_catalog(catalog(stack("one", credential("alpha"), credential("beta"))))
    assert [c.slug for c in document.stacks[0].credentials] == ["alpha", "beta"]
    alpha = document.stacks[0].credentials[0]
    practice = alpha.section("practice")
    assert practice.required_level == "proficient"
    assert practice.requirement("link").required is False
    assert practice.accepted_families == frozenset({MediaFamily.VIDEO})
    assert alpha.attempt_cap is None
    assert alpha.double_review is None
    assert alpha.blind_review is None


def test_every_problem_is_reported_with_its_location() -> None:
    broken_kind = section("practice")
    broken_kind["evidence"][0]["kind"] = "hologram"
    broken_level = section("reflection")
    broken_level["rubric"]["required_level"] = "x"
    first = credential(
        "alpha",
        title="",
        sections=[section("context"), broken_kind, broken_level, section("context")],
    )
    second = credential("beta", attempt_cap=11)
    duplicate = credential("alpha")
    data = catalog(stack("one", first, second), stack("two", duplicate))

    with pytest.raises(ValidationError) as caught:
        parse_catalog(data)
    problems = caught.value.problems

    expected = [
        "stacks[0].credentials[0].title: is required",
        "stacks[0].credentials[0].sections[1].evidence[0].kind: "
        "'hologram' is not one of file, link, reflection",
        "stacks[0].credentials[0].sections[2].rubric.required_level: "
        "'x' is not one of the section's levels (not_yet, developing, proficient)",
        "stacks[0].credentials[0].sections: section key 'context' appears twice",
        "stacks[0].credentials[1].attempt_cap: must be a whole number from 1 to 10",
        "stacks[*].credentials: credential slug 'alpha' appears twice",
    ]
    assert sorted(problems) == sorted(expected)
    assert str(caught.value) == f"The catalog has {len(expected)} problems"


@pytest.mark.parametrize("cap", [0, -1, 11, 2.5, True, "3"])
def test_attempt_cap_out_of_range_or_not_a_whole_number(cap: object) -> None:
    data = catalog(stack("one", credential("alpha", attempt_cap=cap)))
    assert problems_of(data) == [
        "stacks[0].credentials[0].attempt_cap: must be a whole number from 1 to 10"
    ]


@pytest.mark.parametrize("cap", [1, 10])
def test_attempt_cap_bounds_are_accepted(cap: int) -> None:
    document = parse_catalog(catalog(stack("one", credential("alpha", attempt_cap=cap))))
    assert document.stacks[0].credentials[0].attempt_cap == cap


@pytest.mark.parametrize("data", [None, [], "stacks: []", 42])
def test_a_document_that_is_not_a_mapping_is_refused(data: object) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_catalog(data)
    assert caught.value.problems == ["(top): not a mapping"]
    assert "mapping" in str(caught.value)


def test_missing_or_empty_stacks() -> None:
    assert problems_of({}) == ["catalog.stacks: must be a non-empty list"]
    assert problems_of({"stacks": []}) == ["catalog.stacks: must be a non-empty list"]
    assert problems_of({"stacks": ["nope"]}) == ["catalog.stacks[0]: must be a mapping"]


def test_duplicate_stack_slug_and_bad_identifiers() -> None:
    bad = credential("Alpha_1")
    bad["sections"][0]["key"] = "Has Space"
    problems = problems_of(catalog(stack("one", bad), stack("one", credential("beta"))))
    assert "stacks: stack slug 'one' appears twice" in problems
    assert any(p.startswith("stacks[0].credentials[0].slug: 'Alpha_1' must be") for p in problems)
    assert any(
        p.startswith("stacks[0].credentials[0].sections[0].key: 'Has Space' must be")
        for p in problems
    )
    assert len(problems) == 3


def test_rubric_and_evidence_shape_problems() -> None:
    one_level = section("context")
    one_level["rubric"]["levels"] = [{"key": "only", "label": "Only"}]
    one_level["rubric"]["required_level"] = "only"
    no_rubric = section("practice")
    del no_rubric["rubric"]
    reflection_with_media = section("reflection")
    reflection_with_media["evidence"][0]["accepts"] = ["video"]
    reflection_with_media["evidence"][1]["accepts"] = ["spreadsheet"]
    reflection_with_media["evidence"][2]["required"] = "yes"
    data = catalog(
        stack(
            "one",
            credential("alpha", sections=[one_level, no_rubric, reflection_with_media]),
        )
    )
    where = "stacks[0].credentials[0].sections"
    assert sorted(problems_of(data)) == sorted(
        [
            f"{where}[0].rubric.levels: needs at least two levels",
            f"{where}[1].rubric: is required (levels and required_level)",
            f"{where}[2].evidence[0].accepts: only file evidence accepts media types",
            f"{where}[2].evidence[1].accepts[0]: "
            "'spreadsheet' is not one of video, audio, pdf, image, document",
            f"{where}[2].evidence[2].required: must be true or false, got 'yes'",
        ]
    )


def test_file_evidence_accepts_every_family_by_default() -> None:
    plain = section("practice")
    del plain["evidence"][1]["accepts"]
    document = parse_catalog(catalog(stack("one", credential("alpha", sections=[plain]))))
    requirement = document.stacks[0].credentials[0].section("practice").requirement("video")
    assert set(requirement.accepts) == set(MediaFamily)


def test_review_flags_must_be_booleans() -> None:
    data = catalog(stack("one", credential("alpha", double_review="no", blind_review=1)))
    assert problems_of(data) == [
        "stacks[0].credentials[0].double_review: must be true or false, got 'no'",
        "stacks[0].credentials[0].blind_review: must be true or false, got 1",
    ]


def test_one_problem_is_singular() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_catalog(catalog(stack("one", credential("alpha", competency=""))))
    assert str(caught.value) == "The catalog has 1 problem"
    assert caught.value.problems == ["stacks[0].credentials[0].competency: is required"]


def test_round_trip_through_dict_is_equal() -> None:
    source = credential(
        "alpha", attempt_cap=2, double_review=True, blind_review=False, version="2024-a"
    )
    document = parse_catalog(catalog(stack("one", source)))
    original = document.stacks[0].credentials[0]
    stored = credential_to_dict(original)
    restored = credential_from_dict(copy.deepcopy(stored))
    assert restored == original
    assert restored.fingerprint() == original.fingerprint()
    assert credential_to_dict(restored) == stored


def test_round_trip_keeps_unset_options_unset() -> None:
    source = credential("alpha", summary=None)
    del source["version"]
    original = parse_catalog(catalog(stack("one", source))).stacks[0].credentials[0]
    restored = credential_from_dict(credential_to_dict(original))
    assert restored == original
    assert restored.edition is None
    assert restored.attempt_cap is None
    assert restored.blind_review is None


def test_content_change_changes_the_fingerprint() -> None:
    first = parse_catalog(catalog(stack("one", credential("alpha")))).stacks[0].credentials[0]
    edited = credential("alpha", key_method="Do the thing differently.")
    second = parse_catalog(catalog(stack("one", edited))).stacks[0].credentials[0]
    assert first.fingerprint() != second.fingerprint()


def test_a_corrupt_stored_definition_is_refused() -> None:
    stored = credential_to_dict(
        parse_catalog(catalog(stack("one", credential("alpha")))).stacks[0].credentials[0]
    )
    stored["sections"][0]["rubric"]["required_level"] = "gone"
    with pytest.raises(ValidationError) as caught:
        credential_from_dict(stored)
    assert caught.value.problems == [
        "credential.sections[0].rubric.required_level: "
        "'gone' is not one of the section's levels (not_yet, developing, proficient)"
    ]
