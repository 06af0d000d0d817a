"""The LMS family of a launch, and the behaviour every LMS shares unless its plugin says
otherwise.

Shape after hypothesis/lms: ``lms/models/family.py`` (an enum that falls back to UNKNOWN) and
``lms/product/plugin/misc.py`` (one place holding the defaults, overridden per product). Code
outside ``lti_tool/platforms`` asks a :class:`PlatformBehaviour` instead of testing the family.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar


class Family(StrEnum):
    """An LMS product family, from ``tool_platform.product_family_code``.

    The values are the codes the LMSs really send in the
    ``https://purl.imsglobal.org/spec/lti/claim/tool_platform`` claim. Unknown or missing codes
    (and platforms that send an empty one) become ``UNKNOWN``; nothing raises.
    """

    CANVAS = "canvas"
    MOODLE = "moodle"
    D2L = "desire2learn"
    SCHOOLOGY = "schoology"
    BLACKBOARD = "BlackboardLearn"
    UNKNOWN = "unknown"

    @classmethod
    def from_product_family_code(cls, code: str | None) -> Family:
        """The family for a ``product_family_code``; ``UNKNOWN`` when missing or unrecognised.

        Matching ignores case and surrounding whitespace, and knows the other spellings seen
        in the field (``d2l``, ``brightspace``, ``blackboard``).
        """
        if code is None:
            return cls.UNKNOWN
        return _CODES.get(code.strip().casefold(), cls.UNKNOWN)

    @classmethod
    def _missing_(cls, value: object) -> Family:
        """Make ``Family("Canvas")`` and ``Family("something else")`` work like
        :meth:`from_product_family_code`."""
        return cls.from_product_family_code(value if isinstance(value, str) else None)


_CODES: Mapping[str, Family] = {
    "canvas": Family.CANVAS,
    "moodle": Family.MOODLE,
    "desire2learn": Family.D2L,
    "d2l": Family.D2L,
    "brightspace": Family.D2L,
    "schoology": Family.SCHOOLOGY,
    "blackboardlearn": Family.BLACKBOARD,
    "blackboard": Family.BLACKBOARD,
}


class PlatformBehaviour:
    """How an LMS behaves where LMSs differ. This class holds the defaults (what the LTI
    specs say); one subclass per LMS overrides only what that LMS does differently. An
    instance also serves launches from unknown platforms.
    """

    family: ClassVar[Family] = Family.UNKNOWN
    """Which LMS this behaviour describes."""

    display_name: ClassVar[str] = "LMS"
    """The LMS's name as people know it, for pages and messages."""

    nrps_page_limit: ClassVar[int] = 100
    """How many members to ask for per Names and Role Provisioning page (``limit``). Pages
    are followed through ``Link: rel="next"`` whatever the platform returns."""

    needs_token_audience_override: ClassVar[bool] = False
    """True when the ``aud`` of the client assertion for service tokens is not the token URL
    (see :meth:`token_audience`)."""

    default_token_audience: ClassVar[str | None] = None
    """The audience to use when one is needed and the registration names none."""

    new_deployment_per_install: ClassVar[bool] = False
    """True when every install of the tool makes a new ``deployment_id``: unknown deployments
    are then expected and wait for an admin instead of failing the launch."""

    supports_platform_storage: ClassVar[bool] = False
    """True when the LMS answers the LTI Platform Storage postMessages (``lti.put_data`` /
    ``lti.get_data``), so state survives browsers that block third-party cookies. Check
    ``lti.capabilities`` in the browser before relying on it."""

    user_id_custom_parameter: ClassVar[str | None] = None
    """The substitution variable that makes the LMS send its own user id as a custom
    parameter (for its REST API and roster matching), or None when there is none we use."""

    user_id_custom_key: ClassVar[str | None] = None
    """The custom parameter name that variable is configured under."""

    non_student_score_status: ClassVar[int | None] = None
    """The HTTP status with which the LMS refuses a score because the person is not a
    student of the course. Such a refusal is recorded and never retried."""

    registration_placements: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Placements to ask for per message type in a Dynamic Registration (message type →
    placements). The LTI spec defines none; an LMS that has them says which it wants."""

    audience_from_authorization_server: ClassVar[bool] = True
    """Whether the ``authorization_server`` of the platform's OpenID configuration is the
    ``aud`` of service-token assertions, as the Dynamic Registration spec says."""

    def registration_extensions(self) -> dict[str, Any]:
        """Extra members of the ``lti-tool-configuration`` object sent when registering
        dynamically (privacy level, tool id, ...); none by default."""
        return {}

    def account_name(self, platform_configuration: Mapping[str, Any]) -> str | None:
        """The institution's name from a platform's ``lti-platform-configuration``, when the
        LMS sends one (it names the registration for admins); none in the spec."""
        del platform_configuration
        return None

    def registration_custom_parameters(self) -> dict[str, str]:
        """Custom parameters every launch should carry, asked for at Dynamic Registration."""
        if self.user_id_custom_key and self.user_id_custom_parameter:
            return {self.user_id_custom_key: self.user_id_custom_parameter}
        return {}

    def score_extension(self, badge_url: str, *, new_submission: bool) -> dict[str, Any]:
        """Extra members for an AGS score that links the awarded badge.

        Args:
            badge_url: The public verification URL of the badge.
            new_submission: False when re-scoring an existing submission.

        Returns:
            Members to merge into the score JSON; none by default.
        """
        del badge_url, new_submission
        return {}

    def is_non_student_score_refusal(self, status: int) -> bool:
        """Whether a score POST answered with ``status`` means "not a student here"."""
        return self.non_student_score_status is not None and status == self.non_student_score_status

    def token_audience(self, token_url: str, configured: str | None = None) -> str:
        """The ``aud`` of the JWT client assertion sent to the platform's token endpoint.

        Args:
            token_url: The registration's token URL, the audience the LTI spec expects.
            configured: The registration's own audience setting, if any.

        Returns:
            ``token_url``, unless this LMS needs another audience.
        """
        if self.needs_token_audience_override:
            return configured or self.default_token_audience or token_url
        return token_url

    def lms_user_id(self, custom: Mapping[str, str]) -> str | None:
        """The LMS's own user id from a launch's custom parameters, if it sent one.

        A value the LMS left unexpanded (still ``$Canvas.user.id``) is not an id.
        """
        if self.user_id_custom_key is None:
            return None
        value = custom.get(self.user_id_custom_key, "").strip()
        if not value or value.startswith("$"):
            return None
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}(family={self.family.value!r})"
