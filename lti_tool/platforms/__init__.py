"""Per-LMS differences, as one behaviour object per LMS family over a base class of defaults.

Callers write ``behaviour_for(registration.product_family).nrps_page_limit`` and never
``if family == "canvas"``: every LMS ``if`` lives in this package. Pure Python: no web, database
or HTTP imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lti_tool.platforms.base import Family, PlatformBehaviour
from lti_tool.platforms.blackboard import BlackboardBehaviour
from lti_tool.platforms.canvas import CanvasBehaviour, developer_key_config
from lti_tool.platforms.d2l import D2LBehaviour
from lti_tool.platforms.moodle import MoodleBehaviour
from lti_tool.platforms.schoology import SchoologyBehaviour

BEHAVIOURS: Mapping[Family, PlatformBehaviour] = MappingProxyType(
    {
        Family.CANVAS: CanvasBehaviour(),
        Family.MOODLE: MoodleBehaviour(),
        Family.D2L: D2LBehaviour(),
        Family.SCHOOLOGY: SchoologyBehaviour(),
        Family.BLACKBOARD: BlackboardBehaviour(),
        Family.UNKNOWN: PlatformBehaviour(),
    }
)
"""One shared, stateless behaviour per family."""


def behaviour_for(code: str | None) -> PlatformBehaviour:
    """The behaviour for a ``product_family_code`` (or a :class:`Family`).

    Unknown, empty or missing codes get the defaults (:class:`PlatformBehaviour`).
    """
    return BEHAVIOURS[Family.from_product_family_code(code)]


__all__ = [
    "BEHAVIOURS",
    "BlackboardBehaviour",
    "CanvasBehaviour",
    "D2LBehaviour",
    "Family",
    "MoodleBehaviour",
    "PlatformBehaviour",
    "SchoologyBehaviour",
    "behaviour_for",
    "developer_key_config",
]
