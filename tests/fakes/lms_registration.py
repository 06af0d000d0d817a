"""The fake LMS's side of LTI Dynamic Registration: Canvas-shaped and Moodle-shaped.

:class:`RegistrationPlatform` is a :class:`~tests.fakes.lms.FakePlatform` that also serves an
OpenID configuration and a registration endpoint at the paths each LMS uses, checks the Bearer
registration token and the tool's registration body as the spec (1EdTech LTI Dynamic
Registration 1.0, sections 3.4 to 3.6) and Canvas ("Registering an LTI Tool") describe, and
registers the tool so the next launch works::

    with RegistrationPlatform("canvas") as lms:
        url = lms.registration_url(f"{tool}/lti/register")   # what the LMS opens
        ... GET it from the tool's side; then lms.registered holds what the tool posted
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tests.fakes.lms import FakePlatform, KeySet, _json
from tests.fakes.lms_tokens import ALL_SCOPES

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
CANVAS_PRIVACY = "https://canvas.instructure.com/lti/privacy_level"


@dataclass(frozen=True)
class Shape:
    """Where an LMS serves its configuration and registration endpoint, and what it offers."""

    product_family_code: str
    configuration_path: str
    registration_path: str
    config_needs_token: bool
    messages_supported: tuple[dict[str, Any], ...]
    extra: Mapping[str, Any]
    platform_extra: Mapping[str, Any]


SHAPES: Mapping[str, Shape] = {
    # Canvas: doc/api/registration.md in instructure/canvas-lms. The configuration GET needs
    # the registration token as a Bearer; placements are listed per message type.
    "canvas": Shape(
        product_family_code="canvas",
        configuration_path="/api/lti/security/openid-configuration",
        registration_path="/api/lti/registrations",
        config_needs_token=True,
        messages_supported=(
            {
                "type": "LtiResourceLinkRequest",
                "placements": ["account_navigation", "course_navigation", "link_selection"],
            },
            {
                "type": "LtiDeepLinkingRequest",
                "placements": ["assignment_selection", "link_selection", "editor_button"],
            },
        ),
        extra={"authorization_server": "canvas.instructure.com"},
        platform_extra={
            "version": "vCloud",
            "https://canvas.instructure.com/lti/account_name": "Test University",
        },
    ),
    # Moodle: mod/lti/openid-configuration.php and openid-registration.php. The token is in
    # the configuration URL's query too; placements are Moodle's ``ContentArea``.
    "moodle": Shape(
        product_family_code="moodle",
        configuration_path="/mod/lti/openid-configuration.php",
        registration_path="/mod/lti/openid-registration.php",
        config_needs_token=False,
        messages_supported=(
            {"type": "LtiResourceLinkRequest"},
            {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
        ),
        extra={},
        platform_extra={"version": "4.3", "variables": ["ResourceLink.id", "User.id"]},
    ),
}


class RegistrationPlatform(FakePlatform):
    """A fake LMS that supports Dynamic Registration in the shape of ``family``.

    ``issuer_override`` makes the configuration claim another issuer (the mismatch case).
    ``tool_jwks`` is used for tools registered this way when the tool has no reachable
    ``jwks_uri`` (a Flask test client).
    """

    def __init__(
        self,
        family: str = "canvas",
        *,
        issuer_override: str | None = None,
        tool_jwks: KeySet | Callable[[], KeySet] | None = None,
    ) -> None:
        self.shape = SHAPES[family]
        super().__init__(product_family_code=self.shape.product_family_code)
        self.issuer_override = issuer_override
        self.tool_jwks = tool_jwks
        self.registration_tokens: set[str] = set()
        self.registered: list[dict[str, Any]] = []
        """Every registration body the tool posted and the platform accepted."""
        self.refused: list[tuple[int, str]] = []
        self.configuration_requests: list[Mapping[str, str]] = []
        self._urls.add(Rule(self.shape.configuration_path, endpoint="openid", methods=["GET"]))
        self._urls.add(Rule(self.shape.registration_path, endpoint="register", methods=["POST"]))

    @property
    def configuration_url(self) -> str:
        return self.base_url + self.shape.configuration_path

    def new_registration_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.registration_tokens.add(token)
        return token

    def registration_url(self, tool_register_url: str, token: str | None = None) -> str:
        """The URL the LMS opens: the tool's registration URL with both parameters."""
        token = token if token is not None else self.new_registration_token()
        query = urlencode(
            {"openid_configuration": self.configuration_url, "registration_token": token}
        )
        return f"{tool_register_url}?{query}"

    def openid_configuration(self) -> dict[str, Any]:
        base = self.base_url
        return {
            "issuer": self.issuer_override or self.issuer,
            "authorization_endpoint": self.auth_url,
            "token_endpoint": self.token_url,
            "jwks_uri": self.jwks_url,
            "registration_endpoint": base + self.shape.registration_path,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", *ALL_SCOPES],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            **self.shape.extra,
            PLATFORM_CONFIGURATION: {
                "product_family_code": self.shape.product_family_code,
                "messages_supported": [dict(item) for item in self.shape.messages_supported],
                **self.shape.platform_extra,
            },
        }

    def _bearer(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" and token in self.registration_tokens else None

    def _refuse(self, status: int, message: str) -> Response:
        self.refused.append((status, message))
        return _json({"error": "invalid_request", "error_description": message}, status)

    def _on_openid(self, request: Request) -> Response:
        self.configuration_requests.append(dict(request.headers))
        if self.shape.config_needs_token and self._bearer(request) is None:
            return self._refuse(401, "the registration token is required as a Bearer")
        return _json(self.openid_configuration())

    def _on_register(self, request: Request) -> Response:
        token = self._bearer(request)
        if token is None:
            return self._refuse(401, "a valid registration token is required as a Bearer")
        body = request.get_json(silent=True)
        problem = self._check_body(body)
        if problem:
            return self._refuse(400, problem)
        assert isinstance(body, dict)
        self.registration_tokens.discard(token)  # one registration per token
        client_id = f"{self.shape.product_family_code}-{secrets.token_hex(4)}"
        deployment_id = f"dep-{secrets.token_hex(3)}"
        self.register_tool(
            client_id,
            deployment_id,
            body["initiate_login_uri"],
            body["redirect_uris"],
            body["jwks_uri"],
            jwks=self.tool_jwks,
        )
        self.registered.append(body)
        configuration = {**body[TOOL_CONFIGURATION], "deployment_id": deployment_id}
        return _json({**body, "client_id": client_id, TOOL_CONFIGURATION: configuration})

    def _check_body(self, body: Any) -> str | None:
        """What is wrong with a tool's registration body, or None."""
        if not isinstance(body, dict):
            return "the body must be a JSON object"
        expected = {
            "application_type": "web",
            "token_endpoint_auth_method": "private_key_jwt",
        }
        for name, value in expected.items():
            if body.get(name) != value:
                return f"{name} must be {value!r}"
        if set(body.get("grant_types", [])) != {"client_credentials", "implicit"}:
            return "grant_types must be client_credentials and implicit"
        if body.get("response_types") != ["id_token"]:
            return "response_types must be ['id_token']"
        for name in ("initiate_login_uri", "jwks_uri"):
            if not isinstance(body.get(name), str) or not body[name].startswith("http"):
                return f"{name} must be a URL"
        redirects = body.get("redirect_uris")
        if not isinstance(redirects, list) or not redirects:
            return "redirect_uris must be a non-empty list"
        scopes = str(body.get("scope", "")).split()
        if not scopes or any(scope not in ALL_SCOPES for scope in scopes):
            return f"scope must list supported scopes, got {body.get('scope')!r}"
        configuration = body.get(TOOL_CONFIGURATION)
        if not isinstance(configuration, dict):
            return f"{TOOL_CONFIGURATION} is required"
        return self._check_tool_configuration(configuration, redirects)

    def _check_tool_configuration(
        self, configuration: Mapping[str, Any], redirects: list[str]
    ) -> str | None:
        target = configuration.get("target_link_uri")
        if not isinstance(target, str) or target not in redirects:
            return "target_link_uri must be one of the redirect_uris"
        if configuration.get("domain") != urlsplit(target).netloc:
            return "domain must be the tool's host"
        if (
            not isinstance(configuration.get("claims"), list)
            or "sub" not in configuration["claims"]
        ):
            return "claims must be a list including sub"
        messages = configuration.get("messages")
        if not isinstance(messages, list):
            return "messages must be a list"
        offered = {item["type"]: item.get("placements") for item in self.shape.messages_supported}
        types = {message.get("type") for message in messages if isinstance(message, dict)}
        if "LtiDeepLinkingRequest" not in types:
            return "messages must include LtiDeepLinkingRequest"
        for message in messages:
            if message.get("type") not in offered:
                return f"message type {message.get('type')!r} is not supported here"
            allowed = offered[message["type"]]
            for placement in message.get("placements", []):
                if allowed is None or placement not in allowed:
                    return f"placement {placement!r} is not offered for {message['type']}"
        if self.shape.product_family_code == "canvas" and CANVAS_PRIVACY not in configuration:
            return f"Canvas tools that match people need {CANVAS_PRIVACY}"
        return None
