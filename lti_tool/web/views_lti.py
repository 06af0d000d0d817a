"""LTI 1.3 endpoints the platform calls: OIDC login initiation and the launch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for

from lti_tool.domain.roles import Role
from lti_tool.lti.deep_linking import DeepLinkRequest
from lti_tool.lti.launch import LaunchRefusedError, LtiAdapter
from lti_tool.platforms.canvas import developer_key_config
from lti_tool.services.launch import LaunchService
from lti_tool.web.auth import container
from lti_tool.web.problems import problem
from lti_tool.web.views_deep_link import SESSION_KEY as DEEP_LINK_SESSION_KEY

bp = Blueprint("lti", __name__, url_prefix="/lti")
DEEP_LINKING = "LtiDeepLinkingRequest"


def adapter() -> LtiAdapter:
    return container().lti


def launch_service() -> LaunchService:
    return container().launches


def _params() -> dict[str, str]:
    merged = dict(request.args.items())
    merged.update(request.form.items())
    return merged


def _refused(error: LaunchRefusedError) -> Any:
    current_app.logger.info("LTI request refused: %s", error.message)
    return problem(error.status, "This launch was refused", error.message)


@bp.get("/config/canvas.json")
def canvas_config() -> Any:
    """The Canvas developer key JSON configuration (paste its URL into Canvas)."""
    return jsonify(developer_key_config(container().settings.base_url))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """OIDC third-party initiated login: send the browser to the platform's auth endpoint."""
    try:
        answer = adapter().login(_params())
    except LaunchRefusedError as error:
        return _refused(error)
    return redirect(answer.url, code=302)


@bp.post("/launch")
def launch() -> Any:
    """The platform posts id_token and state here; a valid launch signs the person in."""
    try:
        validated = adapter().validate(_params(), secure=request.is_secure)
        # The one-time state and nonce are spent in the sign-in's own transaction.
        signed_in = launch_service().sign_in(validated.context, before=validated.consume)
    except LaunchRefusedError as error:
        return _refused(error)
    context = validated.context
    session.clear()
    session.permanent = True
    session["person_id"] = signed_in.person_id
    session["lti"] = {
        "registration_id": context.registration_id,
        "deployment_id": context.deployment_id,
        "context_id": context.context_id,
        "resource_link_id": context.resource_link_id,
        "message_type": context.message_type,
    }
    if context.message_type == DEEP_LINKING:
        if not signed_in.roles & {Role.ASSESSOR, Role.ADMIN}:
            return problem(
                403,
                "Only instructors add content",
                "Adding credentials to a course needs an instructor or administrator "
                "role in the LMS.",
            )
        try:
            session[DEEP_LINK_SESSION_KEY] = DeepLinkRequest.from_launch(context).to_session()
        except ValueError as error:
            return _refused(LaunchRefusedError(str(error)))
        return redirect(url_for("deep_link.choose"))
    credential = context.custom.get("credential")
    if credential:
        return redirect(url_for("teacher.credential", slug=credential))
    return redirect(url_for("teacher.home"))
