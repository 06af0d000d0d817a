"""The demo LMS at ``/demo-lms`` (demo mode only): a course page that launches credbridge in an
iframe through the real OIDC login and launch, as each demo person, including deep linking.

The platform itself (keys, id_tokens, the authorization step) is ``lti_tool.demo_lms``, the
same code the tests' fake LMS runs on; this module only gives it HTTP endpoints.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request

from lti_tool.demo_lms import demo
from lti_tool.demo_lms.platform import AuthRefused
from lti_tool.demo_lms.tokens import (
    DL_CLAIM,
    TokenRefused,
    check_deep_link_response,
    verify_tool_jwt,
)
from lti_tool.web.auth import container

bp = Blueprint("demo_lms", __name__, url_prefix="/demo-lms")
EXTENSION = "credbridge_demo_lms"
USERS = {user.key: user for user in demo.USERS}


def platform() -> demo.DemoPlatform | None:
    """The demo platform, once ``credbridge demo`` made its key (one per app)."""
    cached = current_app.extensions.get(EXTENSION)
    if cached is None:
        services = container()
        key = demo.load_key(services.settings.instance_path)
        if key is None:
            return None
        cached = demo.DemoPlatform(services.settings.base_url, key)
        base = cached.tool_base
        cached.register_tool(
            demo.CLIENT_ID, demo.DEPLOYMENT_ID, f"{base}/lti/login", [f"{base}/lti/launch"],
            f"{base}/.well-known/jwks.json", jwks=services.tool_keys.jwks,
        )  # fmt: skip
        current_app.extensions[EXTENSION] = cached
    return cached


def _required() -> demo.DemoPlatform:
    found = platform()
    if found is None:
        abort(404, "The demo LMS is not set up: run `credbridge demo` (make run does).")
    return found


@bp.before_request
def only_in_demo_mode() -> None:
    if not container().settings.demo_mode:
        abort(404)


@bp.get("/")
def index() -> Any:
    """The course page: who to be, and what to launch."""
    base = container().settings.base_url.rstrip("/")
    if request.host_url.rstrip("/") != base:  # cookies belong to the tool's own host
        return redirect(f"{base}/demo-lms/", code=302)
    credentials = [item for stack in container().catalog.browse() for item in stack.credentials]
    return render_template(
        "demo_lms/index.html", platform=platform(), users=demo.USERS,
        credentials=credentials, course=demo.COURSE, chosen=[],
    )  # fmt: skip


@bp.post("/launch")
def launch() -> Any:
    """Start a launch as a demo person: the browser (the iframe) goes to the tool's login."""
    user = USERS.get(request.form.get("user", ""))
    if user is None:
        abort(400, "Choose one of the demo people.")
    credential = request.form.get("credential") or None
    stack = request.form.get("stack") or None
    deep_linking = request.form.get("kind") == "deep_linking"
    login_url, params = _required().login(
        user, deep_linking=deep_linking, credential=credential, stack=stack
    )
    return redirect(f"{login_url}?{urlencode(params)}", code=302)


@bp.route("/auth", methods=["GET", "POST"])
def auth() -> Any:
    """The OIDC authorization endpoint: answers with the id_token, posted to the tool."""
    try:
        redirect_uri, id_token = _required().answer_auth(request.values.to_dict())
    except AuthRefused as refused:
        abort(400, refused.message)
    fields = {"id_token": id_token, "state": request.values.get("state", "")}
    return render_template("demo_lms/post.html", action=redirect_uri, fields=fields)


@bp.get("/jwks")
def jwks() -> Any:
    return jsonify(_required().jwks())


@bp.post("/deep_link_return")
def deep_link_return() -> Any:
    """Where the tool posts the instructor's choice: checked as a platform would, then shown
    with a link for each item to open it as the teacher."""
    lms = _required()
    try:
        claims = verify_tool_jwt(
            request.form.get("JWT", ""), lambda _client: container().tool_keys.jwks(),
            audiences=[lms.issuer], required=("nonce",),
        )  # fmt: skip
        check_deep_link_response(
            claims,
            deployment_id=demo.DEPLOYMENT_ID,
            data_sent={demo.DEEP_LINK_DATA},
        )
    except TokenRefused as refused:
        abort(400, f"The demo LMS refused the deep-linking response: {refused}")
    items = claims.get(DL_CLAIM + "content_items") or []
    chosen = [
        {
            "title": item.get("title", ""),
            "credential": (item.get("custom") or {}).get("credential"),
            "stack": (item.get("custom") or {}).get("stack"),
        }
        for item in items
        if isinstance(item, dict)
    ]
    return render_template("demo_lms/returned.html", chosen=chosen, course=demo.COURSE)
