"""The mapping from our domain onto an OpenBadgeCredential (pure: no keys, no network)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import yaml

from lti_tool.domain.badges import IssuerProfile
from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.model import SectionScore
from lti_tool.domain.ob3 import (
    CREDENTIAL_CONTEXT,
    CredentialFacts,
    CreditClaim,
    Recipient,
    achievement_for_credential,
    identity_hash,
    open_badge_credential,
    results,
)

BASE = "https://credbridge.example.org"
DEMO = Path(__file__).resolve().parents[2] / "config" / "catalog" / "demo.yaml"
ISSUER = IssuerProfile("iss-1", "Lakeside School District", "org-1", assessor_name="Lakeside PD")
WHEN = datetime(2026, 11, 2, 15, 4, 5, 999, tzinfo=UTC)


def definition():  # type: ignore[no-untyped-def]
    return parse_catalog(yaml.safe_load(DEMO.read_text())).stacks[0].credentials[0]


def credential(issuer: IssuerProfile = ISSUER, credits: tuple[CreditClaim, ...] = ()):  # type: ignore[no-untyped-def]
    definition_ = definition()
    achievement = achievement_for_credential(BASE, issuer, "ver-1", definition_, "1.0")
    scores = [SectionScore(s.key, s.required_level, "ok") for s in definition_.sections]
    facts = CredentialFacts(
        credential_id="cred-1",
        base_url=BASE,
        issuer=issuer,
        achievement_id="ver-1",
        achievement_version="1.0",
        recipient=Recipient("Theo.Quill@Lakeside.example", "lti-sub-42", salt="s4lt"),
        issued_at=WHEN,
        evidence_url=f"{BASE}/submissions/sub-1/evidence",
        credits=credits,
    )
    return open_badge_credential(facts, achievement, results(achievement, definition_, scores))


def test_the_credential_has_the_required_open_badges_shape() -> None:
    document = credential()
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        CREDENTIAL_CONTEXT,
    ]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"] == f"{BASE}/credentials/cred-1"
    assert document["issuer"]["id"] == f"{BASE}/issuers/iss-1"
    assert document["validFrom"] == "2026-11-02T15:04:05Z"
    assert document["credentialStatus"] == {
        "id": f"{BASE}/issuers/iss-1/revocations",
        "type": "1EdTechRevocationList",
    }
    subject = document["credentialSubject"]
    assert subject["achievement"]["achievementType"] == "MicroCredential"
    assert subject["source"]["name"] == "Lakeside PD"
    assert document["evidence"][0]["id"].endswith("/submissions/sub-1/evidence")


def test_the_rubric_and_the_awarded_levels_point_at_each_other() -> None:
    document = credential()
    achievement = document["credentialSubject"]["achievement"]
    descriptions = {item["id"]: item for item in achievement["resultDescription"]}
    assert all(item["resultType"] == "RubricCriterionLevel" for item in descriptions.values())
    for result in document["credentialSubject"]["result"]:
        description = descriptions[result["resultDescription"]]
        levels = {level["id"] for level in description["rubricCriterionLevel"]}
        assert result["achievedLevel"] in levels
        assert description["requiredLevel"] in levels


def test_private_results_are_left_out() -> None:
    document = credential(replace(ISSUER, show_results=False))
    assert "result" not in document["credentialSubject"]
    assert "resultDescription" in document["credentialSubject"]["achievement"]


def test_the_recipient_is_only_a_salted_hash_the_holder_can_reproduce() -> None:
    document = credential()
    text = json.dumps(document).lower()
    assert "theo.quill" not in text and "lti-sub-42" not in text
    email, lti = document["credentialSubject"]["identifier"]
    expected = "sha256$" + hashlib.sha256(b"theo.quill@lakeside.examples4lt").hexdigest()
    assert email["identityHash"] == expected == identity_hash("theo.quill@lakeside.example", "s4lt")
    assert (email["identityType"], email["hashed"], email["salt"]) == ("emailAddress", True, "s4lt")
    assert lti["identityType"] == "ltiUserId"


def test_pd_credit_is_a_documented_extension_never_a_bare_number() -> None:
    document = credential(credits=(CreditClaim(Decimal("15"), "clock_hours", "US-TN"),))
    assert "pdCredit" in document["@context"][2]
    assert "pdCredit" not in document["credentialSubject"]  # the schema closes the subject
    assert document["pdCredit"] == [
        {
            "type": "PDCredit",
            "creditAmount": "15",
            "creditUnit": "clock_hours",
            "creditJurisdiction": "US-TN",
        }
    ]
    assert "creditsEarned" not in json.dumps(document)
    assert "pdCredit" not in credential()


def test_catalog_badge_fields_are_parsed_and_located() -> None:
    import pytest

    from lti_tool.domain.errors import ValidationError

    data = yaml.safe_load(DEMO.read_text())
    item = data["stacks"][0]["credentials"][0]
    item["alignments"] = [{"name": "InTASC 6", "url": "https://example.org/intasc/6", "code": "6"}]
    item["credit"] = {"amount": "15", "unit": "clock_hours"}
    parsed = parse_catalog(data).stacks[0].credentials[0]
    assert parsed.credit is not None and parsed.credit.amount == Decimal("15")
    assert parsed.alignments[0].code == "6"
    item["alignments"] = [{"name": "x", "url": "ftp://x", "nme": 1}]
    item["credit"] = {"amount": "-1", "unit": "hours"}
    with pytest.raises(ValidationError) as error:
        parse_catalog(data)
    where = "stacks[0].credentials[0]"
    assert error.value.problems == [
        f"{where}.alignments[0].nme: is not a field of a alignment (did you mean 'name'?)",
        f"{where}.alignments[0].url: 'ftp://x' is not an http(s) URL",
        f"{where}.credit.unit: 'hours' is not one of clock_hours, pdps, ceus, semester_hours, "
        "credits",
        f"{where}.credit.amount: must be more than zero",
    ]
