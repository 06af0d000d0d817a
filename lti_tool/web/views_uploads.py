"""Chunked uploads for large evidence files (JSON for static/app.js; the plain upload form
stays for small files and browsers without JavaScript)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from lti_tool.domain.errors import ConflictError, ValidationError
from lti_tool.domain.model import EvidenceFile
from lti_tool.domain.roles import Role
from lti_tool.ports_uploads import UploadSession
from lti_tool.web.auth import container, current_actor, requires

bp = Blueprint("uploads", __name__)


def uploaded(evidence: EvidenceFile) -> tuple[Response, int]:
    """The answer to a finished upload, plain or chunked: 201 with the stored file's facts."""
    body = {
        "status": "uploaded",
        "id": evidence.id,
        "filename": evidence.filename,
        "sha256": evidence.sha256,
        "size_bytes": evidence.size_bytes,
    }
    return jsonify(body), 201


def _state(session: UploadSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "filename": session.filename,
        "received_bytes": session.received_bytes,
        "total_bytes": session.total_bytes,
    }


@bp.post("/submissions/<submission_id>/uploads/<section_key>/<requirement_key>")
@requires(Role.EDUCATOR)
def begin(submission_id: str, section_key: str, requirement_key: str) -> Any:
    body = request.get_json(silent=True) or {}
    try:
        size = int(body.get("size", 0))
    except (TypeError, ValueError) as error:
        raise ValidationError("size: the file's size in bytes, as a whole number.") from error
    session = container().uploads.begin(
        current_actor(), submission_id, section_key, requirement_key,
        str(body.get("filename", "")), size,
    )  # fmt: skip
    return jsonify(_state(session)), 201


@bp.get("/uploads/<session_id>")
@requires(Role.EDUCATOR)
def status(session_id: str) -> Any:
    return jsonify(_state(container().uploads.status(current_actor(), session_id)))


@bp.put("/uploads/<session_id>")
@requires(Role.EDUCATOR)
def append(session_id: str) -> Any:
    try:
        offset = int(request.args.get("offset", ""))
    except ValueError as error:
        raise ValidationError("offset: where this piece starts, in bytes.") from error
    uploads, actor = container().uploads, current_actor()
    try:
        session = uploads.append(actor, session_id, offset, request.stream)
    except ConflictError as error:
        answer = {"status": "error", "message": error.message}
        return jsonify(answer | _state(uploads.status(actor, session_id))), 409
    return jsonify(_state(session))


@bp.post("/uploads/<session_id>/finish")
@requires(Role.EDUCATOR)
def finish(session_id: str) -> Any:
    return uploaded(container().uploads.finish(current_actor(), session_id))


@bp.post("/uploads/<session_id>/cancel")
@requires(Role.EDUCATOR)
def cancel(session_id: str) -> Any:
    container().uploads.cancel(current_actor(), session_id)
    return "", 204
