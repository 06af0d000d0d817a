"""Evidence from Canvas: a teacher picks a file from their Canvas files, a course's files or one
of their assignment submissions; it is streamed into evidence storage through the same checks
as an upload (:meth:`EvidenceService.upload`: name, size limit, true type) and its origin kept.

A refused or revoked grant surfaces as :class:`CanvasGrantRevoked`; the grant is dropped so the
next visit sends the teacher through authorisation again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.model import EvidenceFile
from lti_tool.ports import Clock
from lti_tool.ports_canvas import (
    CanvasConnection,
    CanvasFileInfo,
    CanvasGateway,
    CanvasGrantRevoked,
    CanvasStore,
    CanvasToken,
    EvidenceOrigin,
    TokenSaver,
)
from lti_tool.services.canvas import CanvasService
from lti_tool.services.common import Actor, ReviewPolicy
from lti_tool.services.evidence import EvidenceService

KINDS = ("user_files", "course_files", "submission")
T = TypeVar("T")


class CanvasEvidence:
    """Lists a teacher's Canvas files and imports one as evidence."""

    def __init__(
        self,
        canvas: CanvasService,
        gateway: CanvasGateway,
        store: CanvasStore,
        evidence: EvidenceService,
        clock: Clock,
        policy: ReviewPolicy,
    ) -> None:
        self._canvas = canvas
        self._gateway = gateway
        self._store = store
        self._evidence = evidence
        self._clock = clock
        self._policy = policy

    def _as_user(
        self,
        actor: Actor,
        base_url: str | None,
        work: Callable[[CanvasConnection, CanvasToken, TokenSaver], T],
    ) -> T:
        connection = self._canvas.plain(base_url)
        token, save = self._canvas.grant(actor, connection)
        try:
            return work(connection, token, save)
        except CanvasGrantRevoked:
            self._canvas.forget_grant(actor, connection.base_url)
            raise

    def files(
        self, actor: Actor, base_url: str | None, kind: str, where: str | None
    ) -> list[CanvasFileInfo]:
        """What the actor can pick: ``user_files``; ``course_files`` of course ``where``; the
        attachments of their ``submission`` to ``where`` = ``course_id/assignment_id``."""
        if kind not in KINDS:
            raise ValidationError(f"Choose one of {', '.join(KINDS)}.")
        return self._as_user(
            actor,
            base_url,
            lambda connection, token, save: self._gateway.files(
                connection, token, save, kind, where
            ),
        )

    def import_file(
        self,
        actor: Actor,
        base_url: str | None,
        submission_id: str,
        section_key: str,
        requirement_key: str,
        kind: str,
        where: str | None,
        file_id: str,
    ) -> EvidenceFile:
        """Download one Canvas file into the draft. A file Canvas says is over the size limit
        is refused before a byte is fetched; the stream is counted again on the way."""
        if kind not in KINDS:
            raise ValidationError(f"Choose one of {', '.join(KINDS)}.")

        def work(
            connection: CanvasConnection, token: CanvasToken, save: TokenSaver
        ) -> EvidenceFile:
            info, stream = self._gateway.download(
                connection, token, save, file_id, self._policy.max_upload_bytes
            )
            try:
                evidence = self._evidence.upload(
                    actor, submission_id, section_key, requirement_key, info.name, stream
                )
            finally:
                stream.close()
            self._store.add_origin(
                EvidenceOrigin(
                    evidence.id, connection.base_url, kind, info.id, where or "", self._clock.now()
                )
            )
            return evidence

        return self._as_user(actor, base_url, work)

    def origins(self, evidence_ids: list[str]) -> dict[str, EvidenceOrigin]:
        """Where each of these evidence files came from in Canvas (if it did)."""
        return self._store.origins(evidence_ids)
