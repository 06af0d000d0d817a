"""Assessor pages: the queue (blind), claiming, the review form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.model import SectionScore
from lti_tool.domain.roles import Role
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.listing import page_number

bp = Blueprint("assessor", __name__, url_prefix="/review")


@bp.get("")
@requires(Role.ASSESSOR)
def queue() -> Any:
    queue = container().reviews.queue(current_actor(), page_number())
    return render_template("assessor/queue.html", queue=queue)


@bp.post("/<submission_id>/claim")
@requires(Role.ASSESSOR)
def claim(submission_id: str) -> Any:
    container().reviews.claim(current_actor(), submission_id)
    return redirect(url_for("assessor.review", submission_id=submission_id))


@bp.post("/<submission_id>/release")
@requires(Role.ASSESSOR)
def release(submission_id: str) -> Any:
    container().reviews.release(current_actor(), submission_id)
    flash("Returned to the queue for another assessor.", "success")
    return redirect(url_for("assessor.queue"))


@bp.get("/<submission_id>")
@requires(Role.ASSESSOR)
def review(submission_id: str) -> Any:
    workspace = container().reviews.workspace(current_actor(), submission_id)
    return render_template("assessor/review.html", ws=workspace, form=None, problems=[])


@bp.post("/<submission_id>")
@requires(Role.ASSESSOR)
def complete(submission_id: str) -> Any:
    actor = current_actor()
    workspace = container().reviews.workspace(actor, submission_id)
    scores = [
        SectionScore(
            section.key,
            request.form.get(f"level-{section.key}", ""),
            request.form.get(f"feedback-{section.key}", ""),
        )
        for section in workspace.definition.sections
    ]
    try:
        container().reviews.complete(
            actor,
            submission_id,
            scores,
            request.form.get("recommendation", ""),
            request.form.get("comment", ""),
        )
    except ValidationError as error:
        # Show the form again with everything the assessor typed.
        return render_template(
            "assessor/review.html",
            ws=workspace,
            form=request.form,
            problems=error.problems,
            message=error.message,
        ), 422
    flash(f"Review of {workspace.label} recorded.", "success")
    return redirect(url_for("assessor.queue"))
