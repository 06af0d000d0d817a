"""``GET /.well-known/jwks.json``: the tool's public keys, for platforms verifying our JWTs."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from lti_tool.lti.keys import ToolKeyService
from lti_tool.web.auth import container

bp = Blueprint("jwks", __name__)

MAX_AGE_SECONDS = 300


def tool_keys() -> ToolKeyService:
    """The process's :class:`ToolKeyService` (its loaded-key cache is shared by every request)."""
    return container().tool_keys


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """NEXT, ACTIVE and recently RETIRED public keys. On a fresh install the first key is made
    here, so a platform never caches an empty key set."""
    service = tool_keys()
    key_set = service.jwks()
    if not key_set["keys"]:
        service.ensure_signing_key()
        key_set = service.jwks()
    response = Response(json.dumps(key_set), mimetype="application/json")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
    return response
