"""A minimal OpenBadgeCredential written by hand from the OB 3.0.3 data model, and keys."""

from __future__ import annotations

import copy
import functools
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ISSUER = "https://badges.example.org/issuers/5b0f9c1e"
VERIFICATION_METHOD = f"{ISSUER}#key-1"
CREATED = "2026-03-01T12:00:00Z"

_CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "https://badges.example.org/credentials/0c7d6f3e-5b52-4c41-9a1e-1f2d3c4b5a69",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Formative Assessment Practitioner",
    "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Springfield Public Schools"},
    "validFrom": "2026-03-01T12:00:00Z",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": "sha256$"
                + "6f0c3d0f1a39a5cbd0c2cb02e5e3b5a5f7f1b2f8cf4a4b8a7d4b0c3e2f1a0b9c",
                "identityType": "emailAddress",
                "hashed": True,
                "salt": "s4lt",
            }
        ],
        "achievement": {
            "id": "https://badges.example.org/achievements/formative-assessment",
            "type": ["Achievement"],
            "achievementType": "MicroCredential",
            "name": "Formative Assessment Practitioner",
            "description": "Uses formative assessment to adjust instruction.",
            "criteria": {"narrative": "Submit two annotated lesson plans and a reflection."},
        },
    },
}


def credential() -> dict[str, Any]:
    """A fresh deep copy, so tests can tamper freely."""
    return copy.deepcopy(_CREDENTIAL)


def credential_with_subject_id() -> dict[str, Any]:
    """The same credential with a subject ``id`` (a VC-JWT then carries ``sub``)."""
    data = credential()
    data["credentialSubject"]["id"] = "did:example:teacher-4711"
    return data


@functools.cache
def ed25519_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@functools.cache
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
