"""OneRoster REST providers: register one (secret encrypted at rest) and sync from it.

A sync is an import whose source is the provider: the roster service saves each page's bookmark
with the page's rows, so running the same sync again after a crash resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.report import ImportReport
from lti_tool.ports import (
    Clock,
    RosterProvider,
    RosterSourceFactory,
    RosterStoreFactory,
    SecretCipher,
)
from lti_tool.services.roster import Progress, RosterService

VERSIONS = ("1.1", "1.2")
SIGNATURES = ("HMAC-SHA256", "HMAC-SHA1")


class RosterSyncService:
    """Operator actions (CLI and worker): no actor; admins reach the reports through
    :class:`RosterService`."""

    def __init__(
        self,
        stores: RosterStoreFactory,
        roster: RosterService,
        cipher: SecretCipher,
        sources: RosterSourceFactory,
        clock: Clock,
    ) -> None:
        self._stores = stores
        self._roster = roster
        self._cipher = cipher
        self._sources = sources
        self._clock = clock
        self.on_added: list[Callable[[RosterProvider], object]] = []
        """Run after a provider is registered (the scheduler schedules it)."""

    def add_provider(
        self,
        name: str,
        scope_id: str,
        version: str,
        base_url: str,
        client_id: str,
        secret: str,
        *,
        token_url: str | None = None,
        scopes: str | None = None,
        signature_method: str = "HMAC-SHA256",
    ) -> RosterProvider:
        """Register a provider. Raises ValidationError listing every problem."""
        problems = []
        if not name.strip() or len(name) > 100:
            problems.append("name: give a short name (at most 100 characters).")
        if version not in VERSIONS:
            problems.append(f"version: must be one of {', '.join(VERSIONS)}.")
        for label, url in (("base_url", base_url), ("token_url", token_url)):
            if url is not None and urlparse(url).scheme not in ("https", "http"):
                problems.append(f"{label}: must be an http(s) URL.")
        if version == "1.2" and not token_url:
            problems.append("token_url: OneRoster 1.2 needs the OAuth 2 token endpoint.")
        if signature_method not in SIGNATURES:
            problems.append(f"signature_method: must be one of {', '.join(SIGNATURES)}.")
        if not client_id or not secret:
            problems.append("client_id/secret: both are needed.")
        if problems:
            raise ValidationError("The roster provider was not saved", problems)
        provider = RosterProvider(
            name=name.strip(),
            scope_id=scope_id,
            version=version,
            base_url=base_url.rstrip("/"),
            client_id=client_id,
            secret=self._cipher.encrypt(secret),
            token_url=token_url,
            scopes=scopes,
            signature_method=signature_method,
            created_at=self._clock.now(),
        )
        with self._stores() as store:
            store.add_provider(provider)
            store.commit()
        for hook in self.on_added:
            hook(provider)
        return provider

    def providers(self) -> list[RosterProvider]:
        with self._stores() as store:
            return store.providers()

    def provider(self, name: str) -> RosterProvider:
        """Raises NotFoundError."""
        with self._stores() as store:
            return store.provider(name)

    def bookmarks(self, name: str) -> dict[Entity, str | None]:
        """Where the next sync of ``name`` starts, per entity (JSON as the source wrote it)."""
        with self._stores() as store:
            return {entity: store.bookmark(name, entity) for entity in Entity}

    def sync(
        self,
        name: str,
        *,
        full: bool = False,
        confirm_deactivations: bool = False,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Incremental sync from the bookmarks (or everything, with ``full``). Raises
        NotFoundError for an unknown provider."""
        with self._stores() as store:
            provider = store.provider(name)
            bookmarks = {entity: store.bookmark(name, entity) for entity in Entity}
        source = self._sources(provider, self._cipher.decrypt(provider.secret), bookmarks, full)
        return self._roster.import_source(
            source,
            provider.scope_id,
            confirm_deactivations=confirm_deactivations,
            progress=progress,
            bookmarks_for=name,
        )
