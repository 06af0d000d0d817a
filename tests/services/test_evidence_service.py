"""Evidence uploads: type and size checks, true-type sniffing, immutability, who may read."""

from __future__ import annotations

import hashlib
import io

import pytest

from lti_tool.domain.errors import (
    InvalidTransitionError,
    PermissionDeniedError,
    UploadRejectedError,
    ValidationError,
)
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.model import EvidenceFile
from lti_tool.ports import AuditFilter
from lti_tool.services.evidence import SNIFF_BYTES
from tests.fakes.builders import (
    ARTIFACT,
    CREDENTIAL_SLUG,
    DEFAULT_MAX_UPLOAD_BYTES,
    PDF_BYTES,
    PLANNING,
    PNG_BYTES,
    PRACTICE,
    REFLECTION,
    World,
    build_world,
    review,
    submitted,
    upload,
    write_draft,
)


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def draft_id(world: World) -> str:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    write_draft(world, world.teacher, draft.id, text="Draft text that must survive.")
    return draft.id


def _evidence_rows(world: World, submission_id: str) -> list[EvidenceFile]:
    with world.services.uow_factory() as uow:
        return list(uow.submissions.evidence(submission_id, 1))


def _assert_nothing_kept(world: World, submission_id: str) -> None:
    assert world.services.store.objects == {}
    assert _evidence_rows(world, submission_id) == []
    workspace = world.services.submissions.workspace(world.teacher, submission_id)
    assert workspace.response(PLANNING, REFLECTION).text == "Draft text that must survive."
    assert workspace.submission.state is SubmissionState.DRAFT


# -- accepted uploads -------------------------------------------------------------------------


def test_a_pdf_is_stored_hashed_and_recorded(world: World, draft_id: str) -> None:
    evidence = upload(world, world.teacher, draft_id, "Lesson plan.pdf")
    assert evidence.filename == "Lesson plan.pdf"
    assert evidence.media_type == "application/pdf"
    assert evidence.size_bytes == len(PDF_BYTES)
    assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert evidence.uploaded_by == world.teacher.person_id
    assert evidence.uploaded_at == world.services.clock.now()
    assert evidence.carried_from_attempt is None
    assert evidence.storage_key == f"{draft_id}/{evidence.id}"
    assert world.services.store.objects == {evidence.storage_key: PDF_BYTES}
    assert _evidence_rows(world, draft_id) == [evidence]
    page, _ = world.services.audit.page(world.admin, AuditFilter(entity_type="evidence"))
    (entry,) = page.items
    assert (entry.entity_id, entry.action, entry.actor_id) == (
        evidence.id,
        "upload",
        world.teacher.person_id,
    )
    assert evidence.sha256 in entry.note


@pytest.mark.parametrize("filename", ["photo.png", "PHOTO.PNG", "photo.jpeg"])
def test_an_image_is_accepted_under_an_image_name(
    world: World, draft_id: str, filename: str
) -> None:
    evidence = upload(world, world.teacher, draft_id, filename, PNG_BYTES)
    assert evidence.media_type == "image/png"
    assert world.services.store.objects[evidence.storage_key] == PNG_BYTES


def test_a_file_larger_than_the_sniffed_head_arrives_whole(world: World, draft_id: str) -> None:
    body = bytes(range(256)) * (DEFAULT_MAX_UPLOAD_BYTES // 256 + 1)
    content = (b"%PDF-1.7\n" + body)[:DEFAULT_MAX_UPLOAD_BYTES]
    assert SNIFF_BYTES < len(content) == DEFAULT_MAX_UPLOAD_BYTES
    evidence = upload(world, world.teacher, draft_id, "big.pdf", content)
    stored = world.services.store.objects[evidence.storage_key]
    assert stored == content
    assert evidence.size_bytes == len(content)
    assert evidence.sha256 == hashlib.sha256(stored).hexdigest()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/report.pdf", "report.pdf"),
        ("C:\\Users\\tess\\report.pdf", "report.pdf"),
        ("rep\x00ort\x1f.pdf", "report.pdf"),
    ],
)
def test_file_names_lose_paths_and_control_characters(
    world: World, draft_id: str, given: str, kept: str
) -> None:
    assert upload(world, world.teacher, draft_id, given).filename == kept


# -- refused uploads --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename", ["notes.docx", "clip.mp4", "run.exe", "no-extension", ".pdf", ""]
)
def test_a_wrong_extension_is_refused(world: World, draft_id: str, filename: str) -> None:
    with pytest.raises(UploadRejectedError) as raised:
        upload(world, world.teacher, draft_id, filename)
    assert raised.value.too_large is False
    assert raised.value.status_hint == 415
    assert "accepted: pdf, image" in raised.value.message
    _assert_nothing_kept(world, draft_id)


def test_disguised_content_is_refused(world: World, draft_id: str) -> None:
    with pytest.raises(
        UploadRejectedError, match="named like a pdf file but its content is a image"
    ):
        upload(world, world.teacher, draft_id, "homework.pdf", PNG_BYTES)
    _assert_nothing_kept(world, draft_id)


def test_content_of_no_known_type_is_refused(world: World, draft_id: str) -> None:
    with pytest.raises(UploadRejectedError, match="not a type we accept"):
        upload(world, world.teacher, draft_id, "homework.pdf", b"MZ\x90\x00 a program")
    _assert_nothing_kept(world, draft_id)


def test_an_empty_file_is_refused(world: World, draft_id: str) -> None:
    with pytest.raises(UploadRejectedError, match="empty"):
        upload(world, world.teacher, draft_id, "empty.pdf", b"")
    _assert_nothing_kept(world, draft_id)


def test_an_oversize_file_is_refused(world: World, draft_id: str) -> None:
    content = b"%PDF-1.7\n" + b"x" * DEFAULT_MAX_UPLOAD_BYTES
    with pytest.raises(UploadRejectedError) as raised:
        upload(world, world.teacher, draft_id, "huge.pdf", content)
    assert raised.value.too_large is True
    assert raised.value.status_hint == 413
    _assert_nothing_kept(world, draft_id)


def test_a_file_exactly_at_the_limit_is_accepted(world: World, draft_id: str) -> None:
    content = (b"%PDF-1.7\n" + b"x" * DEFAULT_MAX_UPLOAD_BYTES)[:DEFAULT_MAX_UPLOAD_BYTES]
    assert upload(world, world.teacher, draft_id, "edge.pdf", content).size_bytes == len(content)


def test_files_only_go_to_file_requirements(world: World, draft_id: str) -> None:
    with pytest.raises(ValidationError, match="does not take files"):
        world.services.evidence.upload(
            world.teacher, draft_id, PLANNING, REFLECTION, "notes.pdf", io.BytesIO(PDF_BYTES)
        )
    with pytest.raises(ValidationError):
        world.services.evidence.upload(
            world.teacher, draft_id, PRACTICE, "nope", "notes.pdf", io.BytesIO(PDF_BYTES)
        )
    _assert_nothing_kept(world, draft_id)


def test_nobody_uploads_into_another_teachers_draft(world: World, draft_id: str) -> None:
    with pytest.raises(PermissionDeniedError):
        upload(world, world.other_teacher, draft_id)
    _assert_nothing_kept(world, draft_id)


class _WithdrawAtEnd(io.RawIOBase):
    """An upload stream whose last read withdraws the draft, as another tab might."""

    def __init__(self, world: World, submission_id: str, content: bytes) -> None:
        super().__init__()
        self._world = world
        self._submission_id = submission_id
        self._content = io.BytesIO(content)
        self._withdrawn = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._content.readinto(buffer)
        if not count and not self._withdrawn:
            self._withdrawn = True
            self._world.services.submissions.withdraw(self._world.teacher, self._submission_id)
        return count


def test_bytes_are_deleted_when_the_draft_changes_during_the_upload(
    world: World, draft_id: str
) -> None:
    stream = io.BufferedReader(_WithdrawAtEnd(world, draft_id, PDF_BYTES))
    with pytest.raises(InvalidTransitionError):
        world.services.evidence.upload(
            world.teacher, draft_id, PRACTICE, ARTIFACT, "late.pdf", stream
        )
    assert world.services.store.objects == {}
    assert _evidence_rows(world, draft_id) == []


# -- removing ---------------------------------------------------------------------------------


def test_removing_a_draft_file_deletes_its_bytes(world: World, draft_id: str) -> None:
    keep = upload(world, world.teacher, draft_id, "keep.pdf")
    gone = upload(world, world.teacher, draft_id, "gone.pdf")
    removed = world.services.evidence.remove(world.teacher, gone.id)
    assert removed.id == gone.id
    assert [row.id for row in _evidence_rows(world, draft_id)] == [keep.id]
    assert list(world.services.store.objects) == [keep.storage_key]


def test_only_the_owner_removes_and_only_from_a_draft(world: World, draft_id: str) -> None:
    evidence = upload(world, world.teacher, draft_id)
    with pytest.raises(PermissionDeniedError):
        world.services.evidence.remove(world.other_teacher, evidence.id)
    world.services.submissions.submit(world.teacher, draft_id)
    with pytest.raises(InvalidTransitionError):
        world.services.evidence.remove(world.teacher, evidence.id)
    assert _evidence_rows(world, draft_id) == [evidence]
    assert world.services.store.objects == {evidence.storage_key: PDF_BYTES}


# -- reading ----------------------------------------------------------------------------------


def test_who_may_open_evidence(world: World) -> None:
    sub = submitted(world)
    (evidence,) = _evidence_rows(world, sub.id)
    opened, stream = world.services.evidence.open(world.teacher, evidence.id)
    assert opened == evidence
    assert stream.read() == PDF_BYTES

    for outsider in (world.assessor, world.second_assessor, world.other_teacher):
        with pytest.raises(PermissionDeniedError):
            world.services.evidence.open(outsider, evidence.id)

    world.services.reviews.claim(world.assessor, sub.id)
    _, stream = world.services.evidence.open(world.assessor, evidence.id)
    assert stream.read() == PDF_BYTES
    with pytest.raises(PermissionDeniedError):
        world.services.evidence.open(world.second_assessor, evidence.id)

    _, stream = world.services.evidence.open(world.issuer, evidence.id)
    assert stream.read() == PDF_BYTES


def test_the_reviewer_keeps_access_after_reviewing(world: World) -> None:
    sub = submitted(world)
    review(world, world.assessor, sub.id)
    (evidence,) = _evidence_rows(world, sub.id)
    _, stream = world.services.evidence.open(world.assessor, evidence.id)
    assert stream.read() == PDF_BYTES
