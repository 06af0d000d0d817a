"""Admin console: the home page linking every admin area, organisations and schools, and the
dashboards (charts drawn on the server, each with its table and a CSV download)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from lti_tool.charts import render
from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.services.organizations import FILTERS, SORTS
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.chart_views import csv_response
from lti_tool.web.listing import list_query

bp = Blueprint("admin_home", __name__, url_prefix="/admin")


@bp.get("")
@requires(Role.ADMIN)
def home() -> Any:
    summary = container().dashboards.queue_summary(current_actor())
    return render_template("admin/home.html", summary=summary)


@bp.get("/organisations")
@requires(Role.ADMIN)
def organisations(form: dict[str, str] | None = None, error: ValidationError | None = None) -> Any:
    c, actor = container(), current_actor()
    query = list_query(FILTERS, sorts=SORTS)
    return render_template(
        "admin/organisations.html",
        page=c.organizations.page(actor, query),
        query=query,
        kinds=list(OrganizationKind),
        parents=c.organizations.parents(actor),
        form=form or {},
        error=error,
    ), 422 if error else 200


@bp.post("/organisations")
@requires(Role.ADMIN)
def add_organisation() -> Any:
    form = {key: request.form.get(key, "") for key in ("name", "kind", "parent_id")}
    try:
        kind = OrganizationKind(form["kind"])
    except ValueError:
        return organisations(form, ValidationError("Choose what kind of organisation it is."))
    try:
        added = container().organizations.add(
            current_actor(), form["name"], kind, form["parent_id"] or None
        )
    except ValidationError as error:
        return organisations(form, error)
    flash(f"Added {added.name} ({added.kind.value}).", "success")
    return redirect(url_for("admin_home.organisations", q=added.name))


@bp.get("/dashboards")
@requires(Role.ADMIN)
def dashboards() -> Any:
    service, actor = container().dashboards, current_actor()
    charts = [render(service.chart(actor, key)) for key in service.chart_keys()]
    return render_template(
        "admin/dashboards.html", charts=charts, summary=service.queue_summary(actor)
    )


@bp.get("/dashboards/<key>.csv")
@requires(Role.ADMIN)
def dashboard_csv(key: str) -> Response:
    service = container().dashboards
    if key not in service.chart_keys():
        abort(404, "There is no such chart. Go back to the dashboards and use its CSV link.")
    return csv_response(service.chart(current_actor(), key))
