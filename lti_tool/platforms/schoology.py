"""Schoology (PowerSchool): the defaults hold.

Schoology sends ``product_family_code`` ``schoology``. Every school shares one issuer,
``https://schoology.schoology.com``, and one client_id per app (from the Schoology App Center);
schools are told apart by their deployment. Nothing is overridden yet.
"""

from __future__ import annotations

from typing import ClassVar

from lti_tool.platforms.base import Family, PlatformBehaviour


class SchoologyBehaviour(PlatformBehaviour):
    """Schoology."""

    family: ClassVar[Family] = Family.SCHOOLOGY
    display_name: ClassVar[str] = "Schoology"
