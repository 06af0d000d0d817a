"""LTI Dynamic Registration, the tool's side (1EdTech "LTI Dynamic Registration" 1.0).

The platform opens ``/lti/register?openid_configuration=…&registration_token=…``. The tool reads
the platform's OpenID configuration (sending the token as a Bearer, which Canvas requires),
checks that its ``issuer`` has the same origin as the configuration URL (spec 3.5.1: otherwise
any site could claim to be any issuer), POSTs its client registration to the platform's
``registration_endpoint`` with the token, and stores what the platform answered.

The URLs come from a query string anyone can write, so they are fetched only over https (plain
http only for the hosts the platform registry allows, i.e. loopback), only from hosts with
public addresses (those same loopback names excepted), never following redirects, with a
timeout and a size cap. A registered platform's deployment waits for an
admin: an unknown platform must not be able to mint administrators by launching.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.lti import PlatformRegistration
from lti_tool.platforms import behaviour_for
from lti_tool.platforms.registration import (
    PLATFORM_CONFIGURATION,
    TOOL_CONFIGURATION,
    tool_registration,
)
from lti_tool.services.platforms import DEFAULT_HTTP_HOSTS, PlatformService

TIMEOUT_SECONDS = 10
MAX_BODY_BYTES = 512 * 1024
MAX_TOKEN_LENGTH = 4096
REQUIRED_ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
)


class RegistrationError(Exception):
    """A registration that cannot go on, with a reason for the admin at the LMS.

    ``status`` is the HTTP status to answer the browser with: 4xx for a bad request, a refused
    token or an address that cannot be reached; 502 for a platform that answered nonsense.
    """

    def __init__(self, message: str, *, status: int = 400, problems: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.problems = list(problems)


@dataclass(frozen=True)
class PlatformConfiguration:
    """What the tool uses from a platform's OpenID configuration."""

    url: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str | None
    product_family: str | None
    scopes_supported: list[str] | None
    platform: dict[str, Any] = field(default_factory=dict)
    """The ``lti-platform-configuration`` member (messages, placements, variables)."""


@dataclass(frozen=True)
class RegistrationOutcome:
    """A finished registration: what was stored and the deployment waiting for an admin."""

    registration: PlatformRegistration
    deployment_id: str | None
    platform_name: str


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class DynamicRegistrar:
    """Registers the tool with a platform that opened ``/lti/register``."""

    def __init__(
        self,
        http: requests.Session,
        platforms: PlatformService,
        base_url: str,
        *,
        title: str = "credbridge",
        description: str = "",
        allow_http_hosts: Iterable[str] = DEFAULT_HTTP_HOSTS,
    ) -> None:
        self._http = http
        self._platforms = platforms
        self._base_url = base_url
        self._title = title
        self._description = description
        self._http_hosts = frozenset(host.lower() for host in allow_http_hosts)

    def _checked_url(self, what: str, value: object, *, fetched: bool = True) -> str:
        """The URL, if absolute, https (or an allowed http host) and, when the tool will call
        it (``fetched``), on a public address. Raises RegistrationError."""
        if not isinstance(value, str) or not value.strip():
            raise RegistrationError(f"The platform's {what} is missing.", status=422)
        url = value.strip()
        try:
            scheme, host, _ = _origin(url)
        except ValueError:
            scheme, host = "", ""
        if scheme not in ("https", "http") or not host:
            raise RegistrationError(f"The platform's {what} {url!r} is not an absolute URL.")
        if scheme == "http" and host not in self._http_hosts:
            raise RegistrationError(
                f"The platform's {what} must use https (got {url!r}).", status=400
            )
        if fetched and host not in self._http_hosts:
            self._check_public(what, host)
        return url

    @staticmethod
    def _check_public(what: str, host: str) -> None:
        """Refuse hosts that are, or resolve to, loopback, private, link-local or reserved
        addresses: ``/lti/register`` is open to anyone, and must not become a way to make the
        server call into its own network. (Checked at registration time; a name that
        resolves differently a moment later is not caught.)"""
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            raise RegistrationError(
                f"The platform's {what} names a host that cannot be resolved ({host})."
            ) from None
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if not address.is_global or address.is_multicast:
                raise RegistrationError(
                    f"The platform's {what} points to a private or local network address "
                    f"({host}); registration only reaches public LMS addresses."
                )

    def _read_json(self, response: requests.Response, what: str) -> dict[str, Any]:
        body = b""
        for chunk in response.iter_content(64 * 1024):
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise RegistrationError(f"The platform's {what} is too large.", status=502)
        try:
            data = json.loads(body)
        except ValueError:
            raise RegistrationError(f"The platform's {what} is not JSON.", status=502) from None
        if not isinstance(data, dict):
            raise RegistrationError(f"The platform's {what} is not a JSON object.", status=502)
        return data

    def _call(self, method: str, url: str, what: str, token: str, **kwargs: Any) -> Any:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
        try:
            response = self._http.request(
                method, url, headers=headers, timeout=TIMEOUT_SECONDS,
                allow_redirects=False, stream=True, **kwargs,
            )  # fmt: skip
        except requests.RequestException as error:
            raise RegistrationError(
                f"The platform's {what} at {url} could not be reached "
                f"({type(error).__name__}). Check the address and that the LMS is up, then "
                "start the registration again.",
                status=400,
            ) from None
        with response:
            if response.status_code in (401, 403):
                raise RegistrationError(
                    f"The platform refused the registration token ({response.status_code} "
                    f"from its {what}). Registration links are short-lived: start the "
                    "registration again from the LMS.",
                    status=403,
                )
            if not 200 <= response.status_code < 300:
                raise RegistrationError(
                    f"The platform's {what} answered {response.status_code}.", status=502
                )
            return self._read_json(response, what)

    def fetch_configuration(self, url: str, token: str) -> PlatformConfiguration:
        """GET the platform's OpenID configuration and check it.

        Raises:
            RegistrationError: unreachable, not JSON, an endpoint missing, or an issuer whose
                origin is not the configuration URL's.
        """
        url = self._checked_url("openid_configuration URL", url)
        data = self._call("GET", url, "OpenID configuration", token)
        issuer = self._checked_url("issuer", data.get("issuer"), fetched=False)
        if _origin(issuer) != _origin(url):
            raise RegistrationError(
                f"The platform says its issuer is {issuer}, but its configuration came from "
                f"{url}. The issuer must have the same origin as the configuration URL "
                "(LTI Dynamic Registration 3.5.1); this registration is refused.",
                status=400,
            )
        endpoints = {name: self._checked_url(name, data.get(name)) for name in REQUIRED_ENDPOINTS}
        platform = data.get(PLATFORM_CONFIGURATION)
        platform = dict(platform) if isinstance(platform, Mapping) else {}
        family = platform.get("product_family_code")
        server = data.get("authorization_server")
        scopes = data.get("scopes_supported")
        return PlatformConfiguration(
            url=url,
            issuer=issuer,
            authorization_server=server if isinstance(server, str) and server.strip() else None,
            product_family=family if isinstance(family, str) and family.strip() else None,
            scopes_supported=[str(s) for s in scopes] if isinstance(scopes, list) else None,
            platform=platform,
            **endpoints,
        )

    def registration_body(self, configuration: PlatformConfiguration) -> dict[str, Any]:
        """The tool's client registration for this platform."""
        return tool_registration(
            behaviour_for(configuration.product_family),
            base_url=self._base_url,
            platform_configuration=configuration.platform,
            scopes_supported=configuration.scopes_supported,
            title=self._title,
            description=self._description,
        )

    def register(self, openid_configuration: str, registration_token: str) -> RegistrationOutcome:
        """Run the whole registration: read, post, store.

        Raises:
            RegistrationError: any step failed; nothing is stored then.
        """
        token = (registration_token or "").strip()
        if not openid_configuration or not openid_configuration.strip():
            raise RegistrationError(
                "This address is the tool's LTI Dynamic Registration URL: paste it into your "
                "LMS's tool registration page. The LMS adds the openid_configuration and "
                "registration_token parameters itself."
            )
        if len(token) > MAX_TOKEN_LENGTH or any(c.isspace() for c in token):
            raise RegistrationError("The registration_token is not valid.")
        configuration = self.fetch_configuration(openid_configuration, token)
        body = self.registration_body(configuration)
        answer = self._call(
            "POST", configuration.registration_endpoint, "registration endpoint", token,
            json=body,
        )  # fmt: skip
        client_id = answer.get("client_id")
        if not isinstance(client_id, (str, int)) or not str(client_id).strip():
            raise RegistrationError(
                "The platform accepted the registration but sent no client_id.", status=502
            )
        tool_configuration = answer.get(TOOL_CONFIGURATION)
        deployment = (
            tool_configuration.get("deployment_id")
            if isinstance(tool_configuration, Mapping)
            else None
        )
        deployment_id = str(deployment).strip() if deployment not in (None, "") else None
        return self._store(configuration, str(client_id).strip(), deployment_id)

    def _store(
        self, configuration: PlatformConfiguration, client_id: str, deployment_id: str | None
    ) -> RegistrationOutcome:
        behaviour = behaviour_for(configuration.product_family)
        audience = (
            configuration.authorization_server
            if behaviour.audience_from_authorization_server
            and configuration.authorization_server != configuration.token_endpoint
            else None
        )
        host = urlsplit(configuration.issuer).hostname or configuration.issuer
        label = behaviour.account_name(configuration.platform) or host
        try:
            registration = self._platforms.register(
                name=f"{behaviour.display_name}: {label} (dynamic registration)",
                issuer=configuration.issuer,
                client_id=client_id,
                auth_login_url=configuration.authorization_endpoint,
                auth_token_url=configuration.token_endpoint,
                key_set_url=configuration.jwks_uri,
                auth_audience=audience,
                pending_deployment_ids=[deployment_id] if deployment_id else (),
                product_family=configuration.product_family,
                how="dynamic_register",
            )
        except ValidationError as error:
            raise RegistrationError(error.message, status=422, problems=error.problems) from None
        return RegistrationOutcome(registration, deployment_id, behaviour.display_name)
