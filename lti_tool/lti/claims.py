"""Reading an id_token's claims into plain data (no pylti1p3 types leave ``lti_tool/lti``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from lti_tool.domain.lti import LaunchContext, PlatformRegistration

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def audience_client(body: Mapping[str, Any]) -> str | None:
    audience = body.get("aud")
    if isinstance(audience, list):
        return str(body.get("azp") or (audience[0] if len(audience) == 1 else "")) or None
    return str(audience) if audience else None


def launch_context(registration: PlatformRegistration, body: Mapping[str, Any]) -> LaunchContext:
    """Plain launch data for the services; every optional claim may be missing."""
    context = body.get(CLAIM + "context") or {}
    resource_link = body.get(CLAIM + "resource_link") or {}
    platform = body.get(CLAIM + "tool_platform") or {}
    custom = body.get(CLAIM + "custom") or {}
    name = body.get("name") or " ".join(
        part for part in (body.get("given_name"), body.get("family_name")) if part
    )
    return LaunchContext(
        registration_id=registration.id,
        issuer=registration.issuer,
        client_id=registration.client_id,
        deployment_id=str(body.get(CLAIM + "deployment_id", "")),
        message_type=str(body.get(CLAIM + "message_type", "")),
        subject=str(body["sub"]) if body.get("sub") else None,
        roles=tuple(str(role) for role in body.get(CLAIM + "roles") or ()),
        name=name or None,
        email=str(body["email"]).strip().lower() if body.get("email") else None,
        context_id=str(context["id"]) if isinstance(context, dict) and context.get("id") else None,
        context_title=str(context.get("title") or "") or None
        if isinstance(context, dict)
        else None,
        resource_link_id=str(resource_link.get("id"))
        if isinstance(resource_link, dict) and resource_link.get("id")
        else None,
        product_family=str(platform.get("product_family_code"))
        if isinstance(platform, dict) and platform.get("product_family_code")
        else None,
        registered_product_family=registration.product_family,
        custom={str(key): str(value) for key, value in custom.items()}
        if isinstance(custom, dict)
        else {},
        claims=dict(body),
    )
