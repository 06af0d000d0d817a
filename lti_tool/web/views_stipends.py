"""Admin, Stipends: the ledger with approve / reject / mark paid, budgets, totals, the payroll
export (marks rows exported) and the paid file upload (closes them), and HR's review list of
stipends whose credential was revoked after export or payment. Every move is audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roles import Role
from lti_tool.domain.stipends import StipendState
from lti_tool.ports_credit import LEDGER_SORTS, LedgerFilter
from lti_tool.services.credit_admin import LOCAL_KINDS
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.listing import list_query

bp = Blueprint("stipends", __name__, url_prefix="/admin/stipends")
CONFIRMED = {
    "approve": StipendState.APPROVED,
    "reject": StipendState.REJECTED,
    "paid": StipendState.PAID,
}
"""Every move an admin makes by hand is confirmed first: approving commits budget, rejecting
and marking paid close the stipend for good."""
FILTERS = ("district", "state", "source", "school")
"""The ledger's exact filters (``q`` searches the educator's name)."""


def _back(district_id: str) -> Any:
    return redirect(url_for("stipends.index", district=district_id or None))


@bp.get("")
@requires(Role.ADMIN)
def index() -> Any:
    c = container()
    actor = current_actor()
    query = list_query(FILTERS, sorts=LEDGER_SORTS)
    district_id = query.filters.get("district") or None
    try:
        state = StipendState(query.filters["state"]) if query.filters.get("state") else None
    except ValueError:
        state = None
    filters = LedgerFilter(
        district_id=district_id,
        state=state,
        funding_source=query.filters.get("source") or None,
        school_id=query.filters.get("school") or None,
        educator=query.search,
    )
    page = c.stipends.page(actor, filters, query)
    totals = c.stipends.totals(actor, district_id, filters) if district_id else None
    districts = {o.id: o.name for o in c.people.organizations() if o.kind in LOCAL_KINDS}
    schools, sources = c.stipends.choices(actor, district_id)
    reviews = c.stipends.reviews(actor, district_id)
    return render_template(
        "admin/stipends.html", page=page, query=query, totals=totals, district_id=district_id,
        reviews=reviews,
        districts=districts, states=list(StipendState), state=state, schools=schools,
        sources=sources, filtered=bool(state or filters.funding_source or filters.school_id
        or filters.educator),
    )  # fmt: skip


@bp.get("/<stipend_id>/<action>")
@requires(Role.ADMIN)
def confirm(stipend_id: str, action: str) -> Any:
    """Ask first, showing the stipend's ledger so far."""
    if action not in CONFIRMED:
        raise ValidationError("Choose approve, reject or paid.")
    entries = container().stipends.entries(current_actor(), stipend_id)
    return render_template(
        "admin/stipend_confirm.html", stipend_id=stipend_id, action=action, entries=entries,
        district=request.args.get("district", ""),
    )  # fmt: skip


@bp.post("/<stipend_id>/<action>")
@requires(Role.ADMIN)
def close(stipend_id: str, action: str) -> Any:
    if action not in CONFIRMED or request.form.get("confirm") != "yes":
        flash("Nothing changed: tick the box to confirm.", "error")
        return redirect(url_for("stipends.confirm", stipend_id=stipend_id, action=action))
    service = container().stipends
    note = request.form.get("note", "")
    if action == "approve":
        service.approve(current_actor(), stipend_id, note)
    elif action == "reject":
        service.reject(current_actor(), stipend_id, note)
    else:
        service.mark_paid(current_actor(), stipend_id, note)
    flash(f"Stipend {CONFIRMED[action].value}.", "success")
    return _back(request.form.get("district", ""))


@bp.post("/reviews/<review_id>/resolve")
@requires(Role.ADMIN)
def resolve_review(review_id: str) -> Any:
    """Close an HR review (credential revoked after export or payment) with what was done."""
    container().stipends.resolve_review(current_actor(), review_id, request.form.get("note", ""))
    flash("Review closed; what was done is kept in the audit trail.", "success")
    return _back(request.form.get("district", ""))


@bp.post("/budgets/<district_id>")
@requires(Role.ADMIN)
def budget(district_id: str) -> Any:
    form = request.form
    container().stipends.set_budget(
        current_actor(), district_id, form.get("funding_source", ""), form.get("amount", "")
    )
    flash("Budget saved.", "success")
    return _back(district_id)


@bp.post("/export/<district_id>")
@requires(Role.ADMIN)
def export(district_id: str) -> Any:
    done = container().payroll.export(current_actor(), district_id)
    return Response(
        done.text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{done.filename}"'},
    )


@bp.post("/paid/<district_id>")
@requires(Role.ADMIN)
def paid(district_id: str) -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError("Choose the paid file (CSV) to upload.")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError("The paid file must be UTF-8 CSV.") from error
    report = container().payroll.import_paid(current_actor(), district_id, text)
    flash(
        f"{report.paid} stipend(s) marked paid; {report.already_paid} were already paid.",
        "success",
    )
    return _back(district_id)
