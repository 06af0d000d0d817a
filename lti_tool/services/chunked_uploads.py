"""Large evidence files (classroom videos) in chunks: resumable after a dropped connection.

The browser announces the file (name and size), sends it piece by piece at explicit offsets,
and asks how much arrived whenever its connection broke. Once every byte is there the whole
file goes through :meth:`EvidenceService.upload`, so it is size-, name- and content-checked
like any other upload. The draft is never touched until then: a lost upload loses no writing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import IO

from lti_tool.domain.errors import (
    ConflictError,
    DomainError,
    PermissionDeniedError,
    UploadRejectedError,
)
from lti_tool.domain.model import EvidenceFile, new_id
from lti_tool.ports import Clock
from lti_tool.ports_uploads import UploadSession, UploadSessions, UploadSpool
from lti_tool.services.common import Actor, ReviewPolicy
from lti_tool.services.evidence import EvidenceService

OPEN, FINISHING = "open", "finishing"
MAX_CHUNK_BYTES = 8 * 1024 * 1024
"""The largest piece one request may carry (the browser sends 4 MiB; the web app's request
limit is set from the evidence limit, which is far above this)."""
ABANDONED_AFTER = timedelta(days=2)
"""An upload nobody touched for this long is removed (:meth:`ChunkedUploads.clean_up`, which
every new upload runs first)."""


class ChunkedUploads:
    """Begin, send chunks, ask the offset, finish or cancel a chunked upload."""

    def __init__(
        self,
        sessions: UploadSessions,
        spool: UploadSpool,
        evidence: EvidenceService,
        clock: Clock,
        policy: ReviewPolicy,
    ) -> None:
        self._sessions = sessions
        self._spool = spool
        self._evidence = evidence
        self._clock = clock
        self._policy = policy

    def begin(
        self,
        actor: Actor,
        submission_id: str,
        section_key: str,
        requirement_key: str,
        filename: str,
        total_bytes: int,
    ) -> UploadSession:
        """Start an upload, or resume the open one of the same file (same name and size):
        the answer's ``received_bytes`` says where to go on from.

        Raises:
            UploadRejectedError: the name's type is not accepted, or the size is over the limit.
        """
        self.clean_up()
        name, _ = self._evidence.admissible(
            actor, submission_id, section_key, requirement_key, filename
        )
        if total_bytes <= 0:
            raise UploadRejectedError(f"{name} is empty.")
        if total_bytes > self._policy.max_upload_bytes:
            limit = self._policy.max_upload_bytes // (1024 * 1024)
            raise UploadRejectedError(
                f"{name} is larger than the {limit} MB upload limit.", too_large=True
            )
        for session in self._sessions.find_open(
            actor.person_id, submission_id, section_key, requirement_key
        ):
            if session.filename == name and session.total_bytes == total_bytes:
                return session
        now = self._clock.now()
        session = UploadSession(
            id=new_id(), submission_id=submission_id, person_id=actor.person_id,
            section_key=section_key, requirement_key=requirement_key, filename=name,
            total_bytes=total_bytes, received_bytes=0, state=OPEN, created_at=now,
            updated_at=now,
        )  # fmt: skip
        self._sessions.add(session)
        return session

    def status(self, actor: Actor, session_id: str) -> UploadSession:
        """The session, for a client that lost its connection and asks where to go on."""
        return self._own(actor, session_id)

    def append(
        self, actor: Actor, session_id: str, offset: int, stream: IO[bytes]
    ) -> UploadSession:
        """Write one chunk at ``offset``, which must be the number of bytes received so far.

        Raises:
            ConflictError: ``offset`` is not where the upload stands (ask :meth:`status`).
            UploadRejectedError: the chunk is too large or goes past the announced size.
        """
        session = self._own(actor, session_id)
        if session.state != OPEN or offset != session.received_bytes:
            raise ConflictError(
                f"The upload stands at byte {session.received_bytes}, not {offset}: "
                "go on from there."
            )
        room = min(MAX_CHUNK_BYTES, session.total_bytes - offset)
        try:
            size = self._spool.write_at(session_id, offset, stream, room)
        except UploadRejectedError as error:
            raise UploadRejectedError(
                f"This piece goes past the {session.total_bytes} bytes announced for "
                f"{session.filename} or is over {MAX_CHUNK_BYTES} bytes."
            ) from error
        if not self._sessions.advance(session_id, offset, size, self._clock.now()):
            raise ConflictError("Another piece of this upload arrived at the same time.")
        return self._sessions.get(session_id)

    def finish(self, actor: Actor, session_id: str) -> EvidenceFile:
        """Check and store the whole file as evidence, then forget the upload. A refused file
        (wrong content, too large) is forgotten too; the draft stays as it was."""
        session = self._own(actor, session_id)
        if not session.complete:
            raise ConflictError(
                f"{session.filename} is not complete: {session.received_bytes} of "
                f"{session.total_bytes} bytes arrived."
            )
        if not self._sessions.set_state(session_id, OPEN, FINISHING, self._clock.now()):
            raise ConflictError(f"{session.filename} is already being stored.")
        try:
            with self._spool.open(session_id) as stream:
                evidence = self._evidence.upload(
                    actor, session.submission_id, session.section_key,
                    session.requirement_key, session.filename, stream,
                )  # fmt: skip
        except DomainError:
            self._forget(session_id)
            raise
        except BaseException:
            self._sessions.set_state(session_id, FINISHING, OPEN, self._clock.now())
            raise
        self._forget(session_id)
        return evidence

    def cancel(self, actor: Actor, session_id: str) -> None:
        """Stop an upload and throw away what arrived."""
        self._own(actor, session_id)
        self._forget(session_id)

    def clean_up(self) -> int:
        """Forget uploads untouched for two days; how many."""
        stale = self._sessions.older_than(self._clock.now() - ABANDONED_AFTER)
        for session in stale:
            self._forget(session.id)
        return len(stale)

    def _own(self, actor: Actor, session_id: str) -> UploadSession:
        session = self._sessions.get(session_id)
        if session.person_id != actor.person_id:
            raise PermissionDeniedError("This upload belongs to someone else.")
        return session

    def _forget(self, session_id: str) -> None:
        self._sessions.remove(session_id)
        self._spool.discard(session_id)
