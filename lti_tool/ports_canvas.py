"""Ports of the Canvas REST integration: what the Canvas services need from storage and from
the Canvas connector. Secrets cross these ports encrypted (store) or plain (connector) only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Protocol

from lti_tool.domain.errors import PermissionDeniedError
from lti_tool.ports import RosterSource


@dataclass(frozen=True)
class CanvasConnection:
    """A Canvas instance's API developer key (not the LTI key)."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    """Encrypted in storage; plain only on its way to the connector."""
    account_token: str | None = field(repr=False)
    """An admin's access token for account jobs (roster syncs, comments); encrypted too."""
    scope_id: str
    """The organisation (district) whose roster course syncs feed."""
    created_at: datetime


@dataclass(frozen=True)
class CanvasToken:
    """One user's OAuth grant (encrypted in storage)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float | None
    canvas_user_id: str | None


@dataclass(frozen=True)
class CanvasLink:
    """Where a person launched a credential from in Canvas (recorded at launch)."""

    person_id: str
    credential_slug: str
    base_url: str
    course_id: str
    assignment_id: str | None
    canvas_user_id: str
    lti_subject: str | None
    seen_at: datetime


@dataclass(frozen=True)
class CanvasFileInfo:
    """A file a teacher may import as evidence."""

    id: str
    name: str
    size: int
    content_type: str | None


@dataclass(frozen=True)
class EvidenceOrigin:
    """Where an evidence file came from in Canvas."""

    evidence_id: str
    base_url: str
    kind: str
    """``user_files``, ``course_files`` or ``submission``."""
    canvas_file_id: str
    location: str
    """The course or course/assignment, as a short text."""
    imported_at: datetime


class CanvasStore(Protocol):
    """Canvas rows; every call is its own short transaction."""

    def save_connection(self, connection: CanvasConnection) -> None: ...
    def connection(self, base_url: str) -> CanvasConnection | None: ...
    def connections(self) -> list[CanvasConnection]: ...
    def save_grant(self, person_id: str, base_url: str, token: CanvasToken) -> None: ...
    def grant(self, person_id: str, base_url: str) -> CanvasToken | None: ...
    def drop_grant(self, person_id: str, base_url: str) -> None: ...
    def save_link(self, link: CanvasLink) -> None:
        """Insert or update the link for (person, credential)."""
        ...

    def link(self, person_id: str, credential_slug: str) -> CanvasLink | None: ...
    def links_of(self, person_id: str) -> list[CanvasLink]: ...
    def courses(self) -> list[tuple[str, str]]:
        """(base_url, course_id) of every course the tool was launched from."""
        ...

    def subjects(self, base_url: str) -> dict[str, str]:
        """Canvas user id to LTI subject, as launches told us."""
        ...

    def add_origin(self, origin: EvidenceOrigin) -> None: ...
    def origins(self, evidence_ids: list[str]) -> dict[str, EvidenceOrigin]: ...


TokenSaver = Callable[[CanvasToken], None]


class CanvasGateway(Protocol):
    """The Canvas connector, as services see it. Raises :class:`CanvasGrantRevoked` when Canvas
    refuses a user's token, ``RetryLater`` when Canvas is throttling or down after retries, and
    ``DeliveryRefused`` when it refuses the request for good."""

    def authorize_url(self, connection: CanvasConnection, redirect_uri: str, state: str) -> str: ...

    def exchange(
        self, connection: CanvasConnection, code: str, redirect_uri: str
    ) -> CanvasToken: ...

    def course_source(
        self, connection: CanvasConnection, course_id: str, subjects: Mapping[str, str]
    ) -> RosterSource:
        """The course's roster, read with the account token."""
        ...

    def files(
        self,
        connection: CanvasConnection,
        token: CanvasToken,
        save: TokenSaver,
        kind: str,
        where: str | None,
    ) -> list[CanvasFileInfo]:
        """The user's files (``user_files``), a course's (``course_files``, ``where`` = course
        id) or their submission's attachments (``submission``, ``where`` = course/assignment)."""
        ...

    def download(
        self,
        connection: CanvasConnection,
        token: CanvasToken,
        save: TokenSaver,
        file_id: str,
        max_bytes: int,
    ) -> tuple[CanvasFileInfo, IO[bytes]]:
        """The file's metadata and its bytes as a stream. Raises UploadRejectedError, before
        any byte is fetched, when Canvas says the file is larger than ``max_bytes``."""
        ...

    def post_comment(
        self, connection: CanvasConnection, link: CanvasLink, text: str, marker: str
    ) -> bool:
        """Post ``text`` unless a comment holding ``marker`` is already there; ``True`` when
        posted now."""
        ...


class CanvasGrantRevoked(PermissionDeniedError):
    """Canvas no longer honours a user's grant (or there is none): send them through
    authorisation again."""

    status_hint = 401
