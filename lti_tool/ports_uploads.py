"""Ports of chunked uploads: the session rows and the spool holding the bytes received so far.

Kept apart from the unit of work: a chunk is written to the spool and counted in its own short
transaction, and the finished file goes through the ordinary evidence upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO, BinaryIO, Protocol


@dataclass(frozen=True)
class UploadSession:
    """A file arriving in chunks for one requirement of a draft."""

    id: str
    submission_id: str
    person_id: str
    section_key: str
    requirement_key: str
    filename: str
    total_bytes: int
    received_bytes: int
    state: str
    """``open`` while chunks arrive; ``finishing`` while the whole file is checked and stored."""
    created_at: datetime
    updated_at: datetime

    @property
    def complete(self) -> bool:
        return self.received_bytes == self.total_bytes


class UploadSessions(Protocol):
    """Upload session rows. Each call is its own transaction."""

    def add(self, session: UploadSession) -> None: ...

    def get(self, session_id: str) -> UploadSession:
        """Raises NotFoundError."""
        ...

    def find_open(
        self, person_id: str, submission_id: str, section_key: str, requirement_key: str
    ) -> list[UploadSession]:
        """Unfinished sessions of one person for one requirement, newest first."""
        ...

    def advance(self, session_id: str, from_bytes: int, to_bytes: int, at: datetime) -> bool:
        """Move ``received_bytes`` from ``from_bytes`` to ``to_bytes`` if it still is
        ``from_bytes`` and the session is open; False when another request got there first."""
        ...

    def set_state(self, session_id: str, from_state: str, to_state: str, at: datetime) -> bool:
        """Compare-and-set of the state; False when it was not ``from_state``."""
        ...

    def remove(self, session_id: str) -> None: ...

    def older_than(self, before: datetime) -> list[UploadSession]:
        """Sessions untouched since ``before`` (abandoned uploads to clean up)."""
        ...


class UploadSpool(Protocol):
    """Where the bytes of unfinished uploads wait (local disk)."""

    def write_at(self, session_id: str, offset: int, stream: IO[bytes], max_bytes: int) -> int:
        """Write ``stream`` at ``offset`` (cutting off whatever lay beyond it), at most
        ``max_bytes`` of it; the spooled size afterwards.

        Raises:
            UploadRejectedError: the stream holds more than ``max_bytes``; the spool is cut
                back to ``offset``.
        """
        ...

    def open(self, session_id: str) -> BinaryIO:
        """The spooled bytes from the start."""
        ...

    def discard(self, session_id: str) -> None:
        """Forget the spooled bytes; a missing spool is not an error."""
        ...
