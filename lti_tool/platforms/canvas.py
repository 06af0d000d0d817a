"""Canvas (Instructure): what differs, and the developer key JSON configuration.

Sources: Canvas "Configuring LTI Advantage Tools" (``doc/api/lti_dev_key_config.md`` in
instructure/canvas-lms, section "Anatomy of a JSON configuration") for the developer key JSON;
the Canvas Score API (``https://canvas.instructure.com/lti/submission`` extension); Canvas's
Platform Storage notes in the same page; Canvas "Registering an LTI Tool"
(``doc/api/registration.md``) for the Dynamic Registration extensions; DOMAIN.md section 2 for
the NRPS page cap and the 422 on scores for non-students.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from lti_tool.platforms.base import Family, PlatformBehaviour
from lti_tool.platforms.registration import ADVANTAGE_SCOPES

SUBMISSION_EXTENSION = "https://canvas.instructure.com/lti/submission"
"""Key of the Canvas score extension that makes a score a Canvas submission."""

PRIVACY_LEVEL = "https://canvas.instructure.com/lti/privacy_level"
TOOL_ID = "https://canvas.instructure.com/lti/tool_id"
ACCOUNT_NAME = "https://canvas.instructure.com/lti/account_name"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"

PLACEMENTS: tuple[tuple[str, str], ...] = (
    ("course_navigation", RESOURCE_LINK),
    ("account_navigation", RESOURCE_LINK),
    ("assignment_selection", DEEP_LINKING),
    ("link_selection", DEEP_LINKING),
)
"""(placement, message type) pairs the developer key asks for."""

SCOPES: tuple[str, ...] = ADVANTAGE_SCOPES
"""LTI Advantage scopes the developer key grants (AGS and NRPS)."""

CUSTOM_FIELDS: dict[str, str] = {
    "canvas_user_id": "$Canvas.user.id",
    "canvas_course_id": "$Canvas.course.id",
    "canvas_assignment_id": "$Canvas.assignment.id",
    "person_sourcedid": "$Person.sourcedId",
    "canvas_api_base_url": "$Canvas.api.baseUrl",
}
"""Custom parameters every launch carries (Canvas variable substitutions)."""

DEFAULT_DESCRIPTION = (
    "Educator micro-credentials: submit evidence, get it reviewed against a rubric, and earn "
    "a verifiable badge with re-licensure credit."
)


class CanvasBehaviour(PlatformBehaviour):
    """Canvas LMS."""

    family: ClassVar[Family] = Family.CANVAS
    display_name: ClassVar[str] = "Canvas"
    nrps_page_limit: ClassVar[int] = 50
    """Canvas caps NRPS pages at 50 members."""
    new_deployment_per_install: ClassVar[bool] = True
    """Every install of the developer key (account, sub-account or course) is a new
    deployment under the same client_id."""
    supports_platform_storage: ClassVar[bool] = True
    """Canvas answers ``lti.put_data``/``lti.get_data`` (target origin ``'*'``)."""
    user_id_custom_parameter: ClassVar[str | None] = CUSTOM_FIELDS["canvas_user_id"]
    user_id_custom_key: ClassVar[str | None] = "canvas_user_id"
    non_student_score_status: ClassVar[int | None] = 422
    """Canvas answers 422 to a score for someone who is not a student of the course."""

    registration_placements: ClassVar[Mapping[str, tuple[str, ...]]] = {
        RESOURCE_LINK: tuple(name for name, kind in PLACEMENTS if kind == RESOURCE_LINK),
        DEEP_LINKING: tuple(name for name, kind in PLACEMENTS if kind == DEEP_LINKING),
    }
    """The same placements as the developer key JSON."""
    audience_from_authorization_server: ClassVar[bool] = False
    """Canvas names a bare host (``canvas.instructure.com``) as its ``authorization_server``
    and accepts its token URL as the assertion's ``aud``, as manual registrations use."""

    def registration_extensions(self) -> dict[str, Any]:
        """Canvas's privacy level (``public`` sends names and emails, which roster matching
        needs) and tool id, as in the developer key JSON."""
        return {PRIVACY_LEVEL: "public", TOOL_ID: "credbridge"}

    def account_name(self, platform_configuration: Mapping[str, Any]) -> str | None:
        """Canvas names the account the tool is being installed into."""
        name = platform_configuration.get(ACCOUNT_NAME)
        return name.strip() if isinstance(name, str) and name.strip() else None

    def registration_custom_parameters(self) -> dict[str, str]:
        """The custom fields of the developer key JSON."""
        return dict(CUSTOM_FIELDS)

    def score_extension(self, badge_url: str, *, new_submission: bool) -> dict[str, Any]:
        """Make the score a Canvas ``online_url`` submission that links the badge.

        Args:
            badge_url: The badge's verification URL, shown as the submission.
            new_submission: False when re-scoring, so Canvas does not count a new attempt.
        """
        return {
            SUBMISSION_EXTENSION: {
                "new_submission": new_submission,
                "submission_type": "online_url",
                "submission_data": badge_url,
            }
        }


@dataclass(frozen=True)
class CanvasLaunchIds:
    """The Canvas REST ids a launch carries in its custom fields."""

    base_url: str | None
    """``$Canvas.api.baseUrl``: which Canvas connection the ids belong to."""
    course_id: str
    assignment_id: str | None
    """Set only when the launch came from an assignment."""
    user_id: str


def _substituted(custom: Mapping[str, str], key: str) -> str | None:
    """A custom value Canvas filled in; Canvas leaves ``$Canvas...`` when it cannot (for
    example ``$Canvas.assignment.id`` outside an assignment)."""
    value = (custom.get(key) or "").strip()
    return value if value and not value.startswith("$") else None


def launch_ids(custom: Mapping[str, str]) -> CanvasLaunchIds | None:
    """The course, assignment and user of a Canvas launch; ``None`` when it has none."""
    course = _substituted(custom, "canvas_course_id")
    user = _substituted(custom, "canvas_user_id")
    if course is None or user is None:
        return None
    base = _substituted(custom, "canvas_api_base_url")
    return CanvasLaunchIds(
        base.rstrip("/") if base else None,
        course,
        _substituted(custom, "canvas_assignment_id"),
        user,
    )


def _join(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def developer_key_config(
    base_url: str,
    title: str = "credbridge",
    description: str = DEFAULT_DESCRIPTION,
    *,
    jwks_path: str = "/.well-known/jwks.json",
    login_path: str = "/lti/login",
    launch_path: str = "/lti/launch",
) -> dict[str, Any]:
    """The JSON configuration a Canvas admin pastes (or points to) for an LTI developer key.

    Follows Canvas's documented shape ("Anatomy of a JSON configuration" in Canvas's
    "Configuring LTI Advantage Tools"): title, description, oidc_initiation_url,
    target_link_uri, public_jwk_url, scopes, one ``canvas.instructure.com`` extension with
    privacy level and placements, and tool-level custom_fields. Every placement launches the
    same launch URL; the message type and the placement claim tell the launches apart.

    Args:
        base_url: The tool's public absolute URL (``https://credbridge.example.org``), with or
            without a trailing slash or a path prefix.
        title: The tool's name in Canvas.
        description: The tool's description in Canvas.
        jwks_path: Path of the tool's public key set.
        login_path: Path of the OIDC login initiation endpoint.
        launch_path: Path of the launch (redirect) endpoint.

    Raises:
        ValueError: If ``base_url`` is not an absolute http(s) URL.
    """
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    base = base_url.strip()
    launch_url = _join(base, launch_path)
    return {
        "title": title,
        "description": description,
        "oidc_initiation_url": _join(base, login_path),
        "target_link_uri": launch_url,
        "public_jwk_url": _join(base, jwks_path),
        "scopes": list(SCOPES),
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": parts.hostname,
                "tool_id": "credbridge",
                "privacy_level": "public",
                "settings": {
                    "text": title,
                    "placements": [
                        {
                            "placement": placement,
                            "message_type": message_type,
                            "target_link_uri": launch_url,
                            "text": title,
                        }
                        for placement, message_type in PLACEMENTS
                    ],
                },
            }
        ],
        "custom_fields": dict(CUSTOM_FIELDS),
    }
