"""What an LTI 1.3 platform signs and checks: its keys, id_tokens, and the tool's JWTs.

Shared by the demo LMS (``/demo-lms``, demo mode) and the tests' fake LMS (``tests/fakes``), so
both launch the tool with the same claims, signed the same way.

* :class:`SigningKey`, :func:`build_claims`, :func:`sign`: what the platform signs.
* :func:`verify_tool_jwt`, :func:`check_deep_link_response`: how it checks what a tool signs.
* :func:`auto_post_page`: the ``form_post`` answer that carries the id_token to the tool.
"""

from __future__ import annotations

import html
import secrets
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypedDict

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"

SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
ALL_SCOPES = (SCOPE_NRPS, *AGS_SCOPES)

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ROLE_INSTRUCTOR = MEMBERSHIP + "Instructor"
ROLE_LEARNER = MEMBERSHIP + "Learner"
ROLE_FACULTY = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty"
ROLE_STAFF = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Staff"
ROLE_UNKNOWN = "http://example.org/vocab/roles#Wizard"

DEFAULT_CONTEXT: Mapping[str, Any] = MappingProxyType(
    {"id": "ctx-1", "label": "MC-101", "title": "Micro-credentials 101"}
)
LTI_CLAIM_NAMES = (
    "message_type",
    "version",
    "deployment_id",
    "target_link_uri",
    "resource_link",
    "roles",
    "context",
    "tool_platform",
    "custom",
    "launch_presentation",
    "namesroleservice",
    "endpoint",
    "deep_linking_settings",
)


class ClaimOptions(TypedDict, total=False):
    """The optional keyword arguments of :func:`build_claims` (and ``FakePlatform.id_token``)."""

    message_type: str
    roles: Sequence[str]
    sub: str
    name: str | None
    given_name: str | None
    family_name: str | None
    email: str | None
    context: Mapping[str, Any] | None
    resource_link_id: str
    custom: Mapping[str, Any] | None
    extra_claims: Mapping[str, Any] | None
    omit: Sequence[str]
    exp_offset: int
    iat_offset: int
    lti_version: str
    extra_audiences: Sequence[str]


@dataclass(frozen=True)
class SigningKey:
    """An RSA 2048 key pair and the ``kid`` it is published under."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"fake-lms-{secrets.token_hex(6)}", key)

    @classmethod
    def from_pem(cls, pem: bytes, kid: str) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the platform key must be an RSA private key")
        return cls(kid, key)

    def to_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_jwk(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


def build_claims(
    *,
    issuer: str,
    client_id: str,
    deployment_id: str,
    nonce: str,
    base_url: str,
    target_link_uri: str,
    product_family_code: str,
    message_type: str = "LtiResourceLinkRequest",
    roles: Sequence[str] = (ROLE_INSTRUCTOR,),
    sub: str = "user-1",
    name: str | None = "Ada Lovelace",
    given_name: str | None = "Ada",
    family_name: str | None = "Lovelace",
    email: str | None = "ada@example.edu",
    context: Mapping[str, Any] | None = DEFAULT_CONTEXT,
    resource_link_id: str = "rl-1",
    custom: Mapping[str, Any] | None = None,
    extra_claims: Mapping[str, Any] | None = None,
    omit: Sequence[str] = (),
    exp_offset: int = 600,
    iat_offset: int = 0,
    lti_version: str = "1.3.0",
    extra_audiences: Sequence[str] = (),
    deep_link_data: str = "dl-data",
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of an id_token. ``None`` personal fields and ``context=None`` leave them out.

    ``omit`` drops claims after building: a full claim name, the last segment of an LTI claim
    (``"version"``, ``"endpoint"``) or a nested key (``"resource_link.id"``).
    """
    issued = int(now if now is not None else time.time()) + iat_offset
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": sub,
        "aud": [client_id, *extra_audiences] if extra_audiences else client_id,
        "iat": issued,
        "exp": issued - iat_offset + exp_offset,
        "nonce": nonce,
        CLAIM + "message_type": message_type,
        CLAIM + "version": lti_version,
        CLAIM + "deployment_id": deployment_id,
        CLAIM + "target_link_uri": target_link_uri,
        CLAIM + "roles": list(roles),
        CLAIM + "custom": dict(custom or {}),
        CLAIM + "tool_platform": {
            "guid": f"fake-lms-{product_family_code}",
            "name": "Fake LMS",
            "product_family_code": product_family_code,
            "version": "1.0",
        },
        CLAIM + "launch_presentation": {"document_target": "iframe", "return_url": base_url},
    }
    if extra_audiences:
        claims["azp"] = client_id
    personal = {"name": name, "given_name": given_name, "family_name": family_name, "email": email}
    claims.update({claim: value for claim, value in personal.items() if value is not None})
    if message_type == "LtiDeepLinkingRequest":
        claims[DL_CLAIM + "deep_linking_settings"] = {
            "deep_link_return_url": f"{base_url}/deep_link_return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "data": deep_link_data,
        }
    else:
        claims[CLAIM + "resource_link"] = {"id": resource_link_id, "title": "Micro-credentials"}
    if context is not None:
        context_id = context["id"]
        claims[CLAIM + "context"] = {"type": ["CourseOffering"], **context}
        claims[NRPS_CLAIM] = {
            "context_memberships_url": f"{base_url}/nrps/{context_id}",
            "service_versions": ["2.0"],
        }
        claims[AGS_CLAIM] = {
            "scope": list(AGS_SCOPES),
            "lineitems": f"{base_url}/ags/{context_id}/lineitems",
        }
    claims.update(extra_claims or {})
    for name_to_drop in omit:
        _drop(claims, name_to_drop)
    return claims


def _drop(claims: dict[str, Any], name: str) -> None:
    if name in claims:  # a full claim name (URLs hold dots, so this comes first)
        del claims[name]
        return
    head, _, nested = name.partition(".")
    for key in [key for key in claims if key.rsplit("/", 1)[-1] == head]:
        if not nested:
            del claims[key]
        elif isinstance(claims[key], dict):
            claims[key] = {k: v for k, v in claims[key].items() if k != nested}


def sign(
    claims: Mapping[str, Any],
    key: SigningKey,
    header_overrides: Mapping[str, Any] | None = None,
) -> str:
    """RS256-sign ``claims``; a header override of ``None`` removes that header (e.g. ``kid``)."""
    headers: dict[str, Any] = {"kid": key.kid, **(header_overrides or {})}
    headers = {name: value for name, value in headers.items() if value is not None}
    return jwt.encode(dict(claims), key.private_key, algorithm="RS256", headers=headers)


class TokenRefused(ValueError):
    """A JWT from the tool that the platform refuses; the message says why."""


def verify_tool_jwt(
    token: str,
    key_set_for: Callable[[str], Mapping[str, Any]],
    *,
    audiences: Sequence[str],
    required: Sequence[str] = (),
) -> dict[str, Any]:
    """Verify a tool-signed JWT: its ``iss`` (the client_id) names the key set to check it with."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        client_id = str(jwt.decode(token, options={"verify_signature": False}).get("iss"))
    except jwt.PyJWTError as error:
        raise TokenRefused(f"not a JWT: {error}") from error
    entries = [key for key in key_set_for(client_id).get("keys", []) if key.get("kid") == kid]
    if not entries:
        raise TokenRefused(f"kid {kid!r} is not in the tool's JWKS")
    try:
        return jwt.decode(
            token,
            jwt.PyJWK.from_dict(entries[0]),
            algorithms=["RS256"],
            audience=list(audiences),
            issuer=client_id,
            options={"require": ["exp", "iat", "iss", "aud", *required]},
        )
    except jwt.PyJWTError as error:
        raise TokenRefused(f"JWT refused: {error}") from error


def check_deep_link_response(
    claims: Mapping[str, Any], *, deployment_id: str, data_sent: Collection[str]
) -> None:
    """The LtiDeepLinkingResponse claims a platform insists on (Deep Linking 2.0 §4.2)."""
    expected = {
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": deployment_id,
    }
    for claim, value in expected.items():
        if claims.get(claim) != value:
            raise TokenRefused(f"{claim} must be {value!r}, got {claims.get(claim)!r}")
    if data_sent and claims.get(DL_CLAIM + "data") not in data_sent:
        raise TokenRefused("the data claim must echo deep_linking_settings.data")
    if not isinstance(claims.get(DL_CLAIM + "content_items", []), list):
        raise TokenRefused("content_items must be a list")


def auto_post_page(action: str, fields: Mapping[str, str]) -> str:
    """The ``form_post`` answer: a page whose form posts ``fields`` to ``action`` on load."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in fields.items()
    )
    return (
        '<!doctype html><html><body onload="document.forms[0].submit()">'
        f'<form method="post" action="{html.escape(action)}">{inputs}</form></body></html>'
    )
