"""Our domain mapped onto an Open Badges 3.0 ``OpenBadgeCredential`` (DOMAIN.md §4).

Pure: the caller passes everything in, including the salt and the time, so the same facts always
give the same document. Signing happens elsewhere (the ``CredentialProofs`` port).

The mapping, field by field:

- the credential definition → ``credentialSubject.achievement`` (``achievementType:
  MicroCredential``, criteria narrative, alignments); a stack → an ``Achievement`` of type
  ``Achievement`` whose criteria name its credentials;
- each rubric section → a ``resultDescription`` of ``resultType: RubricCriterionLevel`` with its
  levels and the ``requiredLevel``; the awarded levels → ``credentialSubject.result[]`` (left out
  when the issuer keeps outcomes private);
- the evidence → one top-level ``evidence[]`` entry linking to the access-controlled evidence page
  (student work is never embedded);
- the assessing organisation → ``credentialSubject.source``; the issuer of record → ``issuer``;
- PD credit → the top-level ``pdCredit`` extension (amount as a decimal string, unit,
  jurisdiction): the schema closes ``AchievementSubject`` to unknown properties but leaves the
  credential open. Its terms, and the 1EdTech status and schema types, are defined by an inline
  JSON-LD context, so verifiers need nothing from the network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lti_tool.domain.badges import IssuerProfile
from lti_tool.domain.catalog import CredentialDefinition, RubricSection
from lti_tool.domain.model import SectionScore

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"
REVOCATION_LIST = "1EdTechRevocationList"
PD_CREDIT_NAMESPACE = "https://w3id.org/credbridge/pd-credit#"
"""The extension's vocabulary. Its terms are documented in ``docs/open-badges.md``."""
CREDENTIAL_CONTEXT: dict[str, Any] = {
    # The 1EdTech status and schema types are defined by the OB 3.0 "extensions" context, which
    # could not be vendored byte for byte; their term definitions are inlined with the same IRIs.
    SCHEMA_VALIDATOR: "https://purl.imsglobal.org/spec/vccs/v1p0/context.json#" + SCHEMA_VALIDATOR,
    REVOCATION_LIST: "https://purl.imsglobal.org/spec/vcrl/v1p0/context.json#" + REVOCATION_LIST,
    "PDCredit": f"{PD_CREDIT_NAMESPACE}PDCredit",
    "pdCredit": {"@id": f"{PD_CREDIT_NAMESPACE}pdCredit", "@container": "@set"},
    "creditAmount": f"{PD_CREDIT_NAMESPACE}creditAmount",
    "creditUnit": f"{PD_CREDIT_NAMESPACE}creditUnit",
    "creditJurisdiction": f"{PD_CREDIT_NAMESPACE}creditJurisdiction",
    "creditCategory": f"{PD_CREDIT_NAMESPACE}creditCategory",
}


@dataclass(frozen=True)
class CreditClaim:
    """Credit the award earns in one jurisdiction, in that jurisdiction's native unit."""

    amount: Decimal
    unit: str
    jurisdiction: str | None
    category: str | None = None


@dataclass(frozen=True)
class Recipient:
    """Who the credential is about. Only salted hashes of these leave the tool."""

    email: str | None
    lti_user_id: str | None
    salt: str


@dataclass(frozen=True)
class CredentialFacts:
    """Everything one credential states."""

    credential_id: str
    base_url: str
    issuer: IssuerProfile
    achievement_id: str
    achievement_version: str | None
    recipient: Recipient
    issued_at: datetime
    evidence_url: str | None
    credits: Sequence[CreditClaim] = ()
    valid_until: datetime | None = None


def identity_hash(identity: str, salt: str) -> str:
    """OB 3.0 ``IdentityObject.identityHash``: ``sha256$`` + hex SHA-256 of identity + salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def timestamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC with a ``Z``, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_url(base_url: str, issuer_id: str) -> str:
    return f"{base_url}/issuers/{issuer_id}"


def credential_url(base_url: str, credential_id: str) -> str:
    return f"{base_url}/credentials/{credential_id}"


def achievement_url(base_url: str, achievement_id: str) -> str:
    return f"{base_url}/achievements/{achievement_id}"


def revocation_list_url(base_url: str, issuer_id: str) -> str:
    return f"{base_url}/issuers/{issuer_id}/revocations"


def profile(base_url: str, issuer: IssuerProfile) -> dict[str, Any]:
    """The issuer's ``Profile`` as embedded in credentials and served at its URL."""
    document: dict[str, Any] = {
        "id": issuer_url(base_url, issuer.id),
        "type": ["Profile"],
        "name": issuer.name,
    }
    if issuer.url:
        document["url"] = issuer.url
    if issuer.email:
        document["email"] = issuer.email
    if issuer.description:
        document["description"] = issuer.description
    return document


def _source(base_url: str, issuer: IssuerProfile) -> dict[str, Any]:
    if not issuer.assessor_name:
        return profile(base_url, issuer)
    return {
        "id": f"{issuer_url(base_url, issuer.id)}/assessor",
        "type": ["Profile"],
        "name": issuer.assessor_name,
    }


def _section_id(achievement: str, section: RubricSection) -> str:
    return f"{achievement}#section-{section.key}"


def _level_id(achievement: str, section: RubricSection, level_key: str) -> str:
    return f"{achievement}#section-{section.key}-level-{level_key}"


def result_descriptions(achievement: str, definition: CredentialDefinition) -> list[dict[str, Any]]:
    """Each rubric section as a ``RubricCriterionLevel`` result description."""
    described = []
    for section in definition.sections:
        described.append(
            {
                "id": _section_id(achievement, section),
                "type": ["ResultDescription"],
                "name": section.title,
                "resultType": "RubricCriterionLevel",
                "allowedValue": [level.label for level in section.levels],
                "requiredLevel": _level_id(achievement, section, section.required_level),
                "rubricCriterionLevel": [
                    {
                        "id": _level_id(achievement, section, level.key),
                        "type": ["RubricCriterionLevel"],
                        "name": level.label,
                        **({"description": level.description} if level.description else {}),
                    }
                    for level in section.levels
                ],
            }
        )
    return described


def achievement_for_credential(
    base_url: str,
    issuer: IssuerProfile,
    achievement_id: str,
    definition: CredentialDefinition,
    version: str | None,
) -> dict[str, Any]:
    """The ``Achievement`` a credential definition publishes."""
    url = achievement_url(base_url, achievement_id)
    narrative = "\n\n".join(
        [
            f"**Competency.** {definition.competency}",
            f"**Key method.** {definition.key_method}",
            "**Evidence required.** "
            + "; ".join(
                f"{section.title}: at least "
                f"{next(lv.label for lv in section.levels if lv.key == section.required_level)}"
                for section in definition.sections
            ),
        ]
    )
    achievement: dict[str, Any] = {
        "id": url,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": definition.title,
        "description": definition.summary or definition.competency,
        "criteria": {"id": f"{url}#criteria", "narrative": narrative},
        "image": {"id": f"{url}/image.svg", "type": "Image", "caption": definition.title},
        "creator": profile(base_url, issuer),
        "humanCode": definition.slug,
        "resultDescription": result_descriptions(url, definition),
    }
    if version:
        achievement["version"] = version
    if definition.alignments:
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": item.name,
                "targetUrl": item.url,
                **({"targetDescription": item.description} if item.description else {}),
                **({"targetFramework": item.framework} if item.framework else {}),
                **({"targetCode": item.code} if item.code else {}),
            }
            for item in definition.alignments
        ]
    return achievement


def achievement_for_stack(
    base_url: str,
    issuer: IssuerProfile,
    achievement_id: str,
    title: str,
    description: str,
    credential_titles: Sequence[str],
) -> dict[str, Any]:
    """The ``Achievement`` of a whole stack: earned by holding each of its credentials."""
    url = achievement_url(base_url, achievement_id)
    return {
        "id": url,
        "type": ["Achievement"],
        "achievementType": "Achievement",
        "name": title,
        "description": description or title,
        "criteria": {
            "id": f"{url}#criteria",
            "narrative": "Earned by holding every micro-credential of the stack: "
            + "; ".join(credential_titles)
            + ".",
        },
        "image": {"id": f"{url}/image.svg", "type": "Image", "caption": title},
        "creator": profile(base_url, issuer),
    }


def results(
    achievement: dict[str, Any], definition: CredentialDefinition, scores: Sequence[SectionScore]
) -> list[dict[str, Any]]:
    """The awarded level of each section, pointing at the achievement's result descriptions."""
    by_section = {score.section_key: score for score in scores}
    url = str(achievement["id"])
    out = []
    for section in definition.sections:
        score = by_section.get(section.key)
        if score is None:
            continue
        out.append(
            {
                "type": ["Result"],
                "resultDescription": _section_id(url, section),
                "achievedLevel": _level_id(url, section, score.level_key),
            }
        )
    return out


def _identifiers(recipient: Recipient) -> list[dict[str, Any]]:
    found = []
    if recipient.email:
        found.append(("emailAddress", recipient.email.strip().lower()))
    if recipient.lti_user_id:
        found.append(("ltiUserId", recipient.lti_user_id))
    return [
        {
            "type": "IdentityObject",
            "identityHash": identity_hash(value, recipient.salt),
            "identityType": kind,
            "hashed": True,
            "salt": recipient.salt,
        }
        for kind, value in found
    ]


def _credit(claims: Sequence[CreditClaim]) -> list[dict[str, Any]]:
    return [
        {
            "type": "PDCredit",
            "creditAmount": str(claim.amount),
            "creditUnit": claim.unit,
            **({"creditJurisdiction": claim.jurisdiction} if claim.jurisdiction else {}),
            **({"creditCategory": claim.category} if claim.category else {}),
        }
        for claim in claims
    ]


def open_badge_credential(
    facts: CredentialFacts,
    achievement: dict[str, Any],
    result: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential``."""
    base = facts.base_url
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": _identifiers(facts.recipient),
        "achievement": achievement,
        "source": _source(base, facts.issuer),
        "activityEndDate": timestamp(facts.issued_at),
    }
    if result and facts.issuer.show_results:
        subject["result"] = list(result)
    document: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_CONTEXT, CREDENTIAL_CONTEXT],
        "id": credential_url(base, facts.credential_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": str(achievement["name"]),
        "issuer": profile(base, facts.issuer),
        "validFrom": timestamp(facts.issued_at),
        "credentialSubject": subject,
        "credentialSchema": [{"id": OB_SCHEMA, "type": SCHEMA_VALIDATOR}],
        "credentialStatus": {
            "id": revocation_list_url(base, facts.issuer.id),
            "type": REVOCATION_LIST,
        },
    }
    if facts.credits:
        document["pdCredit"] = _credit(facts.credits)
    if facts.valid_until is not None:
        document["validUntil"] = timestamp(facts.valid_until)
    if facts.evidence_url:
        document["evidence"] = [
            {
                "id": facts.evidence_url,
                "type": ["Evidence"],
                "name": "Evidence submitted for review",
                "description": "The educator's evidence, visible only to people the educator "
                "and the issuer allow; it is not embedded in this credential.",
            }
        ]
    return document
