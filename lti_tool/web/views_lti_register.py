"""``/lti/register``: LTI Dynamic Registration, opened by the LMS in a window or iframe.

GET only, and nothing here trusts the caller: the URLs it is given are checked and fetched by
:class:`~lti_tool.lti.registration.DynamicRegistrar`, and what it stores waits for an admin.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from lti_tool.lti.registration import RegistrationError
from lti_tool.web.auth import container
from lti_tool.web.problems import problem

bp = Blueprint("lti_register", __name__, url_prefix="/lti")


@bp.get("/register")
def register() -> Any:
    """Register with the platform named by ``openid_configuration``; answer with a page that
    tells the LMS to close it (``org.imsglobal.lti.close``)."""
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
