"""What travels between the fake LMS and a tool: keys, id_tokens, tool JWTs, the OIDC launch.

* :class:`SigningKey`, :func:`build_claims`, :func:`sign`: what the fake platform signs, and
  :func:`verify_tool_jwt`, :func:`check_deep_link_response`: how it checks what a tool signs
  (the product's own platform code in ``lti_tool.demo_lms.tokens``, which the demo LMS uses).
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
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Any, Protocol
from urllib.parse import urlencode, urljoin

import requests

from lti_tool.demo_lms.tokens import (
    AGS_CLAIM,
    AGS_SCOPES,
    ALL_SCOPES,
    CLAIM,
    DEFAULT_CONTEXT,
    DL_CLAIM,
    LTI_CLAIM_NAMES,
    NRPS_CLAIM,
    ROLE_FACULTY,
    ROLE_INSTRUCTOR,
    ROLE_LEARNER,
    ROLE_STAFF,
    ROLE_UNKNOWN,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_NRPS,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    ClaimOptions,
    SigningKey,
    TokenRefused,
    auto_post_page,
    build_claims,
    check_deep_link_response,
    sign,
    verify_tool_jwt,
)

__all__ = [
    "AGS_CLAIM", "AGS_SCOPES", "ALL_SCOPES", "CLAIM", "DEFAULT_CONTEXT", "DL_CLAIM",
    "LTI_CLAIM_NAMES", "NRPS_CLAIM", "ROLE_FACULTY", "ROLE_INSTRUCTOR", "ROLE_LEARNER",
    "ROLE_STAFF", "ROLE_UNKNOWN", "SCOPE_LINEITEM", "SCOPE_LINEITEM_READONLY", "SCOPE_NRPS",
    "SCOPE_RESULT_READONLY", "SCOPE_SCORE", "ClaimOptions", "SigningKey", "TokenRefused",
    "auto_post_page", "build_claims", "check_deep_link_response", "sign", "verify_tool_jwt",
]  # fmt: skip

ID_TOKEN_OPTIONS = frozenset(ClaimOptions.__optional_keys__) | {
    "deployment_id",
    "target_link_uri",
    "deep_link_data",
    "header_overrides",
    "sign_with",
    "raw",
}


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
