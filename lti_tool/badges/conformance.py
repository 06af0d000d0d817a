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

import json
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


_FULLY_DEFINED: set[str] = set()
"""Term signatures already found fully defined (see :func:`term_signature`)."""
_MEMO_LIMIT = 4096


def term_signature(document: Mapping[str, Any]) -> str:
    """What decides whether every term is defined: the contexts, every property name, and every
    ``type`` value. (Other values are never read as terms: the only vocabulary-typed property in
    our contexts is ``proofPurpose``, and the shape is checked before the proof is added.)"""
    keys: set[str] = set()
    types: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    continue
                keys.add(key)
                if key == "type":
                    types.update(_types(value))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    context = json.dumps(document.get("@context"), sort_keys=True)
    return json.dumps([context, sorted(keys), sorted(types)])


def shape_problems(document: Mapping[str, Any]) -> list[str]:
    """Required properties, then undefined terms. Finding undefined terms canonicalises the whole
    document (as costly as a proof), so a term signature already found clean is not checked
    again: every credential of one achievement has the same signature."""
    problems = required_problems(document)
    signature = term_signature(document)
    if signature in _FULLY_DEFINED:
        return problems
    try:
        undefined = undefined_terms(document)
    except (CanonicalizationError, UnknownDocumentError) as error:
        return [*problems, f"$['@context']: {error}"]
    problems.extend(
        f"term {term!r} is not defined by the credential's contexts" for term in undefined
    )
    if not undefined and len(_FULLY_DEFINED) < _MEMO_LIMIT:
        _FULLY_DEFINED.add(signature)
    return problems
