"""The stand-in shape check used while the official schema is not vendored."""

from __future__ import annotations

import copy

from lti_tool.badges.conformance import required_problems, shape_problems, term_signature
from tests.badges.samples import credential


def test_a_conformant_credential_has_no_problems_and_its_signature_is_remembered() -> None:
    document = credential()
    assert shape_problems(document) == []
    assert shape_problems(document) == []  # the second time from the memo


def test_a_new_undefined_term_is_found_even_after_the_memo() -> None:
    document = credential()
    assert shape_problems(document) == []
    extended = copy.deepcopy(document)
    extended["credentialSubject"]["achievement"]["undefinedThing"] = "x"
    assert term_signature(extended) != term_signature(document)
    assert shape_problems(extended) == [
        "term 'undefinedThing' is not defined by the credential's contexts"
    ]
    retyped = copy.deepcopy(document)
    retyped["credentialSubject"]["type"] = ["AchievementSubject", "MadeUpType"]
    problem = "term 'MadeUpType' is not defined by the credential's contexts"
    assert problem in shape_problems(retyped)


def test_missing_required_properties_are_located() -> None:
    document = credential()
    del document["validFrom"]
    del document["credentialSubject"]["achievement"]["criteria"]
    document["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    assert required_problems(document) == [
        "$['@context']: must list the VC 2.0 context, then the OB 3.0 context",
        "$.validFrom: is required (a dateTime)",
        "$.credentialSubject.achievement.criteria: is required",
    ]
