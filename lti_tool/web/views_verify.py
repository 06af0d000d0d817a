"""``/verify`` for people and ``POST /api/verify`` for programs: same checks, same words."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request

from lti_tool.domain.badges import Check, VerificationReport, VerificationStatus
from lti_tool.web.auth import container

bp = Blueprint("verify", __name__)
api = Blueprint("verify_api", __name__)

MAX_IMAGE_BYTES = 5 * 1024 * 1024


def _from_request() -> VerificationReport | None:
    """Read whichever input was given: an uploaded image, else pasted text or a JSON body."""
    service = container().verification
    upload = request.files.get("image")
    if upload is not None and upload.filename:
        data = upload.stream.read(MAX_IMAGE_BYTES + 1)
        if len(data) > MAX_IMAGE_BYTES:
            return VerificationReport(
                VerificationStatus.UNREADABLE,
                (Check("read", False, "the image is larger than 5 MB; no badge is that big"),),
            )
        return service.verify_image(data)
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and "credential" in body:
            value = body["credential"]
            return (
                service.verify_document(value)
                if isinstance(value, dict)
                else service.verify_text(str(value))
            )
        if isinstance(body, dict):
            return service.verify_document(body)
        return None
    text = request.form.get("credential")
    if text is None and request.mimetype in {"text/plain", "application/jwt"}:
        text = request.get_data(as_text=True)
    return None if text is None else service.verify_text(text)


@bp.get("/verify")
def form() -> Any:
    return render_template("public/verify.html", report=None, given="")


@bp.post("/verify")
def check() -> Any:
    report = _from_request()
    given = request.form.get("credential", "")
    if report is None:
        return render_template(
            "public/verify.html", report=None, given=given,
            problem="Paste a credential, a JWT or a URL, or choose a baked badge image.",
        ), 422  # fmt: skip
    return render_template("public/verify.html", report=report, given=given)


@api.post("/api/verify")
def check_json() -> Any:
    """Body: the credential JSON, ``{"credential": JSON or JWT or URL}``, a JWT as text, or a
    multipart ``image``. Answers 200 with the report whatever the verdict; 400 for no input."""
    report = _from_request()
    if report is None:
        return jsonify(
            {
                "type": "about:blank",
                "title": "Nothing to verify",
                "status": 400,
                "detail": 'Send the credential JSON, {"credential": ...}, a JWT as text/plain, '
                "or a multipart image field.",
            }
        ), 400
    return jsonify(report.to_json())
