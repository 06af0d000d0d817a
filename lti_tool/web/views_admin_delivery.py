"""Admin, Delivery: connected PD/HR targets (add, test, backfill, disconnect) and deliveries per
target and per award (status, attempts, last answer; retry, resolve by hand)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from lti_tool.domain.delivery import CSV_TEMPLATES, KINDS, DeliveryStatus
from lti_tool.domain.errors import ConflictError, ValidationError
from lti_tool.domain.roles import Role
from lti_tool.services.delivery_admin import DeliveryAdmin
from lti_tool.web.auth import container, current_actor, requires
from lti_tool.web.listing import page_number

bp = Blueprint("admin_delivery", __name__, url_prefix="/admin/delivery")
SECRET_FIELDS = ("client_secret", "secret", "password")
PLAIN_FIELDS = (
    "base_url", "client_id", "namespace", "hours_rounding", "source_system", "url", "username",
    "template", "dir", "provider_number",
)  # fmt: skip


def download(data: bytes, mimetype: str, filename: str) -> Response:
    """An attachment for the signed-in admin only (never cached by shared caches)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _admin() -> DeliveryAdmin:
    return container().delivery_admin


def _page(form: dict[str, str] | None = None, error: ValidationError | None = None) -> Any:
    return render_template(
        "admin/delivery_targets.html",
        summaries=_admin().targets(current_actor()),
        kinds=sorted(KINDS),
        templates=CSV_TEMPLATES,
        form=form or {},
        message=error.message if error else None,
        problems=error.problems if error else [],
    )


@bp.get("")
@requires(Role.ADMIN)
def index() -> Any:
    return _page()


@bp.post("")
@requires(Role.ADMIN)
def add() -> Any:
    kind = request.form.get("kind", "")
    spec = KINDS.get(kind)
    allowed = {*spec.required, *spec.optional} if spec else set()
    form = {name: request.form.get(name, "") for name in PLAIN_FIELDS}
    config = {name: value for name, value in form.items() if name in allowed and value}
    secrets = {name: request.form.get(name, "") for name in SECRET_FIELDS}
    form.update(kind=kind, name=request.form.get("name", ""))
    try:
        target = _admin().add_target(current_actor(), kind, form["name"], config, secrets)
    except (ValidationError, ConflictError) as error:
        if isinstance(error, ConflictError):
            error = ValidationError(error.message)
        return _page(form, error), 422
    flash(
        f"Connected {target.name}. Its secrets are stored encrypted and not shown again.", "success"
    )
    return redirect(url_for("admin_delivery.index"))


@bp.post("/<target_id>/test")
@requires(Role.ADMIN)
def test(target_id: str) -> Any:
    ok, said = _admin().test(current_actor(), target_id)
    flash(f"Test {'passed' if ok else 'failed'}: {said}", "success" if ok else "error")
    return redirect(url_for("admin_delivery.index"))


@bp.post("/<target_id>/backfill")
@requires(Role.ADMIN)
def backfill(target_id: str) -> Any:
    queued = _admin().backfill(current_actor(), target_id)
    flash(f"Queued {queued} earlier award(s).", "success")
    return redirect(url_for("admin_delivery.target", target_id=target_id))


@bp.post("/<target_id>/disconnect")
@requires(Role.ADMIN)
def disconnect(target_id: str) -> Any:
    target = _admin().disconnect(current_actor(), target_id)
    flash(f"Disconnected {target.name}: nothing more is sent to it.", "success")
    return redirect(url_for("admin_delivery.index"))


@bp.get("/<target_id>")
@requires(Role.ADMIN)
def target(target_id: str) -> Any:
    status = request.args.get("status") or None
    if status and status not in {s.value for s in DeliveryStatus}:
        status = None
    page = page_number()
    actor = current_actor()
    found = _admin().target(actor, target_id)
    return render_template(
        "admin/delivery_list.html",
        heading=f"Deliveries to {found.name}",
        target=found,
        deliveries=_admin().deliveries_for_target(actor, found.id, status, page),
        statuses=[s.value for s in DeliveryStatus],
        status=status,
        page=page,
    )


@bp.get("/<target_id>/export.csv")
@requires(Role.ADMIN)
def export(target_id: str) -> Any:
    data = _admin().export(current_actor(), target_id)
    if data is None:
        abort(404)
    return download(data, "text/csv", f"credbridge-{target_id}.csv")


@bp.get("/awards/<award_id>")
@requires(Role.ADMIN)
def award(award_id: str) -> Any:
    return render_template(
        "admin/delivery_list.html",
        heading=f"Deliveries of award {award_id}",
        target=None,
        deliveries=_admin().deliveries_for_award(current_actor(), award_id),
        statuses=[],
        status=None,
        page=1,
    )


def _back() -> Any:
    """Back to the list the form was on: a local path only (no open redirect)."""
    back = request.form.get("back", "")
    local = back.startswith("/") and not back.startswith("//") and "\\" not in back
    return redirect(back if local else url_for("admin_delivery.index"))


@bp.post("/deliveries/<delivery_id>/retry")
@requires(Role.ADMIN)
def retry(delivery_id: str) -> Any:
    _admin().retry(current_actor(), delivery_id)
    flash("Queued again; the worker sends it shortly.", "success")
    return _back()


@bp.post("/deliveries/<delivery_id>/resolve")
@requires(Role.ADMIN)
def resolve(delivery_id: str) -> Any:
    _admin().resolve(current_actor(), delivery_id, request.form.get("note", ""))
    flash("Marked resolved by hand.", "success")
    return _back()


@bp.get("/deliveries/<delivery_id>/certificate.pdf")
@requires(Role.ADMIN)
def certificate(delivery_id: str) -> Any:
    data = _admin().certificate(current_actor(), delivery_id)
    return download(data, "application/pdf", f"certificate-{delivery_id}.pdf")
