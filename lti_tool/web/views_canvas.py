"""Canvas pages: an admin connects an instance; a teacher authorises credbridge in Canvas once
and picks Canvas files as evidence. Only HTTP here: the Canvas services do the work."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from lti_tool.domain.errors import DomainError, ValidationError
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.ports_canvas import CanvasGrantRevoked
from lti_tool.services.canvas_evidence import KINDS
from lti_tool.web.auth import container, current_actor, requires

bp = Blueprint("canvas", __name__)
STATE_KEY = "canvas_oauth"
FORM_FIELDS = ("base_url", "client_id", "client_secret", "account_token", "scope_id")


def _redirect_uri() -> str:
    return container().settings.base_url.rstrip("/") + url_for("canvas.callback")


def _local(target: str | None) -> str:
    """Only our own paths as a place to come back to."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("teacher.home")


# --- admin -------------------------------------------------------------------------------


def _admin_page(form: dict[str, str] | None = None, error: ValidationError | None = None) -> Any:
    return render_template(
        "admin/canvas.html",
        connections=container().canvas.connections(),
        districts=container().people.organizations(OrganizationKind.DISTRICT),
        form=form or {},
        message=error.message if error else None,
        problems=error.problems if error else [],
    )


@bp.get("/admin/canvas")
@requires(Role.ADMIN)
def admin() -> Any:
    return _admin_page()


@bp.post("/admin/canvas")
@requires(Role.ADMIN)
def admin_connect() -> Any:
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    try:
        connection = container().canvas.connect(
            form["base_url"], form["client_id"], form["client_secret"], form["scope_id"],
            form["account_token"] or None, actor=current_actor(),
        )  # fmt: skip
    except ValidationError as error:
        form["client_secret"] = form["account_token"] = ""  # never sent back to the browser
        return _admin_page(form, error), 422
    flash(f"Canvas {connection.base_url} is connected.", "success")
    return redirect(url_for("canvas.admin"))


# --- a teacher's grant -------------------------------------------------------------------


@bp.get("/canvas/authorize")
@requires(Role.EDUCATOR, Role.ASSESSOR)
def authorize() -> Any:
    """Send the teacher to Canvas to approve credbridge (once)."""
    state = secrets.token_urlsafe(24)
    base_url = request.args.get("base_url") or _base_url()
    session[STATE_KEY] = {"state": state, "next": _local(request.args.get("next")),
                          "base_url": base_url}  # fmt: skip
    url = container().canvas.authorize_url(current_actor(), base_url, _redirect_uri(), state)
    return redirect(url)


@bp.get("/canvas/callback")
@requires(Role.EDUCATOR, Role.ASSESSOR)
def callback() -> Any:
    expected = session.pop(STATE_KEY, None) or {}
    state = request.args.get("state", "")
    if not expected or not secrets.compare_digest(state, str(expected.get("state", ""))):
        flash("That Canvas authorisation did not start here; try again.", "error")
        return redirect(url_for("teacher.home"))
    if request.args.get("error") or not request.args.get("code"):
        flash("Canvas access was not granted, so Canvas files cannot be picked.", "error")
        return redirect(expected["next"])
    container().canvas.complete_authorization(
        current_actor(), expected.get("base_url"), request.args["code"], _redirect_uri()
    )
    flash("Your Canvas account is connected.", "success")
    return redirect(expected["next"])


# --- evidence from Canvas ------------------------------------------------------------------


def _base_url() -> str | None:
    """The Canvas the teacher last launched from (``None``: the only connected one)."""
    links = container().canvas.links_of(current_actor())
    return links[0].base_url if links else None


def _reauthorize(error: CanvasGrantRevoked) -> Any:
    flash(error.message, "error")
    return redirect(url_for("canvas.authorize", next=request.full_path.rstrip("?")))


@bp.get("/submissions/<submission_id>/canvas/<section_key>/<requirement_key>")
@requires(Role.EDUCATOR)
def pick(submission_id: str, section_key: str, requirement_key: str) -> Any:
    """List the teacher's Canvas files (their own, a course's, or a submission's)."""
    c, actor = container(), current_actor()
    kind = request.args.get("kind", "user_files")
    where = request.args.get("where") or None
    links = list({(link.course_id, link.assignment_id): link
                  for link in c.canvas.links_of(actor)}.values())  # fmt: skip
    try:
        files = c.canvas_evidence.files(actor, _base_url(), kind, where)
    except CanvasGrantRevoked as error:
        return _reauthorize(error)
    return render_template(
        "teacher/canvas_pick.html", submission_id=submission_id, section_key=section_key,
        requirement_key=requirement_key, kind=kind, where=where or "", files=files,
        links=links, kinds=KINDS,
    )  # fmt: skip


@bp.post("/submissions/<submission_id>/canvas/<section_key>/<requirement_key>")
@requires(Role.EDUCATOR)
def import_file(submission_id: str, section_key: str, requirement_key: str) -> Any:
    c, actor = container(), current_actor()
    kind, where = request.form.get("kind", ""), request.form.get("where") or None
    try:
        evidence = c.canvas_evidence.import_file(
            actor, _base_url(), submission_id, section_key, requirement_key, kind, where,
            request.form.get("file_id", ""),
        )  # fmt: skip
    except CanvasGrantRevoked as error:
        return _reauthorize(error)
    except DomainError as error:
        flash(error.message, "error")
        back = url_for("canvas.pick", submission_id=submission_id, section_key=section_key,
                       requirement_key=requirement_key, kind=kind, where=where)  # fmt: skip
        return redirect(back, code=303)
    flash(f"{evidence.filename} was added from Canvas.", "success")
    anchor = f"section-{section_key}"
    return redirect(url_for("teacher.submission", submission_id=submission_id, _anchor=anchor))
