"""``/healthz`` for load balancers and uptime checks."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from lti_tool.web.auth import container

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    if container().database_ok():
        return jsonify({"status": "ok", "database": "ok"})
    return jsonify({"status": "unavailable", "database": "unreachable"}), 503
