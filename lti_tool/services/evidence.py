"""Evidence files: streamed to storage, checked for size and true type, hashed, immutable."""

from __future__ import annotations

import io
import re
import unicodedata
from typing import IO, BinaryIO

from lti_tool.domain.catalog import EvidenceKind
from lti_tool.domain.errors import PermissionDeniedError, UploadRejectedError, ValidationError
from lti_tool.domain.lifecycle import Action, SubmissionState, next_state
from lti_tool.domain.media import (
    MediaFamily,
    content_matches_name,
    family_for_filename,
    family_for_mime,
)
from lti_tool.domain.model import EvidenceFile, Submission, new_id
from lti_tool.domain.roles import Role
from lti_tool.ports import Clock, ContentSniffer, EvidenceStore, UnitOfWork, UnitOfWorkFactory
from lti_tool.services.common import Actor, ReviewPolicy, record
from lti_tool.services.submissions import touch_draft

SNIFF_BYTES = 64 * 1024
MAX_FILENAME_CHARS = 200


class HeadThenRest(io.RawIOBase):
    """A stream that replays the bytes already read for sniffing, then the rest of the upload."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        target = memoryview(buffer).cast("B")
        if self._head:
            count = min(len(target), len(self._head))
            target[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        chunk = self._rest.read(len(target))
        target[: len(chunk)] = chunk
        return len(chunk)


def safe_filename(filename: str) -> str:
    """Keep the visible name of an upload but drop paths and control characters."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        name = (
            (stem[: MAX_FILENAME_CHARS - len(extension) - 1] + dot + extension)
            if dot
            else name[:MAX_FILENAME_CHARS]
        )
    return name


def read_head(stream: IO[bytes], size: int = SNIFF_BYTES) -> bytes:
    """Read up to ``size`` bytes, looping over short reads."""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


class EvidenceService:
    """Accepts, lists, removes and serves evidence files."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        store: EvidenceStore,
        sniffer: ContentSniffer,
        policy: ReviewPolicy,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._store = store
        self._sniffer = sniffer
        self._policy = policy

    def _editable_draft(
        self, uow: UnitOfWork, actor: Actor, submission_id: str, *, lock: bool = False
    ) -> Submission:
        submission = uow.submissions.get(submission_id, for_update=lock)
        if submission.person_id != actor.person_id:
            raise PermissionDeniedError("This submission belongs to someone else.")
        next_state(submission.state, Action.EDIT)
        return submission

    def admissible(
        self,
        actor: Actor,
        submission_id: str,
        section_key: str,
        requirement_key: str,
        filename: str,
    ) -> tuple[str, MediaFamily]:
        """The cleaned name and claimed type of a file the actor may add to this requirement
        of their draft, judged by its name (its content is checked on upload).

        Raises:
            UploadRejectedError: the requirement does not take files of this name's type.
        """
        with self._uow() as uow:
            submission = self._editable_draft(uow, actor, submission_id)
            definition = uow.catalog.version(submission.credential_version_id).definition
            requirement = definition.section(section_key).requirement(requirement_key)
        if requirement.kind is not EvidenceKind.FILE:
            raise ValidationError(f"{requirement.label} does not take files.")
        name = safe_filename(filename)
        accepted = ", ".join(family.value for family in requirement.accepts)
        claimed = family_for_filename(name)
        if not name or claimed is None or claimed not in requirement.accepts:
            raise UploadRejectedError(
                f"{name or 'This file'} is not a file type accepted for {requirement.label} "
                f"(accepted: {accepted})."
            )
        return name, claimed

    def upload(
        self,
        actor: Actor,
        submission_id: str,
        section_key: str,
        requirement_key: str,
        filename: str,
        stream: IO[bytes],
    ) -> EvidenceFile:
        """Store one uploaded file in the draft.

        The bytes are streamed to storage (never held whole in memory), counted against the
        size limit on the way, and their type is read from the content: a file whose bytes do
        not match its name is refused. On any refusal nothing is kept and the draft is as it was.
        """
        name, claimed = self.admissible(
            actor, submission_id, section_key, requirement_key, filename
        )
        head = read_head(stream)
        if not head:
            raise UploadRejectedError(f"{name} is empty.")
        sniffed_type = self._sniffer.sniff(head)
        sniffed = family_for_mime(sniffed_type) if sniffed_type else None
        if sniffed is None or not content_matches_name(claimed, sniffed):
            raise UploadRejectedError(
                f"{name} is named like a {claimed.value} file but its content is "
                f"{'not a type we accept' if sniffed is None else 'a ' + sniffed.value + ' file'}. "
                "Upload the original file, not a renamed one."
            )
        evidence_id = new_id()
        stored = self._store.put(
            f"{submission_id}/{evidence_id}",
            io.BufferedReader(HeadThenRest(head, stream)),
            self._policy.max_upload_bytes,
        )
        try:
            with self._uow() as uow:
                submission = self._editable_draft(uow, actor, submission_id, lock=True)
                evidence = EvidenceFile(
                    id=evidence_id,
                    submission_id=submission.id,
                    attempt_number=submission.attempt_number,
                    section_key=section_key,
                    requirement_key=requirement_key,
                    filename=name,
                    media_type=sniffed_type or "application/octet-stream",
                    size_bytes=stored.size_bytes,
                    sha256=stored.sha256,
                    storage_key=stored.key,
                    uploaded_at=self._clock.now(),
                    uploaded_by=actor.person_id,
                )
                uow.submissions.add_evidence(evidence)
                touch_draft(uow, submission, evidence.uploaded_at)
                record(
                    uow,
                    evidence.uploaded_at,
                    actor.person_id,
                    "evidence",
                    evidence.id,
                    "upload",
                    None,
                    None,
                    f"{name} ({stored.size_bytes} bytes, {stored.sha256})",
                )
                uow.commit()
        except BaseException:
            self._store.delete(stored.key)
            raise
        return evidence

    def remove(self, actor: Actor, evidence_id: str) -> EvidenceFile:
        """Take a file out of the current draft. Files of submitted attempts stay untouched."""
        with self._uow() as uow:
            evidence = uow.submissions.evidence_file(evidence_id)
            submission = self._editable_draft(uow, actor, evidence.submission_id, lock=True)
            if evidence.attempt_number != submission.attempt_number:
                raise PermissionDeniedError("Files of a submitted attempt cannot be changed.")
            uow.submissions.remove_evidence(evidence.id)
            touch_draft(uow, submission, self._clock.now())
            record(
                uow,
                self._clock.now(),
                actor.person_id,
                "evidence",
                evidence.id,
                "remove",
                None,
                None,
                evidence.filename,
            )
            still_used = uow.submissions.storage_key_in_use(evidence.storage_key)
            uow.commit()
        if not still_used:
            self._store.delete(evidence.storage_key)
        return evidence

    def open(self, actor: Actor, evidence_id: str) -> tuple[EvidenceFile, BinaryIO]:
        """A file's record and its bytes, for the owner, its reviewers, and issuers."""
        with self._uow() as uow:
            evidence = uow.submissions.evidence_file(evidence_id)
            submission = uow.submissions.get(evidence.submission_id)
            reviewed_this_attempt = any(
                review.assessor_id == actor.person_id
                and review.attempt_number == evidence.attempt_number
                for review in uow.reviews.for_submission(submission.id)
            )
            unsubmitted_draft = (
                evidence.attempt_number == submission.attempt_number
                and submission.state is SubmissionState.DRAFT
            )
            if not (
                submission.person_id == actor.person_id
                or (reviewed_this_attempt and actor.has(Role.ASSESSOR))
                or (
                    actor.has(Role.ISSUER)
                    and submission.person_id != actor.person_id
                    and not unsubmitted_draft
                )
            ):
                raise PermissionDeniedError("You may not open evidence from this submission.")
        return evidence, self._store.open(evidence.storage_key)
