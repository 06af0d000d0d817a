"""Moodle: the defaults hold.

Moodle sends ``product_family_code`` ``moodle``; its issuer is the site's own URL, so every
Moodle site is its own registration (manual or Dynamic Registration). Nothing is overridden
yet: this class is where a Moodle difference goes when one is found.
"""

from __future__ import annotations

from typing import ClassVar

from lti_tool.platforms.base import Family, PlatformBehaviour


class MoodleBehaviour(PlatformBehaviour):
    """Moodle LMS."""

    family: ClassVar[Family] = Family.MOODLE
    display_name: ClassVar[str] = "Moodle"
