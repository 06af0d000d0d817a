"""Issuer of record pages: recommendations in, decisions out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roles import Role
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.listing import page_number

bp = Blueprint("issuer", __name__, url_prefix="/decisions")


@bp.get("")
@requires(Role.ISSUER)
def queue() -> Any:
    page = page_number()
    return render_template(
        "issuer/queue.html", page=container().decisions.queue(current_actor(), page)
    )


@bp.get("/<submission_id>")
@requires(Role.ISSUER)
def decision(submission_id: str) -> Any:
    workspace = container().decisions.workspace(current_actor(), submission_id)
    return render_template("issuer/decision.html", ws=workspace, form=None, problems=[])


@bp.post("/<submission_id>")
@requires(Role.ISSUER)
def decide(submission_id: str) -> Any:
    actor = current_actor()
    outcome = request.form.get("outcome", "")
    try:
        container().decisions.decide(actor, submission_id, outcome, request.form.get("note", ""))
    except ValidationError as error:
        workspace = container().decisions.workspace(actor, submission_id)
        return render_template(
            "issuer/decision.html",
            ws=workspace,
            form=request.form,
            problems=error.problems,
            message=error.message,
        ), 422
    labels = {"award": "Awarded", "return": "Returned for resubmission", "deny": "Denied"}
    flash(f"{labels.get(outcome, outcome)}.", "success")
    return redirect(url_for("issuer.queue"))
