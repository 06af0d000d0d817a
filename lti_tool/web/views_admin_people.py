"""Admin, People: each person's roles as held and as an admin overrode them (audited)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roles import Role
from lti_tool.services.listing import list_page
from lti_tool.services.role_overrides import OverrideMode
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.listing import list_query

bp = Blueprint("admin_people", __name__, url_prefix="/admin/people")
SORTS = ("name", "email")
PEOPLE_LIMIT = 5000
"""Loaded, then searched, sorted and paged here (the repository has no search yet)."""


@bp.get("")
@requires(Role.ADMIN)
def index() -> Any:
    query = list_query(("role",), sorts=SORTS)
    people = list_page(
        container().role_overrides.people(current_actor(), limit=PEOPLE_LIMIT),
        query,
        sorts={
            "name": lambda p: (p.display_name.casefold(), p.person_id),
            "email": lambda p: ((p.email or "").casefold(), p.person_id),
        },
        searched=lambda p: f"{p.display_name} {p.email or ''}",
        filters={"role": lambda p: {role.value for role in p.effective}},
    )
    return render_template(
        "admin/people.html", page=people, query=query, roles=list(Role), modes=list(OverrideMode)
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
