"""Deep Linking 2.0: answer an ``LtiDeepLinkingRequest`` with a signed ``LtiDeepLinkingResponse``.

The request's settings are kept as a :class:`DeepLinkRequest` (plain data, safe to keep in the
session) from launch until the instructor has chosen; the response is an RS256 JWT signed by the
tool's active key and posted by the browser to ``deep_link_return_url``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from lti_tool.domain.lti import LaunchContext
from lti_tool.domain.lti_services import (
    LINK_CUSTOM_KEYS,
    GradeLinkKind,
    line_item_tag,
    resource_id,
)
from lti_tool.lti.keys import ToolKeyService
from lti_tool.ports import Clock

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
RESPONSE_LIFETIME = timedelta(minutes=5)
RESOURCE_LINK = "ltiResourceLink"


@dataclass(frozen=True)
class DeepLinkRequest:
    """What a deep-linking launch asked for."""

    registration_id: str
    client_id: str
    issuer: str
    deployment_id: str
    return_url: str
    accept_types: tuple[str, ...]
    accept_multiple: bool
    data: str | None
    offers_grades: bool
    """The platform sent an AGS claim: content items may carry a line item."""

    @classmethod
    def from_launch(cls, launch: LaunchContext) -> DeepLinkRequest:
        settings = launch.claims.get(DL_CLAIM + "deep_linking_settings")
        if not isinstance(settings, Mapping) or not settings.get("deep_link_return_url"):
            raise ValueError("The deep-linking launch has no deep_link_return_url.")
        return cls(
            registration_id=launch.registration_id,
            client_id=launch.client_id,
            issuer=launch.issuer,
            deployment_id=launch.deployment_id,
            return_url=str(settings["deep_link_return_url"]),
            accept_types=tuple(str(item) for item in settings.get("accept_types") or ()),
            accept_multiple=bool(settings.get("accept_multiple", True)),
            data=str(settings["data"]) if settings.get("data") is not None else None,
            offers_grades=isinstance(launch.claims.get(AGS_CLAIM), Mapping),
        )

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Mapping[str, Any]) -> DeepLinkRequest:
        values = dict(data)
        values["accept_types"] = tuple(values.get("accept_types") or ())
        return cls(**values)

    @property
    def accepts_links(self) -> bool:
        return not self.accept_types or RESOURCE_LINK in self.accept_types


@dataclass(frozen=True)
class LinkChoice:
    """One credential (or a whole stack) the instructor picked, as a resource link to place in
    the course."""

    credential_slug: str
    """The credential's slug, or the stack's when ``kind`` is ``stack``."""
    title: str
    text: str
    kind: GradeLinkKind = "credential"


class DeepLinkResponder:
    """Builds the signed response for a deep-linking request."""

    def __init__(self, tool_keys: ToolKeyService, clock: Clock, launch_url: str) -> None:
        self._keys = tool_keys
        self._clock = clock
        self._launch_url = launch_url

    def content_item(self, request: DeepLinkRequest, choice: LinkChoice) -> dict[str, Any]:
        item: dict[str, Any] = {
            "type": RESOURCE_LINK,
            "title": choice.title,
            "text": choice.text,
            "url": self._launch_url,
            # A launch from the link reads it back (lti_tool.domain.lti_services.linked).
            "custom": {LINK_CUSTOM_KEYS[choice.kind]: choice.credential_slug},
        }
        if request.offers_grades:
            item["lineItem"] = {
                "scoreMaximum": 1,
                "label": choice.title,
                "resourceId": resource_id(choice.kind, choice.credential_slug),
                "tag": line_item_tag(choice.kind),
            }
        return item

    def respond(self, request: DeepLinkRequest, choices: Sequence[LinkChoice]) -> str:
        """The signed ``LtiDeepLinkingResponse`` JWT (an empty choice list cancels)."""
        if not request.accepts_links and choices:
            raise ValueError("This platform does not accept resource links here.")
        if len(choices) > 1 and not request.accept_multiple:
            raise ValueError("This platform accepts one item at a time: choose one credential.")
        now = int(self._clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": request.client_id,
            "aud": request.issuer,
            "iat": now,
            "exp": now + int(RESPONSE_LIFETIME.total_seconds()),
            "nonce": secrets.token_urlsafe(16),
            CLAIM + "message_type": "LtiDeepLinkingResponse",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": request.deployment_id,
            DL_CLAIM + "content_items": [self.content_item(request, choice) for choice in choices],
        }
        if request.data is not None:
            claims[DL_CLAIM + "data"] = request.data
        return self._keys.sign_jwt(claims)
