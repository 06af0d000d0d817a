"""The tool's client registration for LTI Dynamic Registration, shaped per LMS.

Source: 1EdTech "LTI Dynamic Registration" 1.0 (section 3.5: the tool's OpenID Connect client
registration with the ``https://purl.imsglobal.org/spec/lti-tool-configuration`` member) and
Canvas "Registering an LTI Tool" for the Canvas extensions. What differs per LMS comes from
its :class:`~lti_tool.platforms.base.PlatformBehaviour`; this module holds the spec's shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from lti_tool.platforms.base import PlatformBehaviour

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"

ADVANTAGE_SCOPES: tuple[str, ...] = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)
"""The service scopes the tool asks for: AGS (line items, scores, results) and NRPS."""

CLAIMS: tuple[str, ...] = ("iss", "sub", "name", "given_name", "family_name", "email")
"""Identity claims each launch should carry (names and email match people across systems)."""


def _offered(platform: Mapping[str, Any]) -> dict[str, tuple[str, ...] | None]:
    """Message types the platform says it supports, each with its placements (None: any).
    An empty dict means the platform did not say."""
    messages = platform.get("messages_supported")
    offered: dict[str, tuple[str, ...] | None] = {}
    if not isinstance(messages, list):
        return offered
    for message in messages:
        if isinstance(message, Mapping) and isinstance(message.get("type"), str):
            placements = message.get("placements")
            offered[message["type"]] = (
                tuple(str(item) for item in placements) if isinstance(placements, list) else None
            )
    return offered


def _message(
    kind: str, launch_url: str, title: str, wanted: Sequence[str], offered: Sequence[str] | None
) -> dict[str, Any]:
    message: dict[str, Any] = {"type": kind, "target_link_uri": launch_url, "label": title}
    placements = [name for name in wanted if offered is None or name in offered]
    if placements:
        message["placements"] = placements
    return message


def requested_scopes(scopes_supported: object) -> list[str]:
    """The Advantage scopes to ask for: those the platform lists, or all when it lists none."""
    if not isinstance(scopes_supported, list) or not scopes_supported:
        return list(ADVANTAGE_SCOPES)
    return [scope for scope in ADVANTAGE_SCOPES if scope in scopes_supported]


def tool_registration(
    behaviour: PlatformBehaviour,
    *,
    base_url: str,
    platform_configuration: Mapping[str, Any],
    scopes_supported: object = None,
    title: str = "credbridge",
    description: str = "",
    login_path: str = "/lti/login",
    launch_path: str = "/lti/launch",
    jwks_path: str = "/.well-known/jwks.json",
) -> dict[str, Any]:
    """The JSON body the tool POSTs to the platform's ``registration_endpoint``.

    Args:
        behaviour: The LMS the platform configuration names (``product_family_code``).
        base_url: The tool's public absolute URL.
        platform_configuration: The ``lti-platform-configuration`` member of the platform's
            OpenID configuration (message types and placements it supports).
        scopes_supported: The platform's ``scopes_supported`` list, if it sent one.
        title: The tool's name as the LMS shows it.
        description: A sentence about the tool.

    Raises:
        ValueError: If ``base_url`` is not an absolute http(s) URL.
    """
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    base = base_url.strip().rstrip("/")
    launch_url = base + launch_path
    offered = _offered(platform_configuration)
    messages = []
    for kind in (RESOURCE_LINK, DEEP_LINKING):
        if offered and kind not in offered:
            continue  # e.g. a platform without Deep Linking: do not ask for it
        wanted = behaviour.registration_placements.get(kind, ())
        messages.append(_message(kind, launch_url, title, wanted, offered.get(kind)))
    configuration: dict[str, Any] = {
        "domain": parts.netloc,
        "target_link_uri": launch_url,
        "claims": list(CLAIMS),
        "messages": messages,
        **behaviour.registration_extensions(),
    }
    if description:
        configuration["description"] = description
    custom = behaviour.registration_custom_parameters()
    if custom:
        configuration["custom_parameters"] = custom
    return {
        "application_type": "web",
        "client_name": title,
        "client_uri": base,
        "grant_types": ["client_credentials", "implicit"],
        "response_types": ["id_token"],
        "redirect_uris": [launch_url],
        "initiate_login_uri": base + login_path,
        "jwks_uri": base + jwks_path,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(requested_scopes(scopes_supported)),
        TOOL_CONFIGURATION: configuration,
    }
