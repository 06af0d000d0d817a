"""An id_token read once and checked once: compact JWS parsing, the RS256 signature and the
registered claims, with PyJWT's rules and exceptions but without its second decoding.

A launch used to decode every token twice (pylti1p3's ``validate_jwt_format``, then
``jwt.decode``), and PyJWT checks the base64url alphabet of a segment with a Python generator
over every byte, the largest share of a whole decode. Here each segment is checked by one
compiled pattern (the same alphabet, padding and canonical-encoding rules as PyJWT 2.15's
``_decode_base64url_segment``), decoded once, and the signature is verified on the very bytes
that were parsed, with PyJWT's own RS256 algorithm object. The claim checks are PyJWT's
``decode(..., leeway=60, options={"require": [...]})`` rules, raising its exception types, so
callers treat a refusal exactly as before.
"""

from __future__ import annotations

import binascii
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidSignatureError,
    InvalidTokenError,
    MissingRequiredClaimError,
)

_ALPHABET = re.compile(rb"[A-Za-z0-9_-]*")
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_CANONICAL_LAST = {2: frozenset(b"AQgw"), 3: frozenset(b"AEIMQUYcgkosw048")}
"""The last characters whose unused low bits (4 of them after 2 characters, 2 after 3) are 0."""
_RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)


@dataclass(frozen=True)
class CompactToken:
    """A JWS in compact form, split and decoded but NOT yet trusted."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def _segment(segment: bytes, name: str) -> bytes:
    """PyJWT's strict base64url rules: the URL-safe alphabet only, at most two trailing ``=``
    (then a whole number of quads), no length of 1 mod 4, and the canonical encoding (no stray
    bits in the last character: PyJWT re-encodes and compares, which comes to the same)."""
    stripped = segment.rstrip(b"=")
    padding = len(segment) - len(stripped)
    if padding > 2 or (padding and len(segment) % 4):
        raise DecodeError(f"Invalid {name} padding")
    remainder = len(stripped) % 4
    if remainder == 1 or _ALPHABET.fullmatch(stripped) is None:
        raise DecodeError(f"Invalid {name} padding")
    if remainder and stripped[-1] not in _CANONICAL_LAST[remainder]:
        raise DecodeError(f"Invalid {name} padding")
    try:
        return binascii.a2b_base64(stripped.translate(_TO_STANDARD) + b"=" * (-remainder % 4))
    except binascii.Error as error:
        raise DecodeError(f"Invalid {name} padding") from error


def _object(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise DecodeError(f"Invalid {name} string: {error}") from error
    if not isinstance(value, dict):
        raise DecodeError(f"Invalid {name} string: must be a json object")
    return value


def parse(token: str) -> CompactToken:
    """Split and decode a compact JWS (header and payload JSON objects), nothing verified.

    Raises:
        jwt.DecodeError: not three base64url segments, or a header or payload that is not a
            JSON object.
    """
    raw = token.encode("utf-8")
    parts = raw.split(b".")
    if len(parts) != 3:
        raise DecodeError("Not enough segments" if len(parts) < 3 else "Too many segments")
    header = _object(_segment(parts[0], "header"), "header")
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidTokenError("Key ID header parameter must be a string")
    if "crit" in header or header.get("b64", True) is not True:
        # No JOSE extension is understood here (RFC 7515 §4.1.11), and an LTI id_token is
        # never detached (RFC 7797): refuse rather than verify something else.
        raise InvalidTokenError("Unsupported critical or b64 header parameter")
    claims = _object(_segment(parts[1], "payload"), "payload")
    signature = _segment(parts[2], "crypto")
    return CompactToken(header, claims, raw.rsplit(b".", 1)[0], signature)


def verify_rs256(token: CompactToken, key: RSAPublicKey) -> None:
    """The RS256 signature over the parsed bytes, by PyJWT's own algorithm object.

    Raises:
        jwt.InvalidAlgorithmError: the header does not say RS256.
        jwt.InvalidSignatureError: the signature does not verify with ``key``.
    """
    if token.header.get("alg") != "RS256":
        raise InvalidAlgorithmError("The specified alg value is not allowed")
    if not _RS256.verify(token.signing_input, key, token.signature):
        raise InvalidSignatureError("Signature verification failed")


def check_claims(
    claims: dict[str, Any],
    *,
    audience: str,
    issuer: str,
    leeway: float,
    require: Iterable[str],
    now: float | None = None,
) -> None:
    """``jwt.decode``'s claim checks with these arguments (``verify_*`` all on, aud not
    strict): required claims present, ``iat``/``nbf``/``exp`` integers against ``now`` with
    ``leeway``, ``iss`` equal to ``issuer``, ``aud`` a string or list of strings holding
    ``audience``, ``sub`` and ``jti`` strings when present.

    Raises:
        jwt.PyJWTError: the subclass PyJWT raises for the same defect.
    """
    for name in require:
        if claims.get(name) is None:
            raise MissingRequiredClaimError(name)
    if now is None:
        now = time.time()
    if "iat" in claims:
        try:
            iat = int(claims["iat"])
        except (ValueError, TypeError, OverflowError):
            raise InvalidIssuedAtError("Issued At claim (iat) must be an integer.") from None
        if iat > now + leeway:
            raise ImmatureSignatureError("The token is not yet valid (iat)")
    if "nbf" in claims:
        try:
            nbf = int(claims["nbf"])
        except (ValueError, TypeError, OverflowError):
            raise DecodeError("Not Before claim (nbf) must be an integer.") from None
        if nbf > now + leeway:
            raise ImmatureSignatureError("The token is not yet valid (nbf)")
    if "exp" in claims:
        try:
            exp = int(claims["exp"])
        except (ValueError, TypeError, OverflowError):
            raise DecodeError("Expiration Time claim (exp) must be an integer.") from None
        if exp <= now - leeway:
            raise ExpiredSignatureError("Signature has expired")
    if "iss" not in claims:
        raise MissingRequiredClaimError("iss")
    if not isinstance(claims["iss"], str):
        raise InvalidIssuerError("Payload Issuer (iss) must be a string")
    if claims["iss"] != issuer:
        raise InvalidIssuerError("Invalid issuer")
    audiences = claims.get("aud")
    if not audiences:
        raise MissingRequiredClaimError("aud")
    if isinstance(audiences, str):
        audiences = [audiences]
    if not isinstance(audiences, list) or any(not isinstance(item, str) for item in audiences):
        raise InvalidAudienceError("Invalid claim format in token")
    if audience not in audiences:
        raise InvalidAudienceError("Audience doesn't match")
    if "sub" in claims and not isinstance(claims["sub"], str):
        raise InvalidTokenError("Subject must be a string")
    if "jti" in claims and not isinstance(claims["jti"], str):
        raise InvalidTokenError("JWT ID must be a string")
