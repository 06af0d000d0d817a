"""The webhook's JSON body and its HMAC-SHA256 signature (pure).

Headers sent with every POST:

- ``X-Credbridge-Timestamp``: Unix seconds when it was signed;
- ``X-Credbridge-Signature``: ``v1=`` and the hex HMAC-SHA256, keyed with the shared secret,
  of ``<timestamp>.<raw body>``;
- ``Idempotency-Key``: the same for every retry of one delivery (receivers drop repeats).

Receivers refuse a timestamp more than :data:`REPLAY_WINDOW` seconds from their clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from lti_tool.domain.delivery import DeliveryItem

TIMESTAMP_HEADER = "X-Credbridge-Timestamp"
SIGNATURE_HEADER = "X-Credbridge-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-Credbridge-Event"
REPLAY_WINDOW = 300


def body(item: DeliveryItem) -> dict[str, Any]:
    """``credential.awarded`` or ``credential.revoked`` with the educator, credit and links."""
    return {
        "type": f"credential.{'awarded' if item.action.value == 'award' else 'revoked'}",
        "id": item.idempotency_key,
        "award_id": item.award_id,
        "awarded_at": item.awarded_at.isoformat(),
        "educator": {
            "id": item.educator_id,
            "name": item.educator_name,
            "email": item.educator_email,
        },
        "credential": {
            "slug": item.credential_slug,
            "title": item.credential_title,
            "version": item.credential_version,
            "verification_url": item.verification_url,
        },
        "provider": {"name": item.provider_name, "number": item.provider_number},
        "credit": [
            {
                "amount": str(line.amount),
                "unit": line.unit,
                "jurisdiction": line.jurisdiction,
                "category": line.category,
                "rule_version": line.rule_version,
                "clock_hours": str(line.clock_hours),
            }
            for line in item.lines
        ],
        "stipend": str(item.stipend) if item.stipend is not None else None,
        "revoked_at": item.revoked_at.isoformat() if item.revoked_at else None,
        "revocation_reason": item.revocation_reason or None,
    }


def encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature(secret: str, timestamp: int, raw: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode() + b"." + raw, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def headers(secret: str, timestamp: int, raw: bytes, key: str, event: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, raw),
        IDEMPOTENCY_HEADER: key,
        EVENT_HEADER: event,
    }


def verify(secret: str, received: Mapping[str, str], raw: bytes, now: float) -> str | None:
    """What is wrong with a received webhook, or ``None`` when it is genuine and fresh."""
    try:
        timestamp = int(received.get(TIMESTAMP_HEADER, ""))
    except ValueError:
        return "missing or malformed timestamp"
    if abs(now - timestamp) > REPLAY_WINDOW:
        return "timestamp outside the replay window"
    expected = signature(secret, timestamp, raw)
    if not hmac.compare_digest(expected, received.get(SIGNATURE_HEADER, "")):
        return "signature does not match"
    return None
