"""``/lti/register``: LTI Dynamic Registration, opened by the LMS in a window or iframe.

GET only, and nothing here trusts the caller: the URLs it is given are checked and fetched by
:class:`~lti_tool.lti.registration.DynamicRegistrar`, and what it stores waits for an admin.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, make_response, render_template, request

from lti_tool.lti.registration import RegistrationError
from lti_tool.web.auth import container
from lti_tool.web.problems import problem
from lti_tool.web.rate_limits import RequestLimiter

bp = Blueprint("lti_register", __name__, url_prefix="/lti")


@bp.get("/register")
def register() -> Any:
    """Register with the platform named by ``openid_configuration``; answer with a page that
    tells the LMS to close it (``org.imsglobal.lti.close``)."""
    limiter: RequestLimiter = current_app.extensions["credbridge.register_limiter"]
    refusal = limiter.take("lti-register", request.remote_addr or "unknown")
    if refusal is not None:
        current_app.logger.warning(
            "LTI dynamic registration refused for %s: over %s", request.remote_addr, refusal.limit
        )
        minutes = max(1, round(refusal.retry_after / 60))
        answer = make_response(
            problem(
                429,
                "Too many registrations",
                f"This address has started more registrations than allowed ({refusal.limit}). "
                f"Try again in about {minutes} minute{'s' if minutes != 1 else ''}.",
            )
        )
        answer.headers["Retry-After"] = str(refusal.retry_after)
        return answer
    try:
        outcome = container().registrar.register(
            request.args.get("openid_configuration", ""),
            request.args.get("registration_token", ""),
        )
    except RegistrationError as error:
        current_app.logger.info("LTI dynamic registration refused: %s", error.message)
        return problem(error.status, "Registration failed", error.message, error.problems)
    current_app.logger.info(
        "LTI dynamic registration: %s, client_id %s",
        outcome.registration.issuer,
        outcome.registration.client_id,
    )
    return render_template("lti/registered.html", outcome=outcome)
