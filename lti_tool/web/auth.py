"""Who is signed in, and role checks for views.

People sign in only by launching credbridge from their LMS (``/lti/launch`` puts their person id
in the session). Every view states the role it needs; services check again. In demo mode the
LMS is the built-in simulator at ``/demo-lms``.
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
                    return redirect(url_for("auth.sign_in"))
                abort(401, "Open credbridge from your LMS to sign in.")
            if roles and not any(actor.has(role) for role in roles):
                names = " or ".join(role.value for role in roles)
                raise PermissionDeniedError(f"This page needs the {names} role.")
            return view(*args, **kwargs)

        return cast(View, wrapper)

    return decorate


@bp.get("/sign-in")
def sign_in() -> Any:
    """Where signed-out visitors are sent: credbridge is opened from the LMS."""
    return render_template("sign_in.html", demo=container().settings.demo_mode)


@bp.post("/sign-out")
def sign_out() -> Any:
    session.clear()
    if container().settings.demo_mode:
        return redirect(url_for("auth.sign_in"))
    return render_template("signed_out.html")
