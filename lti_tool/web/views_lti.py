"""LTI 1.3 endpoints the platform calls: OIDC login initiation and the launch."""

from __future__ import annotations

import hmac
from typing import Any

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from lti_tool.domain.lti_services import linked
from lti_tool.domain.roles import Role
from lti_tool.lti.deep_linking import DeepLinkRequest
from lti_tool.lti.launch import LtiAdapter
from lti_tool.lti.refusals import LaunchRefusedError
from lti_tool.platforms.canvas import developer_key_config
from lti_tool.services.launch import LaunchService
from lti_tool.web.auth import container
from lti_tool.web.lti_cookies import (
    NONCE_KEY,
    STATE_KEY,
    STORAGE_HEADER,
    bind,
    is_bound,
    storage_target,
)
from lti_tool.web.problems import problem
from lti_tool.web.views_deep_link import SESSION_KEY as DEEP_LINK_SESSION_KEY

bp = Blueprint("lti", __name__, url_prefix="/lti")
DEEP_LINKING = "LtiDeepLinkingRequest"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


def adapter() -> LtiAdapter:
    return container().lti


def launch_service() -> LaunchService:
    return container().launches


COOKIES_BLOCKED = (
    "Your browser did not send the cookie that ties this launch to the browser that started "
    "it (browsers often block cookies inside an LMS page), and this LMS offers no other way to "
    "check it. Open credbridge again from your course; if this keeps happening, allow cookies "
    "for this site or open credbridge in a new window."
)
NOT_THIS_BROWSER = "This launch was not started in this browser. Open credbridge again."


def _memberships_url(claims: dict[str, Any]) -> str | None:
    """The course's NRPS ``context_memberships_url``, when the platform offers it."""
    service = claims.get(NRPS_CLAIM)
    url = service.get("context_memberships_url") if isinstance(service, dict) else None
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def _https() -> bool:
    return container().settings.uses_https


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
    """OIDC third-party initiated login: send the browser to the platform's auth endpoint.

    The login is bound to this browser by a cookie; when the platform offers LTI Platform
    Storage (``lti_storage_target``), state and nonce are also put there before going on.
    """
    params = _params()
    try:
        answer = adapter().login(params)
    except LaunchRefusedError as error:
        return _refused(error)
    target = storage_target(params)
    if target is None:
        response = redirect(answer.url, code=302)
    else:
        response = make_response(
            render_template(
                "lti/storage.html", mode="login", target=target, origin=answer.platform_origin,
                state=answer.state, state_key=STATE_KEY + answer.state, nonce=answer.nonce,
                nonce_key=NONCE_KEY + answer.nonce, next_url=answer.url,
            )
        )  # fmt: skip
    bind(response, answer.state, secure=_https())
    return response


@bp.post("/launch")
def launch() -> Any:
    """The platform posts id_token and state here; a valid launch signs the person in.

    A browser that did not send the login's cookie goes on only through LTI Platform Storage
    (a page that reads the state back from the platform), or is refused.
    """
    params = _params()
    state = params.get("state", "")
    if state and not is_bound(request, state):
        target = storage_target(params)
        origin = adapter().platform_origin(params.get("id_token", "")) if target else None
        if target is None or origin is None:
            return _refused(LaunchRefusedError(COOKIES_BLOCKED, status=401))
        return render_template(
            "lti/storage.html", mode="launch", target=target, origin=origin, state=state,
            state_key=STATE_KEY + state, id_token=params.get("id_token", ""),
        )  # fmt: skip
    return _finish(params)


@bp.post("/launch/storage")
def launch_with_platform_storage() -> Any:
    """The launch, continued by our page after reading the state back from the platform's
    storage (JSON, with :data:`STORAGE_HEADER`); answers ``{"location": ...}``."""
    body = request.get_json(silent=True) if request.is_json else None
    if request.headers.get(STORAGE_HEADER) != "1" or not isinstance(body, dict):
        return problem(
            400, "Not a platform storage launch", "This address is for credbridge's own page."
        )
    values = {key: body.get(key) for key in ("id_token", "state", "stored_state")}
    if not all(isinstance(value, str) and value for value in values.values()):
        return problem(400, "Incomplete launch", "id_token, state and stored_state are required.")
    if not hmac.compare_digest(str(values["stored_state"]).encode(), str(values["state"]).encode()):
        return _refused(LaunchRefusedError(NOT_THIS_BROWSER, status=401))
    answer = _finish({"id_token": str(values["id_token"]), "state": str(values["state"])})
    if getattr(answer, "status_code", 0) in (301, 302, 303):
        return jsonify(location=answer.location)
    return answer


def _finish(params: dict[str, str]) -> Any:
    """Validate the token, sign the person in (spending state and nonce), answer a redirect."""
    try:
        validated = adapter().validate(params, secure=request.is_secure)
        # The one-time state and nonce are spent in the sign-in's own transaction.
        signed_in = launch_service().sign_in(validated.context, before=validated.consume)
    except LaunchRefusedError as error:
        return _refused(error)
    context = validated.context
    # Canvas launches name their course, assignment and user: kept for roster syncs, Canvas
    # files and feedback comments (nothing happens for launches without them).
    container().canvas.record_launch(
        signed_in.person_id, context.custom, context.subject, context.custom.get("credential")
    )
    session.clear()
    session.permanent = True
    session["person_id"] = signed_in.person_id
    session["lti"] = {
        "registration_id": context.registration_id,
        "deployment_id": context.deployment_id,
        "context_id": context.context_id,
        "resource_link_id": context.resource_link_id,
        "message_type": context.message_type,
        "nrps_url": _memberships_url(context.claims),
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
    target = linked(context.custom)
    if target is None:
        return redirect(url_for("teacher.home"))
    kind, slug = target
    if kind == "credential":
        return redirect(url_for("teacher.credential", slug=slug))
    return redirect(url_for("teacher.catalog", _anchor=f"stack-{slug}"))  # the stack's section
