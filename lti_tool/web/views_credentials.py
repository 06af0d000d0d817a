"""Public Open Badges pages: issuers, their keys and revocation lists, achievements, credentials.

Anyone may read these (that is what makes a credential verifiable). JSON-LD or HTML is chosen by
content negotiation; downloads have their own suffixes: ``.json``, ``.jwt``, ``.png``, ``.svg``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from lti_tool.domain.errors import NotFoundError
from lti_tool.web.auth import container

bp = Blueprint("credentials", __name__)

JSON_LD = "application/ld+json"
MAX_AGE = 300
DOWNLOADS = {".json", ".jwt", ".png", ".svg"}


def wants_html() -> bool:
    best = request.accept_mimetypes.best_match([JSON_LD, "application/json", "text/html"])
    return best == "text/html"


def json_ld(document: dict[str, Any], *, cache: bool = True) -> Response:
    response = Response(json.dumps(document, indent=2), mimetype=JSON_LD)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Vary"] = "Accept"
    if cache:
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def download(body: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/issuers/<issuer_id>")
def issuer(issuer_id: str) -> Any:
    document = container().credentials.issuer_document(issuer_id)
    if wants_html():
        return render_template("public/issuer.html", issuer=document)
    return json_ld(document)


@bp.get("/issuers/<issuer_id>/keys/<key_id>")
def issuer_key(issuer_id: str, key_id: str) -> Any:
    for method in container().credentials.issuer_document(issuer_id)["verificationMethod"]:
        if method["id"].rsplit("/", 1)[-1] == key_id:
            return json_ld(method)
    raise NotFoundError("That issuer has no key with that id.")


@bp.get("/issuers/<issuer_id>/revocations")
def revocations(issuer_id: str) -> Any:
    response = json_ld(container().credentials.revocation_list(issuer_id), cache=False)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/achievements/<achievement_id>")
def achievement(achievement_id: str) -> Any:
    document = container().credentials.achievement_document(achievement_id)
    if wants_html():
        return render_template("public/achievement.html", achievement=document)
    return json_ld(document)


@bp.get("/achievements/<achievement_id>/image.svg")
def achievement_image(achievement_id: str) -> Any:
    document = container().credentials.achievement_document(achievement_id)
    image = container().badge_baker.badge_image(
        str(document["name"]), str(document["creator"]["name"]), "image/svg+xml"
    )
    response = Response(image, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@bp.get("/credentials/<name>")
def credential(name: str) -> Any:
    stem, dot, suffix = name.rpartition(".")
    extension = f".{suffix}" if dot and f".{suffix}" in DOWNLOADS else ""
    credential_id = stem if extension else name
    services = container()
    issued = services.credentials.get(credential_id)
    if extension == ".jwt":
        return download(issued.jwt, "application/jwt", f"{issued.id}.jwt")
    if extension == ".json":
        return download(json.dumps(issued.document, indent=2), JSON_LD, f"{issued.id}.json")
    if extension in {".png", ".svg"}:
        media_type = "image/png" if extension == ".png" else "image/svg+xml"
        issuer_name = str(issued.document["issuer"]["name"])
        image = services.badge_baker.badge_image(issued.title, issuer_name, media_type)
        payload = json.dumps(issued.document) if extension == ".png" else issued.jwt
        baked = services.badge_baker.bake(image, media_type, payload)
        return download(baked, media_type, f"{issued.id}{extension}")
    if wants_html():
        report = services.verification.verify_document(issued.document)
        return render_template("public/credential.html", issued=issued, report=report)
    return json_ld(issued.document, cache=False)


@bp.get("/submissions/<submission_id>/evidence")
def evidence(submission_id: str) -> Any:
    """The evidence link in a credential: the educator's own submission page, which refuses
    everyone else. Strangers are told the evidence is private rather than sent to sign in."""
    if g.get("actor") is None:
        abort(401, "The evidence behind a credential is private to the educator who earned it.")
    return redirect(url_for("teacher.submission", submission_id=submission_id))


@bp.get("/ob2/assertions/<credential_id>")
def ob2_assertion(credential_id: str) -> Any:
    """Open Badges 2.0 hosted Assertion (revoked ones say ``revoked: true``)."""
    return json_ld(container().credentials.ob2_assertion(credential_id), cache=False)


@bp.get("/ob2/issuers/<issuer_id>/badges/<achievement_id>")
def ob2_badge_class(issuer_id: str, achievement_id: str) -> Any:
    return json_ld(container().credentials.ob2_badge_class(issuer_id, achievement_id))


@bp.get("/ob2/issuers/<issuer_id>")
def ob2_issuer(issuer_id: str) -> Any:
    services = container()
    return json_ld(services.credentials.ob2_issuer(issuer_id, services.settings.mail.sender))
