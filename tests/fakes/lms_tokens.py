"""What travels between the fake LMS and a tool: keys, id_tokens, tool JWTs, the OIDC launch.

* :class:`SigningKey`, :func:`build_claims`, :func:`sign`: what the fake platform signs.
* :func:`verify_tool_jwt`, :func:`check_deep_link_response`: how it checks what a tool signs.
* :class:`OidcLaunchDriver` (mixed into ``FakePlatform``), :class:`FlaskToolClient`: the
  browser's side of a launch, over ``requests`` or a Flask test client.

The presets follow the 1EdTech LTI Advantage certification cases (DOMAIN.md §2): each entry of
:data:`CERTIFICATION_INVALID` names one defect a tool must refuse, each entry of
:data:`CERTIFICATION_VALID` a launch a tool must accept. Both are keyword arguments for
:meth:`tests.fakes.lms.FakePlatform.id_token`.
"""

from __future__ import annotations

import html
import re
import secrets
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Any, Protocol, TypedDict
from urllib.parse import urlencode, urljoin

import jwt
import requests
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


ID_TOKEN_OPTIONS = frozenset(ClaimOptions.__optional_keys__) | {
    "deployment_id",
    "target_link_uri",
    "deep_link_data",
    "header_overrides",
    "sign_with",
    "raw",
}


@dataclass(frozen=True)
class SigningKey:
    """An RSA 2048 key pair and the ``kid`` it is published under."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"fake-lms-{secrets.token_hex(6)}", key)

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


# Keyword arguments for FakePlatform.id_token: each one defect a tool must refuse.
CERTIFICATION_INVALID: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "missing_kid": {"header_overrides": {"kid": None}},
        "wrong_kid": {"header_overrides": {"kid": "imstester_wrong_kid"}},
        "expired": {"iat_offset": -7200, "exp_offset": -3600},
        "iat_in_future": {"iat_offset": 3600, "exp_offset": 7200},
        "not_a_jwt": {"raw": "eyJub3QiOiAiYSBqd3QifQ"},  # base64 JSON, no header or signature
        "not_an_lti_jwt": {"omit": LTI_CLAIM_NAMES},  # a signed OIDC token without LTI claims
        "wrong_lti_version": {"lti_version": "1.0.0"},
        "no_lti_version": {"omit": ("version",)},
        "no_deployment_id": {"omit": ("deployment_id",)},
        "no_message_type": {"omit": ("message_type",)},
        "no_roles_claim": {"omit": ("roles",)},
        "no_sub": {"omit": ("sub",)},
        "no_resource_link_id": {"omit": ("resource_link.id",)},
    }
)

_NO_NAMES = {"name": None, "given_name": None, "family_name": None}

# Keyword arguments for FakePlatform.id_token: launches a tool must accept.
CERTIFICATION_VALID: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "teacher_several_roles": {"roles": (ROLE_INSTRUCTOR, ROLE_FACULTY, ROLE_STAFF)},
        "short_role_instructor": {"roles": ("Instructor",)},
        "unknown_role": {"roles": (ROLE_UNKNOWN,)},
        "no_role": {"roles": ()},
        "only_email": dict(_NO_NAMES),
        "only_names": {"email": None},
        "no_personal_data": {**_NO_NAMES, "email": None},
        "no_context": {"context": None},
        "student": {"roles": (ROLE_LEARNER,), "sub": "student-1"},
    }
)

PRESETS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {**CERTIFICATION_INVALID, **CERTIFICATION_VALID}
)


# -- JWTs the tool signs ---------------------------------------------------------------------


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


# -- the browser's side of the OIDC launch ---------------------------------------------------


@dataclass(frozen=True)
class AuthRecord:
    """One request to the platform's ``/auth``; ``error`` is the reason of a 400."""

    params: Mapping[str, str]
    status: int
    error: str | None = None
    id_token: str | None = None

    @property
    def state(self) -> str | None:
        return self.params.get("state")

    @property
    def nonce(self) -> str | None:
        return self.params.get("nonce")


@dataclass(frozen=True)
class AuthGrant:
    """What the platform answered at the auth step: the form the browser posts to the tool."""

    client_id: str
    redirect_uri: str
    id_token: str
    state: str
    nonce: str
    login_params: Mapping[str, str]
    login_response: Any
    record: AuthRecord


@dataclass(frozen=True)
class LaunchResult:
    response: Any  # the tool's answer to the id_token post (requests or Flask test response)
    grant: AuthGrant

    @property
    def state(self) -> str:
        return self.grant.state

    @property
    def nonce(self) -> str:
        return self.grant.nonce


class LaunchFlowError(AssertionError):
    """The OIDC flow stopped: ``step`` is "login" (the tool) or "auth" (the platform)."""

    def __init__(self, step: str, response: Any, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step, self.response, self.message = step, response, message


class ToolClient(Protocol):
    """``requests.Session`` has this shape; :class:`FlaskToolClient` adapts a Flask client."""

    def get(self, url: str, *, params: Any = ..., allow_redirects: bool = ...) -> Any: ...

    def post(self, url: str, *, data: Any = ..., allow_redirects: bool = ...) -> Any: ...


class FlaskToolClient:
    """The launch driver's way into a Flask app: ``FlaskToolClient(app.test_client())``."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, url: str, *, params: Any = None, allow_redirects: bool = False) -> Any:
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        return self.client.get(url, follow_redirects=allow_redirects)

    def post(self, url: str, *, data: Any = None, allow_redirects: bool = False) -> Any:
        return self.client.post(url, data=data, follow_redirects=allow_redirects)


class OidcLaunchDriver:
    """Drives a launch as platform plus browser would; :class:`FakePlatform` mixes it in."""

    registrations: Mapping[str, Any]
    auth_requests: list[AuthRecord]
    _pending: dict[str, tuple[str, str, dict[str, Any]]]
    issuer: str
    auth_url: str

    def login_params(
        self,
        client_id: str,
        *,
        launch_preset: str | None = None,
        lti_message_hint: str | None = None,
        **id_token_kwargs: Any,
    ) -> dict[str, str]:
        """Step 1's parameters (login initiation); remembers the launch to sign at ``/auth``.

        ``lti_message_hint`` defaults to a random one; ``""`` sends none.
        """
        registration = self.registrations[client_id]
        kwargs = {**(PRESETS[launch_preset] if launch_preset else {}), **id_token_kwargs}
        if unknown := set(kwargs) - ID_TOKEN_OPTIONS:
            raise TypeError(f"unknown id_token arguments: {sorted(unknown)}")
        kwargs.setdefault("target_link_uri", registration.redirect_uris[0])
        login_hint = f"hint-{secrets.token_hex(8)}"
        message_hint = (
            f"msg-{secrets.token_hex(8)}" if lti_message_hint is None else lti_message_hint
        )
        self._pending[login_hint] = (client_id, message_hint, kwargs)
        params = {
            "iss": self.issuer,
            "login_hint": login_hint,
            "target_link_uri": kwargs["target_link_uri"],
            "lti_message_hint": message_hint,
            "client_id": client_id,
            "lti_deployment_id": kwargs.get("deployment_id") or registration.deployment_id,
        }
        return {name: value for name, value in params.items() if value}

    def authorize(
        self,
        tool: ToolClient,
        client_id: str,
        *,
        login_url: str | None = None,
        login_method: str = "GET",
        launch_preset: str | None = None,
        **id_token_kwargs: Any,
    ) -> AuthGrant:
        """Steps 1 and 2: the tool's login URL, then the platform's ``/auth`` like a browser."""
        params = self.login_params(client_id, launch_preset=launch_preset, **id_token_kwargs)
        url = login_url or self.registrations[client_id].login_url
        if login_method.upper() == "POST":
            login_response = tool.post(url, data=params, allow_redirects=False)
        else:
            login_response = tool.get(url, params=params, allow_redirects=False)
        method, auth_url, fields = _next_hop(login_response, url)
        if auth_url.split("?")[0] != self.auth_url:
            raise LaunchFlowError("login", login_response, f"tool sent the browser to {auth_url}")
        if method == "post":
            auth_response = requests.post(auth_url, data=fields, timeout=10)
        else:
            auth_response = requests.get(auth_url, params=fields or None, timeout=10)
        if auth_response.status_code != 200:
            raise LaunchFlowError("auth", auth_response, auth_response.text)
        form = parse_forms(auth_response.text)[0]
        state = form.fields["state"]
        record = next(r for r in reversed(self.auth_requests) if r.state == state)
        id_token, nonce = form.fields["id_token"], record.nonce or ""
        return AuthGrant(
            client_id, form.action, id_token, state, nonce, params, login_response, record
        )

    def complete(
        self,
        tool: ToolClient,
        grant: AuthGrant,
        *,
        id_token: str | None = None,
        state: str | None = None,
    ) -> Any:
        """Step 3: post id_token and state to the redirect URI (again to replay; or tampered)."""
        data = {
            "id_token": grant.id_token if id_token is None else id_token,
            "state": grant.state if state is None else state,
        }
        return tool.post(grant.redirect_uri, data=data, allow_redirects=False)

    def launch(
        self,
        tool: ToolClient,
        client_id: str,
        *,
        login_url: str | None = None,
        login_method: str = "GET",
        launch_preset: str | None = None,
        **id_token_kwargs: Any,
    ) -> LaunchResult:
        """The whole OIDC launch; the platform signs the id_token at ``/auth`` with the nonce."""
        grant = self.authorize(
            tool,
            client_id,
            login_url=login_url,
            login_method=login_method,
            launch_preset=launch_preset,
            **id_token_kwargs,
        )
        return LaunchResult(self.complete(tool, grant), grant)


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


@dataclass
class HtmlForm:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[HtmlForm] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            method = values.get("method", "get").lower()
            self.forms.append(HtmlForm(values.get("action", ""), method))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1].fields[values["name"]] = values.get("value", "")


def parse_forms(page: str) -> list[HtmlForm]:
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


def _next_hop(response: Any, base: str) -> tuple[str, str, dict[str, str]]:
    """Where a browser goes after the tool's login answer: a redirect, a form, or JS."""
    location = response.headers.get("Location")
    if 300 <= response.status_code < 400 and location:
        return "get", urljoin(base, location), {}
    if response.status_code == 200:
        forms = parse_forms(response.text)
        if forms:
            return forms[0].method, urljoin(base, forms[0].action), forms[0].fields
        script = re.search(r"location(?:\.href)?\s*=\s*[\"']([^\"']+)[\"']", response.text)
        if script:
            return "get", urljoin(base, html.unescape(script.group(1))), {}
    raise LaunchFlowError("login", response, f"no redirect ({response.status_code})")
