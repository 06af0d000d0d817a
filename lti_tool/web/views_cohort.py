"""My course: the cohort of the LMS course the instructor launched from, and refreshing its
members from the LMS (Names and Role Provisioning) on demand."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for

from lti_tool.domain.errors import DeliveryError, PermissionDeniedError
from lti_tool.domain.roles import Role
from lti_tool.web.auth import container, current_actor, requires

bp = Blueprint("cohort", __name__, url_prefix="/course")


def _course() -> dict[str, Any]:
    """The LMS course of this session's launch; a 403 when there is none."""
    lti = session.get("lti") or {}
    if not lti.get("registration_id") or not lti.get("context_id"):
        raise PermissionDeniedError(
            "Open credbridge from your LMS course to see its cohort: this session did not "
            "start in a course."
        )
    return dict(lti)


@bp.get("/cohort")
@requires(Role.ASSESSOR, Role.ADMIN)
def index() -> Any:
    course = _course()
    entries = container().cohorts.cohort(
        current_actor(), course["registration_id"], course["context_id"]
    )
    return render_template(
        "course/cohort.html",
        entries=entries,
        course=course,
        can_refresh=bool(course.get("nrps_url")),
    )


@bp.post("/cohort/refresh")
@requires(Role.ASSESSOR, Role.ADMIN)
def refresh() -> Any:
    """Read the course's members from the LMS and make them people with their roles."""
    course = _course()
    c = container()
    actor = current_actor()
    c.cohorts.require_instructor(actor, course["registration_id"], course["context_id"])
    if not course.get("nrps_url"):
        flash("This LMS offers no membership service for this course.", "error")
        return redirect(url_for("cohort.index"))
    registration = c.platforms.get(course["registration_id"])
    try:
        members = c.members.members(registration, course["nrps_url"])
    except DeliveryError as error:
        current_app.logger.info("NRPS refresh failed: %s", error.message)
        flash(f"The LMS roster could not be read: {error.message}", "error")
        return redirect(url_for("cohort.index"))
    report = c.cohorts.import_members(
        actor, course["registration_id"], course["context_id"], members
    )
    flash(
        f"Read {report.members} members from the LMS: {report.created} new, "
        f"{report.roles_granted} roles added, {report.inactive_skipped} inactive skipped.",
        "success",
    )
    return redirect(url_for("cohort.index"))
