"""The core of an LTI 1.3 platform: its keys, the tools registered with it, and the OIDC
authorization step that turns a login into a signed id_token.

No web framework here: the demo LMS (``lti_tool.web.views_demo_lms``) and the tests' fake LMS
(``tests.fakes.lms``) put it behind their own HTTP servers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Unpack

from lti_tool.demo_lms.tokens import ClaimOptions, SigningKey, build_claims, sign

KeySet = Mapping[str, Any]
PendingLaunch = tuple[str, str, dict[str, Any]]
"""(client_id, lti_message_hint, id_token keyword arguments) remembered at login."""


class AuthRefused(Exception):
    """The authorization request is refused; the message says why (an HTTP 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ToolRegistration:
    """A tool as registered on the platform (one client_id; Canvas: one per institution)."""

    client_id: str
    deployment_id: str
    login_url: str
    redirect_uris: tuple[str, ...]
    jwks_url: str
    jwks: KeySet | Callable[[], KeySet] | None = None  # instead of fetching jwks_url


class PlatformCore:
    """Keys, tool registrations and the OIDC authorization step of a platform.

    ``issuer`` and ``base_url`` are set by whoever serves it (they may be known only once a
    server has its port).
    """

    def __init__(
        self,
        issuer: str = "",
        base_url: str = "",
        product_family_code: str = "canvas",
        keys: Sequence[SigningKey] | None = None,
    ) -> None:
        self.issuer, self.base_url = issuer, base_url
        self.product_family_code = product_family_code
        self.keys: list[SigningKey] = list(keys) if keys else [SigningKey.generate()]
        self.registrations: dict[str, ToolRegistration] = {}
        self.deep_link_data: dict[str, set[str]] = {}
        self._pending: dict[str, PendingLaunch] = {}

    @property
    def kid(self) -> str:
        return self.keys[-1].kid

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys]}

    def rotate_key(self, drop_old: bool = False) -> str:
        """Sign with a new key from now on; the JWKS keeps the old ones unless ``drop_old``."""
        new = SigningKey.generate()
        self.keys = [new] if drop_old else [*self.keys, new]
        return new.kid

    def register_tool(
        self,
        client_id: str,
        deployment_id: str,
        login_url: str,
        redirect_uris: Sequence[str],
        jwks_url: str,
        *,
        jwks: KeySet | Callable[[], KeySet] | None = None,
    ) -> ToolRegistration:
        registration = ToolRegistration(
            client_id, deployment_id, login_url, tuple(redirect_uris), jwks_url, jwks
        )
        self.registrations[client_id] = registration
        return registration

    def remember_login(self, login_hint: str, pending: PendingLaunch) -> None:
        """Keep what to sign when the browser comes back to the auth endpoint."""
        self._pending[login_hint] = pending

    def recall_login(self, login_hint: str) -> PendingLaunch | None:
        return self._pending.get(login_hint)

    def id_token(
        self,
        client_id: str,
        *,
        nonce: str,
        deployment_id: str | None = None,
        target_link_uri: str | None = None,
        deep_link_data: str | None = None,
        header_overrides: Mapping[str, Any] | None = None,
        sign_with: SigningKey | None = None,
        raw: str | None = None,
        **claims: Unpack[ClaimOptions],
    ) -> str:
        """A signed RS256 launch token (see :func:`build_claims` for ``claims``).

        ``deployment_id`` and ``target_link_uri`` default to the registration's; a header
        override of ``None`` drops that header; ``raw`` returns that text instead of a JWT.
        """
        if raw is not None:
            return raw
        registration = self.registrations.get(client_id)
        if claims.get("message_type") == "LtiDeepLinkingRequest":
            deep_link_data = deep_link_data or f"dl-{secrets.token_hex(6)}"
            self.deep_link_data.setdefault(client_id, set()).add(deep_link_data)
        built = build_claims(
            issuer=self.issuer,
            client_id=client_id,
            deployment_id=deployment_id or (registration.deployment_id if registration else ""),
            nonce=nonce,
            base_url=self.base_url,
            target_link_uri=target_link_uri
            or (registration.redirect_uris[0] if registration else self.base_url),
            product_family_code=self.product_family_code,
            deep_link_data=deep_link_data or "",
            **claims,
        )
        return sign(built, sign_with or self.keys[-1], header_overrides)

    def answer_auth(self, params: Mapping[str, str]) -> tuple[str, str]:
        """The OIDC authorization step (``form_post``): the redirect URI to post to and the
        signed id_token for the login the ``login_hint`` names.

        Raises:
            AuthRefused: a parameter is missing or wrong, or the login is unknown.
        """
        expected = {"response_type": "id_token", "response_mode": "form_post", "prompt": "none"}
        for name, value in expected.items():
            if params.get(name) != value:
                raise AuthRefused(f"{name} must be {value!r}, got {params.get(name)!r}")
        if "openid" not in params.get("scope", "").split():
            raise AuthRefused(f"scope must be 'openid', got {params.get('scope')!r}")
        for name in ("client_id", "redirect_uri", "login_hint", "state", "nonce"):
            if not params.get(name):
                raise AuthRefused(f"missing {name}")
        registration = self.registrations.get(params["client_id"])
        if registration is None:
            raise AuthRefused(f"unknown client_id {params['client_id']!r}")
        if params["redirect_uri"] not in registration.redirect_uris:
            raise AuthRefused(f"redirect_uri {params['redirect_uri']!r} is not registered")
        pending = self.recall_login(params["login_hint"])
        if pending is None or pending[0] != registration.client_id:
            raise AuthRefused("login_hint was not issued by this platform for this client")
        if params.get("lti_message_hint", "") != pending[1]:
            raise AuthRefused("lti_message_hint must be echoed unchanged")
        token = self.id_token(registration.client_id, nonce=params["nonce"], **pending[2])
        return params["redirect_uri"], token
