"""Admin pages: the audit trail and the catalog with its versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, render_template, request

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roles import Role
from lti_tool.ports import AuditFilter
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.listing import list_query

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _date(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as error:
        raise ValidationError(f"{name}: {raw!r} is not a date like 2026-09-01") from error


@bp.get("/audit")
@requires(Role.ADMIN)
def audit() -> Any:
    until = _date("until")
    filters = AuditFilter(
        entity_type=request.args.get("entity_type") or None,
        entity_id=request.args.get("entity_id") or None,
        actor_id=request.args.get("actor_id") or None,
        action=request.args.get("action") or None,
        since=_date("since"),
        until=until + timedelta(days=1) if until else None,
    )
    listing = list_query()
    entries, names = container().audit.page(current_actor(), filters, listing.page)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    actors = container().audit.actors(current_actor())
    return render_template(
        "admin/audit.html", page=entries, names=names, query=query, actors=actors
    )


@bp.get("/catalog")
@requires(Role.ADMIN)
def catalog() -> Any:
    current_actor().require(Role.ADMIN)
    c = container()
    stacks = c.catalog.browse()
    history = {
        version.slug: c.catalog.history(version.slug)
        for stack in stacks
        for version in stack.credentials
    }
    return render_template("admin/catalog.html", stacks=stacks, history=history, policy=c.policy)
