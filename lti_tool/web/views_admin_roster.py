"""Admin, Rosters: the last import and sync reports, identity questions, and employee ids."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from lti_tool.domain.errors import DomainError
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.listing import list_query

bp = Blueprint("admin_roster", __name__, url_prefix="/admin/roster")


@bp.get("")
@requires(Role.ADMIN)
def index() -> Any:
    roster = container().roster
    actor = current_actor()
    query = list_query()
    return render_template(
        "admin/roster.html",
        reports=roster.reports(actor),
        questions=container().roster_answers.question_page(actor, query.page),
        query=query,
        schedules=container().roster_schedule.schedules(actor),
        now=container().clock.now(),
        districts=container().people.organizations(OrganizationKind.DISTRICT),
    )


@bp.get("/reports/<report_id>")
@requires(Role.ADMIN)
def report(report_id: str) -> Any:
    found = container().roster.report(current_actor(), report_id)
    return render_template("admin/roster_report.html", report=found)


@bp.get("/districts/<scope_id>/users")
@requires(Role.ADMIN)
def users(scope_id: str) -> Any:
    query = request.args.get("q", "")[:200]
    found = container().roster.users(current_actor(), scope_id, query)
    return render_template("admin/roster_users.html", users=found, scope_id=scope_id, q=query)


@bp.post("/districts/<scope_id>/users/<sourced_id>/employee-id")
@requires(Role.ADMIN)
def employee_id(scope_id: str, sourced_id: str) -> Any:
    value = request.form.get("employee_id", "")
    try:
        container().roster_answers.set_employee_id(current_actor(), scope_id, sourced_id, value)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"Employee id of {sourced_id} saved.", "success")
    return redirect(url_for("admin_roster.users", scope_id=scope_id, q=request.form.get("q", "")))


@bp.post("/questions/<int:question_id>")
@requires(Role.ADMIN)
def answer(question_id: int) -> Any:
    """Link an ambiguous roster user to the chosen person, or keep them separate (``new``)."""
    choice = request.form.get("person_id", "")
    if not choice:
        flash("Choose a person, or keep the roster user separate.", "error")
        return redirect(url_for("admin_roster.index"))
    try:
        linked = container().roster_answers.answer(
            current_actor(), question_id, None if choice == "new" else choice
        )
    except DomainError as error:
        flash(" ".join([error.message, *getattr(error, "problems", [])]), "error")
    else:
        what = "a new person" if choice == "new" else "the chosen person"
        flash(f"Linked to {what} ({linked[:8]}). The audit trail records it.", "success")
    return redirect(url_for("admin_roster.index"))
