"""Admin, People: each person's roles as held and as an admin overrode them (audited)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roles import Role
from lti_tool.services.role_overrides import OverrideMode
from lti_tool.web.auth import container, current_actor, requires

bp = Blueprint("admin_people", __name__, url_prefix="/admin/people")


@bp.get("")
@requires(Role.ADMIN)
def index() -> Any:
    people = container().role_overrides.people(current_actor())
    return render_template(
        "admin/people.html", people=people, roles=list(Role), modes=list(OverrideMode)
    )


@bp.post("/<person_id>/roles")
@requires(Role.ADMIN)
def override(person_id: str) -> Any:
    try:
        role = Role(request.form.get("role", ""))
        mode = OverrideMode(request.form.get("mode", ""))
    except ValueError as error:
        raise ValidationError("Choose a role and what to do with it.") from error
    effective = container().role_overrides.override(
        current_actor(), person_id, role, mode, request.form.get("note", "")
    )
    names = ", ".join(sorted(item.value for item in effective)) or "no role"
    flash(f"Saved: {role.value} {mode.value}. Roles now: {names}.", "success")
    return redirect(url_for("admin_people.index") + f"#p-{person_id}")
