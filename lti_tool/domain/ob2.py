"""Open Badges 2.0 views of an issued credential, for backpacks that only read 2.0.

Hosted verification: each document lives at its own URL under ``/ob2/``; the Assertion names
the BadgeClass, the BadgeClass names the Issuer. They are derived from the OB 3.0 credential as
issued, so both versions always say the same thing.
"""

from __future__ import annotations

from typing import Any

OB2_CONTEXT = "https://w3id.org/openbadges/v2"


def assertion_url(base_url: str, credential_id: str) -> str:
    return f"{base_url}/ob2/assertions/{credential_id}"


def badge_class_url(base_url: str, issuer_id: str, achievement_id: str) -> str:
    return f"{base_url}/ob2/issuers/{issuer_id}/badges/{achievement_id}"


def issuer_url(base_url: str, issuer_id: str) -> str:
    return f"{base_url}/ob2/issuers/{issuer_id}"


def assertion(
    base_url: str,
    credential_id: str,
    issuer_id: str,
    achievement_id: str,
    document: dict[str, Any],
    revocation_reason: str | None,
    revoked: bool,
) -> dict[str, Any]:
    """The hosted ``Assertion``; revoked ones say so (OB 2.0 hosted revocation)."""
    subject = document["credentialSubject"]
    email = next(
        (item for item in subject.get("identifier", []) if item["identityType"] == "emailAddress"),
        None,
    )
    out: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": assertion_url(base_url, credential_id),
        "badge": badge_class_url(base_url, issuer_id, achievement_id),
        "issuedOn": document["validFrom"],
        "verification": {"type": "HostedBadge"},
        "image": f"{base_url}/credentials/{credential_id}.png",
    }
    if email is not None:
        out["recipient"] = {
            "type": "email",
            "hashed": True,
            "salt": email.get("salt", ""),
            "identity": email["identityHash"],
        }
    evidence = document.get("evidence") or []
    if evidence:
        out["evidence"] = evidence[0]["id"]
    if revoked:
        out["revoked"] = True
        out["revocationReason"] = revocation_reason or ""
    return out


def badge_class(base_url: str, issuer_id: str, achievement: dict[str, Any]) -> dict[str, Any]:
    """The ``BadgeClass`` of an OB 3.0 ``Achievement``."""
    achievement_id = str(achievement["id"]).rsplit("/", 1)[-1]
    out: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(base_url, issuer_id, achievement_id),
        "name": achievement["name"],
        "description": achievement["description"],
        "image": achievement["image"]["id"],
        "criteria": {
            "id": achievement["criteria"].get("id", achievement["id"]),
            "narrative": achievement["criteria"]["narrative"],
        },
        "issuer": issuer_url(base_url, issuer_id),
    }
    alignments = achievement.get("alignment") or []
    if alignments:
        out["alignment"] = [
            {
                "targetName": item["targetName"],
                "targetUrl": item["targetUrl"],
                **(
                    {"targetDescription": item["targetDescription"]}
                    if "targetDescription" in item
                    else {}
                ),
                **(
                    {"targetFramework": item["targetFramework"]}
                    if "targetFramework" in item
                    else {}
                ),
                **({"targetCode": item["targetCode"]} if "targetCode" in item else {}),
            }
            for item in alignments
        ]
    if "humanCode" in achievement:
        out["tags"] = [achievement["humanCode"]]
    return out


def issuer_profile(
    base_url: str, issuer_id: str, name: str, url: str | None, email: str
) -> dict[str, Any]:
    """The ``Issuer`` profile (2.0 requires a name, a URL and an email)."""
    return {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": issuer_url(base_url, issuer_id),
        "name": name,
        "url": url or base_url,
        "email": email,
    }
