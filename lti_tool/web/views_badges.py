"""Signed-in badge pages: an educator's credentials and sharing; the issuer's issued credentials,
revocations and stack approvals; the demo's mail folder."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roles import Role
from lti_tool.mail import FolderMailer
from lti_tool.ports_badges import ISSUED_SORTS, IssuedFilter
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.listing import list_query

bp = Blueprint("badges", __name__)


@bp.get("/me/credentials")
@requires()
def mine() -> Any:
    services = container()
    credentials = services.credentials.mine(current_actor())
    shares = {
        item.id: {
            "url": services.sharing.public_url(item),
            "linkedin": services.sharing.linkedin(item),
        }
        for item in credentials
    }
    return render_template("teacher/credentials.html", credentials=credentials, shares=shares)


@bp.post("/me/credentials/<credential_id>/email")
@requires()
def email(credential_id: str) -> Any:
    try:
        container().sharing.email(
            current_actor(), credential_id, request.form.get("to", ""), request.form.get("note", "")
        )
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(url_for("badges.mine") + f"#c-{credential_id}")
    flash("Sent: the message carries the public link, never your evidence.", "success")
    return redirect(url_for("badges.mine"))


@bp.get("/issued")
@requires(Role.ISSUER)
def issued() -> Any:
    query = list_query(("status",), sorts=ISSUED_SORTS)
    filters = IssuedFilter(status=query.filters["status"], title=query.search)
    page = container().credentials.issued(current_actor(), query, filters)
    return render_template(
        "issuer/issued.html", page=page, query=query,
        pending=container().stacks.pending(current_actor()),
    )  # fmt: skip


@bp.post("/issued/<credential_id>/revoke")
@requires(Role.ISSUER)
def revoke(credential_id: str) -> Any:
    try:
        container().credentials.revoke(
            current_actor(), credential_id, request.form.get("reason", "")
        )
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(url_for("badges.issued"))
    flash("Revoked. Verifiers now report the credential as revoked, with your reason.", "success")
    return redirect(url_for("badges.issued"))


@bp.post("/issued/stacks/<stack_award_id>")
@requires(Role.ISSUER)
def decide_stack(stack_award_id: str) -> Any:
    approve = request.form.get("decision") == "approve"
    container().stacks.decide(current_actor(), stack_award_id, approve)
    flash("Stack credential issued." if approve else "Stack credential declined.", "success")
    return redirect(url_for("badges.issued"))


@bp.get("/demo/mail")
def demo_mail() -> Any:
    """The demo's outgoing mail (written to a folder instead of sent)."""
    services = container()
    if not services.settings.demo_mode or not isinstance(services.mailer, FolderMailer):
        abort(404)
    return render_template("demo_mail.html", messages=services.mailer.messages())
