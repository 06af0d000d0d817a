"""Deep linking: an instructor picks credentials (or a whole stack) to place in their course.

Separate from the ``/lti`` blueprint because this form is ours and keeps CSRF protection.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, make_response, render_template, request, session

from lti_tool.domain.errors import PermissionDeniedError, ValidationError
from lti_tool.domain.roles import Role
from lti_tool.lti.deep_linking import DeepLinkRequest, LinkChoice
from lti_tool.web.auth import container, requires

bp = Blueprint("deep_link", __name__, url_prefix="/lti/deep-link")
SESSION_KEY = "deep_link"


def _pending() -> DeepLinkRequest:
    stored = session.get(SESSION_KEY)
    if not stored:
        raise PermissionDeniedError(
            "There is no content selection in progress. Start it again from your course's "
            "'add external tool' menu."
        )
    return DeepLinkRequest.from_session(stored)


@bp.get("")
@requires(Role.ASSESSOR, Role.ADMIN)
def choose() -> Any:
    pending = _pending()
    return render_template(
        "lti/deep_link.html", stacks=container().catalog.browse(), pending=pending, problems=[]
    )


@bp.post("")
@requires(Role.ASSESSOR, Role.ADMIN)
def respond() -> Any:
    pending = _pending()
    stacks = container().catalog.browse()
    chosen = set(request.form.getlist("credential"))
    whole = set(request.form.getlist("stack"))
    choices: list[LinkChoice] = []
    for view in stacks:
        if view.stack.slug in whole:  # one link, one gradebook column, for the whole stack
            text = view.stack.description or f"{len(view.credentials)} credentials"
            choices.append(LinkChoice(view.stack.slug, view.stack.title, text, kind="stack"))
        choices += [
            LinkChoice(
                version.slug,
                version.definition.title,
                version.definition.summary or version.definition.competency,
            )
            for version in view.credentials
            if version.slug in chosen
        ]
    cancelled = request.form.get("action") == "cancel"
    if not choices and not cancelled:
        return render_template(
            "lti/deep_link.html",
            stacks=stacks,
            pending=pending,
            problems=["Choose at least one credential or stack."],
        ), 422
    try:
        token = container().deep_links.respond(pending, [] if cancelled else choices)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    session.pop(SESSION_KEY, None)
    response = make_response(
        render_template(
            "lti/deep_link_return.html",
            return_url=pending.return_url,
            token=token,
            count=0 if cancelled else len(choices),
        )
    )
    parts = urlsplit(pending.return_url)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
        f"base-uri 'self'; form-action 'self' {parts.scheme}://{parts.netloc}; frame-ancestors *"
    )
    return response
