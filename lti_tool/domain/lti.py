"""LTI 1.3 facts the rest of the product uses, free of any library: platform registrations,
deployments, tool keys, and the validated launch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class DeploymentStatus(StrEnum):
    """A deployment id seen for a registration. Unknown ones wait for an admin (Canvas makes a
    new one for every install), unless the registration approves them automatically."""

    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


@dataclass
class PlatformRegistration:
    """One LMS (issuer + client_id) that may launch the tool."""

    id: str
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str | None
    key_set: dict[str, Any] | None
    """A pasted JWKS, when the platform publishes no key set URL."""
    auth_audience: str | None
    """Audience for service-token assertions when it is not the token URL (D2L)."""
    auto_approve_deployments: bool
    created_at: datetime
    product_family: str | None = None
    """``tool_platform.product_family_code`` seen on the last launch (canvas, moodle, ...)."""


@dataclass
class Deployment:
    registration_id: str
    deployment_id: str
    status: DeploymentStatus
    first_seen_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None


class ToolKeyState(StrEnum):
    """Published before it signs, retired after: verifiers always find the key they need."""

    NEXT = "next"
    """In the JWKS, not yet signing."""
    ACTIVE = "active"
    """Signs new tokens; exactly one at a time."""
    RETIRED = "retired"
    """Still in the JWKS until ``retire_after`` so tokens it signed stay verifiable."""


@dataclass
class ToolKey:
    kid: str
    public_jwk: dict[str, Any]
    private_key_encrypted: str
    """PEM, encrypted with the settings' encryption key: never stored or logged in clear."""
    state: ToolKeyState
    created_at: datetime
    activated_at: datetime | None = None
    retired_at: datetime | None = None


@dataclass(frozen=True)
class LaunchContext:
    """A validated launch, as plain data for the services (no pylti1p3 types leave lti/)."""

    registration_id: str
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    subject: str | None
    """``sub``: absent on anonymous launches."""
    roles: tuple[str, ...]
    name: str | None = None
    email: str | None = None
    context_id: str | None = None
    context_title: str | None = None
    resource_link_id: str | None = None
    product_family: str | None = None
    registered_product_family: str | None = None
    """What the registration already records as its product family (saves a read when
    nothing changed)."""
    custom: dict[str, str] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
