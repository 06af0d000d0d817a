"""Admin, Platforms: LMS registrations, deployments waiting for approval, and adding a platform."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roles import Role
from lti_tool.services.platforms import PlatformService
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.listing import page_number

bp = Blueprint("admin_platforms", __name__, url_prefix="/admin/platforms")

FORM_FIELDS = (
    "name",
    "issuer",
    "client_id",
    "deployment_ids",
    "auth_login_url",
    "auth_token_url",
    "key_set_url",
    "key_set",
    "auth_audience",
)
FIELD_OF_PROBLEM = {"deployment_id": "deployment_ids"}
"""Problems the service locates on a field the form calls differently."""


def _service() -> PlatformService:
    return container().platforms


def _by_field(problems: list[str]) -> dict[str, list[str]]:
    """Problems grouped by the form field they name (``issuer: must use https``)."""
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        field, _, rest = problem.partition(":")
        field = FIELD_OF_PROBLEM.get(field, field)
        if field in FORM_FIELDS:
            grouped.setdefault(field, []).append(rest.strip())
    return grouped


def _page(form: dict[str, str] | None = None, error: ValidationError | None = None) -> Any:
    service = _service()
    problems = error.problems if error else []
    return render_template(
        "admin/platforms.html",
        summaries=service.registrations(),
        pending=service.pending(page_number()),
        form=form or {},
        message=error.message if error else None,
        problems=problems,
        field_problems=_by_field(problems),
    )


@bp.get("")
@requires(Role.ADMIN)
def index() -> Any:
    return _page()


@bp.post("")
@requires(Role.ADMIN)
def add() -> Any:
    actor = current_actor()
    actor.require(Role.ADMIN)
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    form["auto_approve"] = "1" if request.form.get("auto_approve") else ""
    try:
        registration = _service().register(
            form["name"],
            form["issuer"],
            form["client_id"],
            form["auth_login_url"],
            form["auth_token_url"],
            key_set_url=form["key_set_url"],
            key_set=form["key_set"],
            auth_audience=form["auth_audience"],
            deployment_ids=[line for line in form["deployment_ids"].splitlines() if line.strip()],
            auto_approve=bool(form["auto_approve"]),
            actor_id=actor.person_id,
        )
    except ValidationError as error:
        return _page(form, error), 422
    flash(f"Registered {registration.name}.", "success")
    return redirect(url_for("admin_platforms.index"))


def _decide(registration_id: str, approve: bool) -> Any:
    deployment_id = request.form.get("deployment_id", "")
    deployment = _service().decide(current_actor(), registration_id, deployment_id, approve)
    flash(f"Deployment {deployment.deployment_id} is {deployment.status.value}.", "success")
    return redirect(url_for("admin_platforms.index"))


@bp.post("/<registration_id>/approve")
@requires(Role.ADMIN)
def approve(registration_id: str) -> Any:
    return _decide(registration_id, approve=True)


@bp.post("/<registration_id>/reject")
@requires(Role.ADMIN)
def reject(registration_id: str) -> Any:
    return _decide(registration_id, approve=False)


@bp.post("/<registration_id>/auto-approve")
@requires(Role.ADMIN)
def auto_approve(registration_id: str) -> Any:
    on = request.form.get("on") == "1"
    registration = _service().set_auto_approve(current_actor(), registration_id, on)
    if on:
        flash(f"New deployments of {registration.name} are approved automatically.", "success")
    else:
        flash(f"New deployments of {registration.name} wait for an admin.", "success")
    return redirect(url_for("admin_platforms.index"))
