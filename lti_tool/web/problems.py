"""Errors as pages a person can act on, or RFC 9457 problem details for scripts."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.is_json or best == "application/json"


def problem(status: int, title: str, detail: str, problems: list[str] | None = None) -> Any:
    """An error as problem details for scripts, or a page that says what to do next."""
    if wants_json():
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
        }
        if problems:
            body["problems"] = problems
        response = jsonify(body)
        response.status_code = status
        response.content_type = "application/problem+json"
        return response
    return render_template(
        "error.html", status=status, title=title, detail=detail, problems=problems or []
    ), status
