"""Credit pages: a teacher's progress toward renewal, and the admin's settings, overrides,
per-school progress and audited re-evaluation of an award."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from lti_tool.charts import render
from lti_tool.domain.catalog_badge import CREDIT_UNITS
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.roles import Role
from lti_tool.domain.series import ChartData
from lti_tool.domain.stipends import DEFAULT_TEMPLATE, PAYROLL_FIELDS, template_text
from lti_tool.services.credit import CreditProgress
from lti_tool.services.credit_charts import renewal_chart, school_chart
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.chart_views import csv_response

bp = Blueprint("credit", __name__)


@bp.get("/credit")
@requires(Role.EDUCATOR)
def mine() -> Any:
    me = container().credit.progress_of(current_actor())
    chart = render(renewal_chart(me.progress)) if me.progress else None
    return render_template("teacher/credit.html", me=me, chart=chart)


@bp.get("/credit/renewal.csv")
@requires(Role.EDUCATOR)
def mine_csv() -> Response:
    progress = container().credit.progress_of(current_actor()).progress
    if progress is None:
        raise NotFoundError("No re-licensure rules apply to you yet, so there is no chart.")
    return csv_response(renewal_chart(progress))


def _people_chart(organization_id: str, people: list[CreditProgress]) -> ChartData:
    return school_chart(
        [(p.display_name, p.progress) for p in people], f"renewal-{organization_id[:8]}"
    )


@bp.get("/admin/credit")
@requires(Role.ADMIN)
def admin() -> Any:
    c = container()
    stacks = c.catalog.browse()
    return render_template(
        "admin/credit.html",
        organizations=c.credit_admin.organizations(current_actor()),
        jurisdictions=c.credit_admin.jurisdictions(),
        units=CREDIT_UNITS,
        stacks=stacks,
        fields=PAYROLL_FIELDS,
        default_template=template_text(DEFAULT_TEMPLATE),
    )


@bp.post("/admin/credit/<organization_id>/settings")
@requires(Role.ADMIN)
def configure(organization_id: str) -> Any:
    form = request.form
    settings = container().credit_admin.configure(
        current_actor(),
        organization_id,
        form.get("jurisdiction", ""),
        form.get("cycle_anchor", ""),
        form.get("currency", "USD"),
        form.get("payroll_template", ""),
    )
    flash(f"Saved: teachers here earn {settings.jurisdiction} credit.", "success")
    return redirect(url_for("credit.admin") + f"#org-{organization_id}")


@bp.post("/admin/credit/<organization_id>/overrides")
@requires(Role.ADMIN)
def override(organization_id: str) -> Any:
    form = request.form
    kind, _, slug = form.get("target", "").partition(":")
    saved = container().credit_admin.set_override(
        current_actor(),
        organization_id,
        kind,
        slug,
        credit_amount=form.get("credit_amount", ""),
        credit_unit=form.get("credit_unit", "clock_hours"),
        category=form.get("category", "general"),
        stipend_amount=form.get("stipend_amount", ""),
        funding_source=form.get("funding_source", ""),
        note=form.get("note", ""),
    )
    flash(
        f"Saved the override for {saved.target_kind} {saved.target_slug} (version "
        f"{saved.version}). Awards from now on use it; earned credit is unchanged.",
        "success",
    )
    return redirect(url_for("credit.admin") + f"#org-{organization_id}")


@bp.get("/admin/credit/people/<organization_id>")
@requires(Role.ADMIN)
def school(organization_id: str) -> Any:
    organization, people = container().credit.school_progress(current_actor(), organization_id)
    return render_template(
        "admin/credit_school.html",
        organization=organization,
        people=people,
        chart=render(_people_chart(organization_id, people)),
    )


@bp.get("/admin/credit/people/<organization_id>/renewal.csv")
@requires(Role.ADMIN)
def school_csv(organization_id: str) -> Response:
    _, people = container().credit.school_progress(current_actor(), organization_id)
    return csv_response(_people_chart(organization_id, people))


@bp.get("/admin/credit/awards/<award_id>")
@requires(Role.ADMIN)
def award(award_id: str) -> Any:
    history = container().credit.history(current_actor(), award_id)
    return render_template("admin/credit_award.html", award_id=award_id, history=history)


@bp.post("/admin/credit/awards/<award_id>/reevaluate")
@requires(Role.ADMIN)
def reevaluate(award_id: str) -> Any:
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm: the award's current lines will be superseded.", "error")
        return redirect(url_for("credit.award", award_id=award_id))
    lines = container().credit.reevaluate(current_actor(), award_id, request.form.get("note", ""))
    flash(
        f"Re-evaluated under today's rules: {len(lines)} line(s). The audit trail has it.",
        "success",
    )
    return redirect(url_for("credit.award", award_id=award_id))
