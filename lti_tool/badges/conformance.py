"""What we check of a credential's shape while the official JSON schema is not vendored.

The official AchievementCredential schema could not be obtained byte for byte offline (see
``docs/open-badges.md``); :mod:`lti_tool.badges.schema` uses it as soon as it is vendored. Until
then two checks stand in, and say so in every report:

- the properties OB 3.0 requires of an ``AchievementCredential`` and its ``Achievement``, written
  from the specification's data model (not a copy of the schema);
- every term is defined by the credential's own contexts (JSON-LD would silently drop an
  undefined one, so no proof would cover it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lti_tool.badges.jsonld import CanonicalizationError, UnknownDocumentError, undefined_terms

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0."


def _types(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _object(parent: Mapping[str, Any], key: str, path: str, problems: list[str]) -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        problems.append(f"{path}.{key}: is required and must be an object")
        return {}
    return value


def required_problems(document: Mapping[str, Any]) -> list[str]:
    """Located problems with the properties OB 3.0 requires."""
    problems: list[str] = []
    contexts = document.get("@context")
    if not isinstance(contexts, list) or len(contexts) < 2:
        problems.append("$['@context']: must list the VC 2.0 context, then the OB 3.0 context")
    elif contexts[0] != VC_V2 or not str(contexts[1]).startswith(OB_PREFIX):
        problems.append(f"$['@context']: must begin with {VC_V2} then an OB 3.0.x context")
    if not isinstance(document.get("id"), str):
        problems.append("$.id: is required (a URI)")
    types = _types(document.get("type"))
    if "VerifiableCredential" not in types or not (
        {"OpenBadgeCredential", "AchievementCredential"} & set(types)
    ):
        problems.append("$.type: must contain VerifiableCredential and OpenBadgeCredential")
    if not isinstance(document.get("name"), str):
        problems.append("$.name: is required")
    if not isinstance(document.get("validFrom"), str):
        problems.append("$.validFrom: is required (a dateTime)")
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        if "Profile" not in _types(issuer.get("type")) or not isinstance(issuer.get("id"), str):
            problems.append("$.issuer: a Profile needs an id and type Profile")
    elif not isinstance(issuer, str):
        problems.append("$.issuer: is required")
    subject = _object(document, "credentialSubject", "$", problems)
    if subject:
        if "AchievementSubject" not in _types(subject.get("type")):
            problems.append("$.credentialSubject.type: must contain AchievementSubject")
        if "id" not in subject and not subject.get("identifier"):
            problems.append("$.credentialSubject: needs an id or an identifier")
        achievement = _object(subject, "achievement", "$.credentialSubject", problems)
        for name in ("id", "name", "description", "criteria"):
            if achievement and name not in achievement:
                problems.append(f"$.credentialSubject.achievement.{name}: is required")
    return problems


def shape_problems(document: Mapping[str, Any]) -> list[str]:
    problems = required_problems(document)
    try:
        problems.extend(
            f"term {term!r} is not defined by the credential's contexts"
            for term in undefined_terms(document)
        )
    except (CanonicalizationError, UnknownDocumentError) as error:
        problems.append(f"$['@context']: {error}")
    return problems
