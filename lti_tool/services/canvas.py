"""Canvas REST: connect an instance (API developer key), let teachers authorise once, remember
where launches came from, and sync course rosters (now, or on schedule through the outbox).

Secrets (client secret, account token, users' tokens) are encrypted with the
:class:`~lti_tool.ports.SecretCipher` before they reach the store and decrypted only on their way
to the connector; none of them is ever logged or shown again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlparse

from lti_tool.domain.errors import ConflictError, NotFoundError, RetryLater, ValidationError
from lti_tool.domain.model import OutboxEvent, new_id
from lti_tool.domain.roles import Role
from lti_tool.domain.roster.report import ImportReport
from lti_tool.platforms.canvas import launch_ids
from lti_tool.ports import Clock, SecretCipher, UnitOfWorkFactory
from lti_tool.ports_canvas import (
    CanvasConnection,
    CanvasGateway,
    CanvasGrantRevoked,
    CanvasLink,
    CanvasStore,
    CanvasToken,
    TokenSaver,
)
from lti_tool.services.common import Actor
from lti_tool.services.roster import RosterService

SYNC_TOPIC = "canvas.course_sync"
ANY_CREDENTIAL = "*"
"""The link slug of a launch that named no credential (the course is still remembered)."""


class CanvasService:
    """Connections, grants, launch links and course syncs."""

    def __init__(
        self,
        store: CanvasStore,
        gateway: CanvasGateway,
        cipher: SecretCipher,
        clock: Clock,
        roster: RosterService,
        uow_factory: UnitOfWorkFactory,
    ) -> None:
        self._store = store
        self._gateway = gateway
        self._cipher = cipher
        self._clock = clock
        self._roster = roster
        self._uow = uow_factory
        self._scheduled_hour = ""

    # --- connections ---------------------------------------------------------------------

    def connect(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        scope_id: str,
        account_token: str | None = None,
        actor: Actor | None = None,
    ) -> CanvasConnection:
        """Save (or replace) an instance's API developer key: an admin in the web app, an
        operator (no actor) on the command line. Raises ValidationError."""
        if actor is not None:
            actor.require(Role.ADMIN)
        base_url = base_url.strip().rstrip("/")
        parsed = urlparse(base_url)
        problems = []
        if parsed.scheme not in ("https", "http") or not parsed.netloc:
            problems.append(
                "base_url: give the Canvas address, like https://district.instructure.com."
            )
        if not client_id.strip() or not client_id.strip().isdigit():
            problems.append(
                "client_id: the developer key's ID (digits, from Admin > Developer Keys)."
            )
        if not client_secret.strip():
            problems.append("client_secret: the developer key's key (the secret).")
        if problems:
            raise ValidationError("The Canvas connection was not saved", problems)
        previous = self._store.connection(base_url)
        connection = CanvasConnection(
            base_url=base_url,
            client_id=client_id.strip(),
            client_secret=self._cipher.encrypt(client_secret.strip()),
            account_token=self._cipher.encrypt(account_token.strip()) if account_token else None,
            scope_id=scope_id,
            created_at=previous.created_at if previous else self._clock.now(),
        )
        self._store.save_connection(connection)
        return connection

    def connections(self) -> list[CanvasConnection]:
        """Every connection, secrets still encrypted."""
        return self._store.connections()

    def plain(self, base_url: str | None) -> CanvasConnection:
        """A connection with its secrets decrypted, for the connector only. ``None`` picks the
        only connection. Raises NotFoundError."""
        connection = None
        if base_url:
            connection = self._store.connection(base_url.rstrip("/"))
        else:
            every = self._store.connections()
            connection = every[0] if len(every) == 1 else None
        if connection is None:
            raise NotFoundError(
                "This Canvas instance is not connected: an administrator connects it first "
                "(Admin > Canvas, or `credbridge canvas connect`)."
            )
        return CanvasConnection(
            connection.base_url,
            connection.client_id,
            self._cipher.decrypt(connection.client_secret),
            self._cipher.decrypt(connection.account_token) if connection.account_token else None,
            connection.scope_id,
            connection.created_at,
        )

    # --- launches ------------------------------------------------------------------------

    def record_launch(
        self, person_id: str, custom: Mapping[str, str], subject: str | None, credential: str | None
    ) -> CanvasLink | None:
        """Remember the Canvas course, assignment and user a launch came from."""
        ids = launch_ids(custom)
        if ids is None:
            return None
        base_url = ids.base_url
        if base_url is None:
            every = self._store.connections()
            if len(every) != 1:
                return None
            base_url = every[0].base_url
        link = CanvasLink(
            person_id,
            credential or ANY_CREDENTIAL,
            base_url,
            ids.course_id,
            ids.assignment_id,
            ids.user_id,
            subject,
            self._clock.now(),
        )
        self._store.save_link(link)
        return link

    def link_for(self, person_id: str, credential_slug: str) -> CanvasLink | None:
        return self._store.link(person_id, credential_slug)

    def links_of(self, actor: Actor) -> list[CanvasLink]:
        """The Canvas courses the actor launched from (newest first)."""
        return self._store.links_of(actor.person_id)

    # --- user grants ---------------------------------------------------------------------

    def authorize_url(
        self, actor: Actor, base_url: str | None, redirect_uri: str, state: str
    ) -> str:
        """Where to send the actor to approve credbridge in Canvas."""
        return self._gateway.authorize_url(self.plain(base_url), redirect_uri, state)

    def complete_authorization(
        self, actor: Actor, base_url: str | None, code: str, redirect_uri: str
    ) -> None:
        """Trade the code for tokens and keep them (encrypted)."""
        connection = self.plain(base_url)
        token = self._gateway.exchange(connection, code, redirect_uri)
        self._save_grant(actor.person_id, connection.base_url, token)

    def has_grant(self, actor: Actor, base_url: str | None) -> bool:
        try:
            connection = self.plain(base_url)
        except NotFoundError:
            return False
        return self._store.grant(actor.person_id, connection.base_url) is not None

    def _save_grant(self, person_id: str, base_url: str, token: CanvasToken) -> None:
        self._store.save_grant(
            person_id,
            base_url,
            CanvasToken(
                self._cipher.encrypt(token.access_token),
                self._cipher.encrypt(token.refresh_token) if token.refresh_token else None,
                token.expires_at,
                token.canvas_user_id,
            ),
        )

    def grant(self, actor: Actor, connection: CanvasConnection) -> tuple[CanvasToken, TokenSaver]:
        """The actor's plain token and how to store a refreshed one. Raises CanvasGrantRevoked
        when there is none."""
        stored = self._store.grant(actor.person_id, connection.base_url)
        if stored is None:
            raise CanvasGrantRevoked("Connect your Canvas account first.")
        token = CanvasToken(
            self._cipher.decrypt(stored.access_token),
            self._cipher.decrypt(stored.refresh_token) if stored.refresh_token else None,
            stored.expires_at,
            stored.canvas_user_id,
        )

        def save(new: CanvasToken) -> None:
            self._save_grant(actor.person_id, connection.base_url, new)

        return token, save

    def forget_grant(self, actor: Actor, base_url: str) -> None:
        """Drop a grant Canvas refused, so the next visit authorises again."""
        self._store.drop_grant(actor.person_id, base_url)

    # --- rosters -------------------------------------------------------------------------

    def sync_course(self, base_url: str | None, course_id: str) -> ImportReport:
        """Import one course's sections, users and enrollments into the connection's district
        roster (with the account token)."""
        connection = self.plain(base_url)
        source = self._gateway.course_source(
            connection, course_id, self._store.subjects(connection.base_url)
        )
        return self._roster.import_source(source, connection.scope_id)

    def schedule_syncs(self, now: datetime | None = None) -> int:
        """Queue a sync of every course the tool was launched from (once per hour and course:
        a second call within the hour adds nothing). Returns how many were queued."""
        now = now or self._clock.now()
        hour = now.strftime("%Y-%m-%dT%H")
        queued = 0
        for base_url, course_id in self._store.courses():
            key = f"{SYNC_TOPIC}:{base_url}:{course_id}:{hour}"
            payload = {"base_url": base_url, "course_id": course_id}
            try:
                with self._uow() as uow:
                    uow.outbox.add(OutboxEvent(new_id(), SYNC_TOPIC, key, payload, now))
                    uow.commit()
            except ConflictError:
                continue  # already queued this hour
            queued += 1
        return queued

    def schedule_due(self) -> int:
        """The worker's periodic job: :meth:`schedule_syncs` once per hour and process (the outbox
        key keeps several workers from queueing a course twice)."""
        now = self._clock.now()
        hour = now.strftime("%Y-%m-%dT%H")
        if hour == self._scheduled_hour:
            return 0
        queued = self.schedule_syncs(now)
        self._scheduled_hour = hour
        return queued

    def consume_sync(self, event: OutboxEvent) -> None:
        """Outbox consumer of :data:`SYNC_TOPIC`. A sync is idempotent (upserts)."""
        report = self.sync_course(str(event.payload["base_url"]), str(event.payload["course_id"]))
        if "SOURCE_FAILED" in report.problem_counts:
            raise RetryLater(report.message or "Canvas stopped answering part-way.")
