"""Builds the REST source for a registered provider: the one place that picks its auth."""

from __future__ import annotations

from connectors.http import HttpClient
from connectors.oneroster.client import ROSTER_CORE_SCOPE, ClientCredentials, OneRosterClient
from connectors.oneroster.client import OneRosterOAuth1 as OAuth1
from connectors.oneroster.rest_source import RestRosterSource
from lti_tool.domain.roster.entities import Entity
from lti_tool.ports import RosterProvider


class OneRosterSources:
    """A :class:`lti_tool.ports.RosterSourceFactory` over one shared :class:`HttpClient`."""

    def __init__(self, http: HttpClient, page_size: int = 100) -> None:
        self.http = http
        self.page_size = page_size

    def __call__(
        self,
        provider: RosterProvider,
        secret: str,
        bookmarks: dict[Entity, str | None],
        full: bool,
    ) -> RestRosterSource:
        if provider.version == "1.2":
            assert provider.token_url is not None
            auth: object = ClientCredentials(
                provider.token_url, provider.client_id, secret, provider.scopes or ROSTER_CORE_SCOPE
            )
        else:
            auth = OAuth1(
                client_id=provider.client_id,
                client_secret=secret,
                signature_method=provider.signature_method,
                signature_type="HEADER",
            )
        client = OneRosterClient(
            self.http, provider.base_url, provider.version, auth, self.page_size
        )
        return RestRosterSource(client, provider.name, provider.version, bookmarks, full=full)
