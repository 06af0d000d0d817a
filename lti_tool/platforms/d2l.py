"""D2L Brightspace: service-token assertions need D2L's own audience.

D2L sends ``product_family_code`` ``desire2learn``. Its token endpoint expects the JWT client
assertion's ``aud`` to be the "Brightspace OAuth2 Audience" shown on the tool's registration
page (``https://api.brightspace.com/auth/token``), not the token URL. D2L also rotates its
signing keys often, which the launch adapter handles by refetching the key set on an unknown
``kid``.
"""

from __future__ import annotations

from typing import ClassVar

from lti_tool.platforms.base import Family, PlatformBehaviour

BRIGHTSPACE_OAUTH2_AUDIENCE = "https://api.brightspace.com/auth/token"


class D2LBehaviour(PlatformBehaviour):
    """D2L Brightspace."""

    family: ClassVar[Family] = Family.D2L
    display_name: ClassVar[str] = "D2L Brightspace"
    needs_token_audience_override: ClassVar[bool] = True
    """The client assertion's ``aud`` is the Brightspace OAuth2 audience, not the token URL;
    a registration's ``auth_audience`` wins over the default."""
    default_token_audience: ClassVar[str | None] = BRIGHTSPACE_OAUTH2_AUDIENCE
