"""A course's NRPS members for the roster service (a ``CourseRosterReader``, ports_roster.py).

The NRPS client does the paging and tokens; this turns its members into plain roster data and
its failures into the roster's ``SOURCE_FAILED`` problem, so a failed read is a failed report.
"""

from __future__ import annotations

from lti_tool.domain.lti import PlatformRegistration
from lti_tool.domain.roster.csv_rows import PackageError
from lti_tool.domain.roster.lms import LmsMember
from lti_tool.domain.roster.report import Problem
from lti_tool.lti.nrps import NrpsClient
from lti_tool.lti.service_tokens import ServiceError

INACTIVE = frozenset({"inactive", "deleted"})


class NrpsCourseRoster:
    """Reads a context's members through :class:`NrpsClient`."""

    def __init__(self, nrps: NrpsClient) -> None:
        self._nrps = nrps

    def members(self, registration: PlatformRegistration, memberships_url: str) -> list[LmsMember]:
        """Every member of the context (NRPS ``context_memberships_url``).

        Raises:
            PackageError: the platform refused or could not be read (``SOURCE_FAILED``).
        """
        try:
            found = self._nrps.members(registration, memberships_url)
        except ServiceError as error:
            raise PackageError(
                Problem("SOURCE_FAILED", f"{error}", file=f"NRPS {memberships_url}")
            ) from error
        return [
            LmsMember(
                user_id=member.user_id,
                roles=member.roles,
                active=(member.status or "Active").casefold() not in INACTIVE,
                lis_person_sourcedid=member.lis_person_sourcedid,
                name=member.name,
            )
            for member in found
        ]
