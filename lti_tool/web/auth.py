"""Who is signed in, role checks for views, and the demo sign-in (demo mode only).

LTI launch (a later issue) will sign people in the same way: by putting their person id in the
session. Every view states the role it needs; services check again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from lti_tool.bootstrap import Container
from lti_tool.domain.errors import NotFoundError, PermissionDeniedError
from lti_tool.domain.roles import Role
from lti_tool.services.common import Actor

bp = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])


def container() -> Container:
    return cast(Container, current_app.extensions["credbridge"])


def load_actor() -> None:
    g.actor = None
    if request.endpoint == "static":
        return
    person_id = session.get("person_id")
    if person_id:
        try:
            g.actor = container().people.actor(person_id)
        except NotFoundError:
            session.clear()


def current_actor() -> Actor:
    actor = g.get("actor")
    if actor is None:
        abort(401)
    return cast(Actor, actor)


def requires(*roles: Role) -> Callable[[View], View]:
    """Sign-in required; with roles, at least one of them."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = g.get("actor")
            if actor is None:
                if container().settings.demo_mode:
                    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
                abort(401, "Open credbridge from your LMS to sign in.")
            if roles and not any(actor.has(role) for role in roles):
                names = " or ".join(role.value for role in roles)
                raise PermissionDeniedError(f"This page needs the {names} role.")
            return view(*args, **kwargs)

        return cast(View, wrapper)

    return decorate


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("teacher.home")


@bp.get("/demo/sign-in")
def sign_in() -> Any:
    if not container().settings.demo_mode:
        abort(404)
    people = container().people.directory()
    return render_template("demo_sign_in.html", people=people, next=request.args.get("next", ""))


@bp.post("/demo/sign-in")
def sign_in_as() -> Any:
    if not container().settings.demo_mode:
        abort(404)
    person_id = request.form.get("person_id", "")
    try:
        container().people.actor(person_id)
    except NotFoundError:
        abort(400, "Choose one of the demo people.")
    session.clear()
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME, not with the browser
    session["person_id"] = person_id
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/sign-out")
def sign_out() -> Any:
    session.clear()
    if container().settings.demo_mode:
        return redirect(url_for("auth.sign_in"))
    return render_template("signed_out.html")
