"""VC-JWT (OB 3.0 §8.2): claims mirror the credential, signature and claims are checked."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from lti_tool.badges.data_integrity import add_proof
from lti_tool.badges.vc_jwt import decode_vc_jwt, encode_vc_jwt, numeric_date
from tests.badges.samples import (
    CREATED,
    ISSUER,
    VERIFICATION_METHOD,
    credential,
    credential_with_subject_id,
    ed25519_key,
    rsa_key,
)

KID = f"{ISSUER}/keys/rsa-1"


def resolve(kid: str) -> RSAPublicKey:
    if kid != KID:
        raise KeyError(kid)
    return rsa_key().public_key()


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(payload)


def test_header_and_claims_follow_the_spec() -> None:
    data = credential_with_subject_id()
    data["validUntil"] = "2031-03-01T12:00:00Z"
    token = encode_vc_jwt(data, rsa_key(), KID)
    header, payload = _segments(token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": KID}
    assert payload["iss"] == ISSUER
    assert payload["jti"] == data["id"]
    assert payload["sub"] == "did:example:teacher-4711"
    assert payload["nbf"] == numeric_date("2026-03-01T12:00:00Z") == 1772366400
    assert payload["exp"] == numeric_date("2031-03-01T12:00:00Z")
    assert payload["credentialSubject"] == data["credentialSubject"]
    assert "vc" not in payload


def test_round_trip_returns_the_credential_with_its_embedded_proof() -> None:
    secured = add_proof(credential(), ed25519_key(), VERIFICATION_METHOD, CREATED)
    token = encode_vc_jwt(secured, rsa_key(), KID)
    decoded, problems = decode_vc_jwt(token, resolve)
    assert problems == []
    assert decoded == secured
    assert "sub" not in _segments(token)[1]  # the subject is known only by a hashed identifier


def test_tampered_payload_fails_the_signature() -> None:
    token = encode_vc_jwt(credential(), rsa_key(), KID)
    header, _payload, signature = token.split(".")
    body = _segments(token)[1]
    body["name"] = "Forged"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    decoded, problems = decode_vc_jwt(f"{header}.{forged}.{signature}", resolve)
    assert problems == ["signature does not match the token"]
    assert decoded is not None and decoded["name"] == "Forged"


def test_claims_that_do_not_match_the_credential_are_named() -> None:
    body = {**credential_with_subject_id(), "iss": "https://elsewhere.example", "jti": "urn:x"}
    body["nbf"] = numeric_date("2026-03-01T12:00:01Z")
    body["sub"] = "did:example:someone-else"
    token = jwt.encode(body, rsa_key(), algorithm="RS256", headers={"kid": KID})
    _, problems = decode_vc_jwt(token, resolve)
    assert problems == [
        "iss does not match the credential issuer.id",
        "jti does not match the credential id",
        "nbf does not match the credential validFrom",
        "sub does not match the credential credentialSubject.id",
    ]


def test_missing_and_extra_claims_are_named() -> None:
    body = {**credential(), "iss": ISSUER, "sub": "did:example:x", "exp": 1}
    token = jwt.encode(body, rsa_key(), algorithm="RS256", headers={"kid": KID})
    _, problems = decode_vc_jwt(token, resolve)
    assert "jti is missing (credential id is " + repr(credential()["id"]) + ")" in problems
    assert "sub is present but the credential has no credentialSubject.id" in problems
    assert "exp is present but the credential has no validUntil" in problems


def test_unknown_kid_wrong_key_and_wrong_alg_are_reported() -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = encode_vc_jwt(credential(), rsa_key(), "https://unknown.example/key")
    assert decode_vc_jwt(token, resolve)[1] == [
        "kid 'https://unknown.example/key' does not resolve to a known key"
    ]
    token = encode_vc_jwt(credential(), other, KID)
    assert decode_vc_jwt(token, resolve)[1] == ["signature does not match the token"]
    hs = jwt.encode(
        {**credential(), "iss": ISSUER, "jti": credential()["id"], "nbf": 1772366400},
        "a-shared-secret-of-at-least-32-bytes!!",
        algorithm="HS256",
        headers={"kid": KID},
    )
    assert decode_vc_jwt(hs, resolve)[1] == ["header alg is 'HS256', not RS256"]
    assert decode_vc_jwt("not-a-token", resolve) == (
        None,
        ["token is not a compact JWS with a JSON payload"],
    )


def test_legacy_vc_claim_is_read() -> None:
    data = credential()
    body = {"vc": data, "iss": ISSUER, "jti": data["id"], "nbf": numeric_date(data["validFrom"])}
    token = jwt.encode(body, rsa_key(), algorithm="RS256", headers={"kid": KID})
    assert decode_vc_jwt(token, resolve) == (data, [])


def test_encode_refuses_a_credential_without_required_fields() -> None:
    data = credential()
    del data["validFrom"]
    with pytest.raises(ValueError, match="nbf"):
        encode_vc_jwt(data, rsa_key(), KID)
