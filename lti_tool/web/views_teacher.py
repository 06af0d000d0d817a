"""Educator pages: dashboard, catalog, the submission editor, evidence, submit and resubmit."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from lti_tool.domain.errors import ConflictError, DomainError, ValidationError
from lti_tool.domain.roles import Role
from lti_tool.services.submissions import missing_items
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.views_uploads import uploaded

bp = Blueprint("teacher", __name__)


@bp.get("/")
@requires()
def home() -> Any:
    actor = current_actor()
    c = container()
    mine = c.submissions.mine(actor) if actor.has(Role.EDUCATOR) else []
    awards = c.decisions.awards_of(actor) if actor.has(Role.EDUCATOR) else []
    return render_template("teacher/home.html", submissions=mine, awards=awards)


@bp.get("/catalog")
@requires()
def catalog() -> Any:
    return render_template("teacher/catalog.html", stacks=container().catalog.browse())


@bp.get("/catalog/<slug>")
@requires()
def credential(slug: str) -> Any:
    stack, version = container().catalog.credential(slug)
    return render_template(
        "teacher/credential.html", stack=stack, credential=version, policy=container().policy
    )


@bp.post("/catalog/<slug>/start")
@requires(Role.EDUCATOR)
def start(slug: str) -> Any:
    course = (session.get("lti") or {}).get("context_id")  # the LMS course it started from
    submission = container().submissions.start(current_actor(), slug, context_id=course)
    return redirect(url_for("teacher.submission", submission_id=submission.id))


@bp.get("/submissions/<submission_id>")
@requires(Role.EDUCATOR)
def submission(submission_id: str) -> Any:
    workspace = container().submissions.workspace(current_actor(), submission_id)
    return render_template(
        "teacher/submission.html",
        ws=workspace,
        missing=missing_items(workspace) if workspace.editable else [],
        max_upload=container().settings.max_upload_bytes,
        canvas_connected=bool(container().canvas.connections()),
    )


@bp.post("/submissions/<submission_id>/responses/<section_key>/<requirement_key>")
@requires(Role.EDUCATOR)
def save_response(submission_id: str, section_key: str, requirement_key: str) -> Any:
    """Autosave (JSON) and the plain form's Save button share this endpoint."""
    data: dict[str, Any] = (request.get_json(silent=True) or {}) if request.is_json else {}
    source = data if request.is_json else request.form
    try:
        expected = int(source.get("version", 0))
    except (TypeError, ValueError):
        expected = -1
    links = source.get("links")
    if isinstance(links, str):
        links = links.splitlines()
    try:
        saved = container().submissions.save_response(
            current_actor(),
            submission_id,
            section_key,
            requirement_key,
            expected_version=expected,
            text=source.get("text"),
            links=links,
        )
    except (ConflictError, ValidationError) as error:
        if request.is_json:
            body: dict[str, Any] = {"status": "error", "message": error.message}
            if isinstance(error, ValidationError):
                body["problems"] = error.problems
            return jsonify(body), error.status_hint
        raise
    if request.is_json:
        return jsonify(
            {
                "status": "saved",
                "version": saved.version,
                "saved_at": saved.updated_at.isoformat() if saved.updated_at else None,
            }
        )
    flash("Saved.", "success")
    return redirect(
        url_for("teacher.submission", submission_id=submission_id, _anchor=f"section-{section_key}")
    )


@bp.post("/submissions/<submission_id>/files/<section_key>/<requirement_key>")
@requires(Role.EDUCATOR)
def upload(submission_id: str, section_key: str, requirement_key: str) -> Any:
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        raise ValidationError("Choose a file to upload.")
    try:
        evidence = container().evidence.upload(
            current_actor(),
            submission_id,
            section_key,
            requirement_key,
            upload_file.filename,
            upload_file.stream,
        )
    except DomainError as error:
        if request.accept_mimetypes.best == "application/json":
            return jsonify({"status": "error", "message": error.message}), error.status_hint
        flash(error.message, "error")
        return redirect(
            url_for(
                "teacher.submission", submission_id=submission_id, _anchor=f"section-{section_key}"
            )
        ), 303
    if request.accept_mimetypes.best == "application/json":
        return uploaded(evidence)
    flash(f"Uploaded {evidence.filename}.", "success")
    return redirect(
        url_for("teacher.submission", submission_id=submission_id, _anchor=f"section-{section_key}")
    )


@bp.post("/evidence/<evidence_id>/remove")
@requires(Role.EDUCATOR)
def remove_evidence(evidence_id: str) -> Any:
    evidence = container().evidence.remove(current_actor(), evidence_id)
    flash(f"Removed {evidence.filename} from this draft.", "success")
    return redirect(url_for("teacher.submission", submission_id=evidence.submission_id))


@bp.get("/evidence/<evidence_id>")
@requires(Role.EDUCATOR, Role.ASSESSOR, Role.ISSUER)
def download_evidence(evidence_id: str) -> Any:
    evidence, stream = container().evidence.open(current_actor(), evidence_id)
    inline = evidence.media_type.startswith(("image/", "video/", "audio/")) or (
        evidence.media_type == "application/pdf"
    )
    return send_file(
        stream,
        mimetype=evidence.media_type,
        as_attachment=not inline,
        download_name=evidence.filename,
        etag=evidence.sha256,
        max_age=0,
    )


@bp.post("/submissions/<submission_id>/submit")
@requires(Role.EDUCATOR)
def submit(submission_id: str) -> Any:
    container().submissions.submit(current_actor(), submission_id)
    flash("Submitted. An assessor will review it; you will see the feedback here.", "success")
    return redirect(url_for("teacher.submission", submission_id=submission_id))


@bp.post("/submissions/<submission_id>/withdraw")
@requires(Role.EDUCATOR)
def withdraw(submission_id: str) -> Any:
    container().submissions.withdraw(current_actor(), submission_id)
    flash("Withdrawn.", "success")
    return redirect(url_for("teacher.home"))


@bp.post("/submissions/<submission_id>/resubmit")
@requires(Role.EDUCATOR)
def resubmit(submission_id: str) -> Any:
    container().submissions.start_resubmission(current_actor(), submission_id)
    flash(
        "A new attempt is open. Your earlier evidence is carried forward: replace what the "
        "feedback asks for, then submit again.",
        "success",
    )
    return redirect(url_for("teacher.submission", submission_id=submission_id))
