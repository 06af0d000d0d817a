"""The launch's single-pass id_token checks give PyJWT's verdict on the same token: same
acceptance, same exception type, for good tokens and for each defect."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from lti_tool.lti import id_token

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ISSUER, CLIENT = "https://lms.example", "client-1"
REQUIRE = ("exp", "iat", "iss", "aud", "nonce")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": ISSUER, "aud": CLIENT, "sub": "user-1", "nonce": "n-1",
        "iat": now, "exp": now + 300,
    }  # fmt: skip
    for name, value in changes.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def signed(body: dict[str, Any], header: dict[str, Any] | None = None, key: Any = KEY) -> str:
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1", **(header or {})})


def hand_made(header: dict[str, Any], body: dict[str, Any], key: Any = KEY) -> str:
    """A token whose header PyJWT's encoder would not write, signed over its own bytes."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def tampered(token: str, change: Callable[[list[str]], None]) -> str:
    parts = token.split(".")
    change(parts)
    return ".".join(parts)


def _set(index: int, value: str) -> Callable[[list[str]], None]:
    def change(parts: list[str]) -> None:
        parts[index] = value

    return change


def _flip_last_signature_char(parts: list[str]) -> None:
    parts[2] = parts[2][:-1] + ("A" if parts[2][-1] != "A" else "B")


def _pad_signature(parts: list[str]) -> None:
    parts[2] += "=" * (-len(parts[2]) % 4)


RS256 = {"alg": "RS256", "kid": "k1"}


def good() -> str:
    return signed(claims())


def cases() -> dict[str, str]:
    """Built when a test runs: their times are relative to now."""
    token = good()
    return {
        "good": token,
        "good, audience list": signed(claims(aud=[CLIENT, "other"], azp=CLIENT)),
        "good, padded segments": tampered(token, _pad_signature),
        "half padded": tampered(token, lambda p: p.__setitem__(2, p[2] + "=")),
        "wrong key": signed(claims(), key=OTHER_KEY),
        "signature tampered": tampered(token, _flip_last_signature_char),
        "payload swapped": tampered(token, _set(1, b64(json.dumps(claims(sub="admin")).encode()))),
        "junk in a segment": tampered(
            token, lambda p: p.__setitem__(1, p[1][:9] + "!" + p[1][10:])
        ),
        "plus and slash": tampered(token, lambda p: p.__setitem__(2, p[2].replace("-", "+"))),
        "three pad chars": tampered(token, lambda p: p.__setitem__(0, p[0] + "===")),
        "two segments": ".".join(token.split(".")[:2]),
        "four segments": token + ".AAAA",
        "header not json": tampered(token, _set(0, b64(b"not json"))),
        "payload a list": tampered(token, _set(1, b64(b"[1, 2]"))),
        "expired": signed(claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
        "good, expired within leeway": signed(claims(exp=int(time.time()) - 30)),
        "issued in the future": signed(claims(iat=int(time.time()) + 3600)),
        "not before in the future": signed(claims(nbf=int(time.time()) + 3600)),
        "exp not a number": hand_made(RS256, claims(exp="tomorrow")),
        "iat not a number": hand_made(RS256, claims(iat="now")),
        "no nonce": signed(claims(nonce=None)),
        "no exp": signed(claims(exp=None)),
        "no iat": signed(claims(iat=None)),
        "other issuer": signed(claims(iss="https://evil.example")),
        "issuer not a string": hand_made(RS256, claims(iss=42)),
        "other audience": signed(claims(aud="client-2")),
        "audience of non-strings": hand_made(RS256, claims(aud=[CLIENT, 7])),
        "audience an object": hand_made(RS256, claims(aud={"id": CLIENT})),
        "sub not a string": hand_made(RS256, claims(sub=12)),
        "jti not a string": hand_made(RS256, claims(jti=12)),
        "kid not a string": hand_made({"alg": "RS256", "kid": 5}, claims()),
        "alg none": hand_made({"alg": "none", "kid": "k1"}, claims()),
        "alg HS256": jwt.encode(claims(), "secret" * 8, algorithm="HS256", headers={"kid": "k1"}),
        "unknown crit": hand_made({**RS256, "crit": ["exp"], "exp": 1}, claims()),
    }


def pyjwt_verdict(token: str) -> type[Exception] | None:
    try:
        jwt.decode(
            token, KEY.public_key(), algorithms=["RS256"], audience=CLIENT, issuer=ISSUER,
            leeway=60, options={"require": list(REQUIRE)},
        )  # fmt: skip
    except jwt.PyJWTError as error:
        return type(error)
    return None


def our_verdict(token: str) -> type[Exception] | None:
    try:
        parsed = id_token.parse(token)
        id_token.verify_rs256(parsed, KEY.public_key())
        id_token.check_claims(
            parsed.claims, audience=CLIENT, issuer=ISSUER, leeway=60, require=REQUIRE
        )
    except jwt.PyJWTError as error:
        return type(error)
    return None


@pytest.mark.parametrize("case", sorted(cases()))
def test_same_verdict_as_pyjwt(case: str) -> None:
    token = cases()[case]
    theirs, ours = pyjwt_verdict(token), our_verdict(token)
    assert (ours is None) == (theirs is None), (case, ours, theirs)
    if case.startswith("good"):
        assert ours is None, case
    else:
        assert ours is not None, case
    if theirs is not None and ours is not None:
        # The same family of refusal: expired stays expired, immature stays immature.
        for family in (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError):
            assert issubclass(ours, family) == issubclass(theirs, family), (case, ours, theirs)


def test_the_signature_is_checked_on_the_parsed_bytes() -> None:
    token = good()
    parsed = id_token.parse(token)
    header, payload, _ = token.split(".")
    assert parsed.signing_input == f"{header}.{payload}".encode()
    assert parsed.claims == jwt.decode(token, options={"verify_signature": False})


@pytest.mark.parametrize("length", [2, 3, 4, 6, 7])
def test_only_canonical_base64url_is_read(length: int) -> None:
    """Every last character after a segment of ``length - 1``: accepted exactly when
    re-encoding the decoded bytes gives the segment back (PyJWT's rule)."""
    payload_and_signature = good().split(".", 1)[1]
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for last in alphabet:
        segment = b"Q" * (length - 1) + bytes([last])
        decoded = base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
        canonical = base64.urlsafe_b64encode(decoded).rstrip(b"=") == segment
        token = f"{segment.decode()}.{payload_and_signature}"
        try:
            id_token.parse(token)
        except jwt.DecodeError as error:
            refused_for_padding = "header padding" in str(error)
        else:  # pragma: no cover - a header of Q's is never JSON
            refused_for_padding = False
        assert refused_for_padding == (not canonical), (segment, canonical)
