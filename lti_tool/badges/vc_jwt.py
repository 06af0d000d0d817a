"""VC-JWT, the Open Badges 3.0 "JSON Web Token Proof Format" (OB 3.0 §8.2), signed RS256.

OB 3.0.3 (VC Data Model 2.0) puts the credential's own members at the top of the JWT
payload, next to the registered claims that mirror it: ``iss`` = ``issuer.id``,
``jti`` = ``id``, ``nbf`` = ``validFrom``, ``exp`` = ``validUntil`` (only when present) and
``sub`` = ``credentialSubject.id`` (only when the subject has an ``id``; a subject known only by
a hashed ``identifier`` has no URI to put there). The 2022 drafts wrapped the credential in a
``vc`` claim instead; :func:`decode_vc_jwt` still reads those. The JOSE header carries only
``alg``, ``typ`` and ``kid``, as the spec allows no others. Keys arrive already loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

ALGORITHM = "RS256"
_CLAIMS = ("iss", "sub", "jti", "nbf", "exp")


def numeric_date(xsd_datetime: str) -> int:
    """NumericDate (whole seconds since the epoch) of an XML Schema dateTime with a zone."""
    moment = datetime.fromisoformat(xsd_datetime.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"dateTime {xsd_datetime!r} has no time zone")
    return int(moment.timestamp())


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    """``issuer`` as a URI, whether the credential holds a string or a Profile object."""
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        value = issuer.get("id")
        return value if isinstance(value, str) else None
    return issuer if isinstance(issuer, str) else None


def subject_id(credential: Mapping[str, Any]) -> str | None:
    """``credentialSubject.id`` if the (first) subject has one."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None


def expected_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The registered claims a VC-JWT of ``credential`` must carry."""
    claims: dict[str, Any] = {
        "iss": issuer_id(credential),
        "jti": credential.get("id"),
        "nbf": numeric_date(str(credential["validFrom"])) if "validFrom" in credential else None,
    }
    if "validUntil" in credential:
        claims["exp"] = numeric_date(str(credential["validUntil"]))
    sub = subject_id(credential)
    if sub is not None:
        claims["sub"] = sub
    return claims


def encode_vc_jwt(credential: Mapping[str, Any], private_key: RSAPrivateKey, kid: str) -> str:
    """Sign ``credential`` (with any embedded proof already added) as a compact JWS.

    Raises:
        ValueError: the credential lacks ``id``, ``issuer`` or ``validFrom``.
    """
    claims = expected_claims(credential)
    missing = [name for name in ("iss", "jti", "nbf") if claims.get(name) is None]
    if missing:
        raise ValueError(f"credential cannot be a VC-JWT without {', '.join(missing)}")
    payload = {**credential, **claims}
    return jwt.encode(payload, private_key, algorithm=ALGORITHM, headers={"kid": kid})


def decode_vc_jwt(
    token: str, resolve_key: Callable[[str], RSAPublicKey]
) -> tuple[dict[str, Any] | None, list[str]]:
    """Verify a VC-JWT; return ``(credential, problems)``, where no problems means valid.

    ``resolve_key`` maps the header ``kid`` to the issuer's public key and raises
    ``LookupError`` (``KeyError``) for a kid it does not know. The credential is returned
    whenever the payload could be read, so a caller can show what was tampered with.
    """
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.DecodeError:
        return None, ["token is not a compact JWS with a JSON payload"]
    credential = _credential_of(unverified)
    problems = _signature_problems(token, header, resolve_key)
    problems.extend(_claim_problems(unverified, credential))
    return credential, problems


def _credential_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    if "@context" not in payload and isinstance(payload.get("vc"), Mapping):
        return dict(payload["vc"])
    return {key: value for key, value in payload.items() if key not in _CLAIMS}


def _signature_problems(
    token: str, header: Mapping[str, Any], resolve_key: Callable[[str], RSAPublicKey]
) -> list[str]:
    if header.get("alg") != ALGORITHM:
        return [f"header alg is {header.get('alg')!r}, not {ALGORITHM}"]
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return ["header has no kid"]
    try:
        key = resolve_key(kid)
    except LookupError:
        return [f"kid {kid!r} does not resolve to a known key"]
    try:
        jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except jwt.InvalidSignatureError:
        return ["signature does not match the token"]
    except jwt.InvalidTokenError as error:
        return [f"token is invalid: {error}"]
    return []


def _claim_problems(payload: Mapping[str, Any], credential: Mapping[str, Any]) -> list[str]:
    try:
        expected = expected_claims(credential)
    except ValueError as error:
        return [f"credential dates are not valid dateTimes: {error}"]
    names = {
        "iss": "issuer.id",
        "jti": "id",
        "nbf": "validFrom",
        "sub": "credentialSubject.id",
        "exp": "validUntil",
    }
    problems = []
    for claim, field in names.items():
        want, got = expected.get(claim), payload.get(claim)
        if want is None and claim in ("iss", "jti", "nbf"):
            problems.append(f"credential has no {field}, which {claim} must carry")
        elif want is None and got is None:
            continue
        elif want is None:
            problems.append(f"{claim} is present but the credential has no {field}")
        elif got is None:
            problems.append(f"{claim} is missing (credential {field} is {want!r})")
        elif got != want:
            problems.append(f"{claim} does not match the credential {field}")
    return problems
