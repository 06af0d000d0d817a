"""Blackboard Learn (Anthology): the defaults hold.

Blackboard sends ``product_family_code`` ``BlackboardLearn``. Every Learn site shares one
issuer, ``https://blackboard.com``, and one client_id (the application id from the Anthology
developer portal); sites are told apart by their deployment. Nothing is overridden yet.
"""

from __future__ import annotations

from typing import ClassVar

from lti_tool.platforms.base import Family, PlatformBehaviour


class BlackboardBehaviour(PlatformBehaviour):
    """Blackboard Learn."""

    family: ClassVar[Family] = Family.BLACKBOARD
    display_name: ClassVar[str] = "Blackboard Learn"
