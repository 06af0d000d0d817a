"""Names and Role Provisioning Services 2.0: a context's members, page by page.

The first request asks for the platform's page size (``limit``, from its behaviour: Canvas caps
pages at 50); every further page is the ``Link: rel="next"`` URL exactly as the platform sent it.
requests parses ``Link`` headers without changing the URL's case (pylti1p3 lower-cases the whole
header, which breaks case-sensitive page tokens). Paging stops at a page cap or a URL seen
before, with a :class:`~lti_tool.lti.service_tokens.ServiceError`, instead of a silently short
roster or an endless loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests

from lti_tool.domain.lti import PlatformRegistration
from lti_tool.lti.service_tokens import (
    ServiceError,
    ServiceTokenClient,
)
from lti_tool.platforms import behaviour_for

NRPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
DEFAULT_PAGE_CAP = 100
MAX_BODY_IN_ERROR = 200


@dataclass(frozen=True)
class Member:
    """One member of a context as the platform reports it (NRPS 2.0 ``members`` entry)."""

    user_id: str
    """The LTI ``sub`` of this person on this platform."""
    roles: tuple[str, ...]
    """Role URIs (or short names) exactly as sent."""
    status: str | None = None
    """``Active``, ``Inactive`` or ``Deleted``; None when the platform sent none (Active)."""
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    lis_person_sourcedid: str | None = None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def member_from(entry: Mapping[str, Any]) -> Member | None:
    """A :class:`Member` from a ``members`` entry; None when it names no user."""
    user_id = entry.get("user_id")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    if not isinstance(user_id, str) or not user_id:
        return None
    roles = entry.get("roles")
    return Member(
        user_id=user_id,
        roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
        status=_text(entry.get("status")),
        name=_text(entry.get("name")),
        given_name=_text(entry.get("given_name")),
        family_name=_text(entry.get("family_name")),
        email=_text(entry.get("email")),
        lis_person_sourcedid=_text(entry.get("lis_person_sourcedid")),
    )


def with_limit(url: str, limit: int) -> str:
    """``url`` asking for ``limit`` members per page, unless it already names a limit. The rest
    of the URL is kept byte for byte."""
    parts = urlsplit(url)
    if any(name == "limit" for name, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return url
    query = f"{parts.query}&" if parts.query else ""
    return parts._replace(query=query + urlencode({"limit": limit})).geturl()


class NrpsClient:
    """Reads context memberships with a service token for the NRPS scope.

    Args:
        tokens: service tokens, cached per registration and scope.
        http: the session NRPS requests go through.
    """

    def __init__(self, tokens: ServiceTokenClient, http: requests.Session) -> None:
        self._tokens = tokens
        self._http = http

    def members(
        self,
        registration: PlatformRegistration,
        memberships_url: str,
        *,
        page_cap: int = DEFAULT_PAGE_CAP,
    ) -> list[Member]:
        """Every member of the context at ``memberships_url`` (the launch's NRPS
        ``context_memberships_url``), following ``Link: rel="next"``.

        Raises:
            ServiceError: a page was refused or unreadable, a next URL repeated one seen
                before, or there were still more pages after ``page_cap`` pages.
        """
        if page_cap < 1:
            raise ValueError("page_cap must be at least 1")
        limit = behaviour_for(registration.product_family).nrps_page_limit
        url = with_limit(memberships_url, limit)
        seen = {url}
        members: list[Member] = []
        pages = 0
        while True:
            response = self._get(registration, url)
            pages += 1
            members.extend(self._page_members(response, url))
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return members
            next_url = urljoin(url, next_url)
            if next_url in seen:
                raise ServiceError(
                    f"The platform's membership pages loop: page {pages + 1} ({next_url}) was "
                    f"already read. {len(members)} members were read before stopping."
                )
            if pages >= page_cap:
                raise ServiceError(
                    f"The membership list of {memberships_url} has more than {page_cap} pages "
                    f"(the page cap); {len(members)} members were read before stopping. "
                    "Nothing was imported from an incomplete roster."
                )
            seen.add(next_url)
            url = next_url

    # -- inside -------------------------------------------------------------------------------

    def _get(self, registration: PlatformRegistration, url: str) -> requests.Response:
        """One page; a 401 drops the token and tries that page once more with a new one."""
        response, token = self._tokens.send(
            registration, "GET", url, NRPS_SCOPE, accept=NRPS_MEDIA,
            what="the membership service",
        )  # fmt: skip
        if response.status_code != 200:
            body = response.text[:MAX_BODY_IN_ERROR].replace(token, "[token]")
            raise ServiceError(
                f"The membership service refused {url} (HTTP {response.status_code}): "
                f"{body or 'no reason given'}",
                status=response.status_code,
            )
        return response

    @staticmethod
    def _page_members(response: requests.Response, url: str) -> list[Member]:
        try:
            body = response.json()
        except ValueError:
            body = None
        entries = body.get("members") if isinstance(body, dict) else None
        if not isinstance(entries, list):
            raise ServiceError(
                f"The membership service answered {url} without a members list.",
                status=response.status_code,
            )
        found = (member_from(e) for e in entries if isinstance(e, Mapping))
        return [member for member in found if member is not None]
