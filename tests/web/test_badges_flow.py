"""An award becomes a signed Open Badge that strangers can verify: the whole way, over HTTP.

Proofs are checked twice: by our verifier through ``/api/verify`` and by an independent path
(tests/badges/independent_verifier.py for the Data Integrity proof, bare PyJWT for the VC-JWT)
using only the public keys the tool publishes.
"""

from __future__ import annotations

import base64
import copy
import email
import email.policy
import hashlib
import io
import json
from email.message import EmailMessage
from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient

from lti_tool.badges.multikey import multikey_to_public_key
from lti_tool.bootstrap import Container
from lti_tool.domain.badges import IssuedCredential
from lti_tool.ports import AuditFilter
from tests.badges.independent_verifier import verify_independently as independent_verify
from tests.web.conftest import District
from tests.web.http import post, sign_in
from tests.web.test_flows import SINGLE, decide, review, submit_new

BASE = "http://127.0.0.1:8000"


def award(
    client: FlaskClient, container: Container, district: District, slug: str = SINGLE
) -> IssuedCredential:
    submission_id = submit_new(client, container, district.teacher, slug)
    review(client, container, district.assessor, submission_id, slug, "award")
    decide(client, district.issuer, submission_id, "award")
    report = container.worker.drain()
    assert report.delivered >= 1, report
    with container.uow_factory() as uow:
        award_row = uow.awards.for_submission(submission_id)
        assert award_row is not None
        issued = uow.credentials.for_award(award_row.id)
    assert issued is not None
    return issued


def api_verify(client: FlaskClient, body: Any) -> dict[str, Any]:
    if isinstance(body, str):
        response = client.post("/api/verify", data=body, content_type="text/plain")
    else:
        response = client.post("/api/verify", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return dict(response.get_json())


def fetch_json(client: FlaskClient, url: str) -> dict[str, Any]:
    response = client.get(url.removeprefix(BASE), headers={"Accept": "application/ld+json"})
    assert response.status_code == 200, url
    return dict(json.loads(response.get_data(as_text=True)))


def failed(report: dict[str, Any]) -> list[str]:
    return [check["name"] for check in report["checks"] if not check["passed"]]


def test_an_award_is_issued_once_with_two_proofs_anyone_can_verify(
    client: FlaskClient, container: Container, district: District
) -> None:
    issued = award(client, container, district)
    assert container.worker.drain().delivered == 0  # nothing issued twice
    document = issued.document

    # The published credential is what was stored; the verifier says valid.
    assert fetch_json(client, document["id"]) == document
    report = api_verify(client, document)
    assert report["status"] == "valid", report
    assert api_verify(client, issued.jwt)["status"] == "valid"
    assert api_verify(client, document["id"])["status"] == "valid"

    # Independent path 1: the Data Integrity proof, with the key the issuer publishes.
    method = fetch_json(client, document["proof"]["verificationMethod"])
    assert method["type"] == "Multikey" and method["controller"] == document["issuer"]["id"]
    public = multikey_to_public_key(method["publicKeyMultibase"])
    assert independent_verify(document, public) is True
    issuer = fetch_json(client, document["issuer"]["id"])
    assert document["proof"]["verificationMethod"] in issuer["assertionMethod"]

    # Independent path 2: the VC-JWT with bare PyJWT and the key its kid points at.
    kid = jwt.get_unverified_header(issued.jwt)["kid"]
    jwk = fetch_json(client, kid)["publicKeyJwk"]
    claims = jwt.decode(
        issued.jwt, jwt.PyJWK(jwk).key, algorithms=["RS256"], options={"verify_aud": False}
    )
    assert claims["iss"] == document["issuer"]["id"] and claims["jti"] == document["id"]

    # The recipient is a salted hash of their email: with the stored salt the holder proves it.
    with container.uow_factory() as uow:
        address = uow.people.person(district.teacher).email or ""
    identifier = document["credentialSubject"]["identifier"][0]
    digest = hashlib.sha256((address.lower() + issued.recipient_salt).encode()).hexdigest()
    assert identifier["identityHash"] == f"sha256${digest}"
    assert address and address not in json.dumps(document)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "achievement", "name"), "A credential never earned"),
        (("validFrom",), "2020-01-01T00:00:00Z"),
        (("issuer", "name"), "Someone Else"),
        (("proof", "created"), "2030-01-01T00:00:00Z"),
        (("credentialSubject", "identifier", 0, "identityHash"), "sha256$00"),
    ],
)
def test_tampering_with_any_field_fails_and_says_which_check(
    client: FlaskClient,
    container: Container,
    district: District,
    path: tuple[Any, ...],
    value: str,
) -> None:
    issued = award(client, container, district)
    tampered = copy.deepcopy(issued.document)
    target: Any = tampered
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    report = api_verify(client, tampered)
    assert report["status"] == "tampered"
    assert "Data Integrity proof (eddsa-rdfc-2022)" in failed(report)
    method = fetch_json(client, issued.document["proof"]["verificationMethod"])
    assert (
        independent_verify(tampered, multikey_to_public_key(method["publicKeyMultibase"])) is False
    )
    header, payload, signature = issued.jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["name"] = "A credential never earned"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    jwt_report = api_verify(client, f"{header}.{forged_payload}.{signature}")
    assert jwt_report["status"] == "tampered"
    assert "VC-JWT signature and claims (RS256)" in failed(jwt_report)


def test_a_revoked_credential_reports_revoked_with_the_reason_and_is_audited(
    client: FlaskClient, container: Container, district: District
) -> None:
    issued = award(client, container, district)
    sign_in(client, district.teacher)
    assert post(client, f"/issued/{issued.id}/revoke", reason="x").status_code == 403
    sign_in(client, district.issuer)
    assert post(client, f"/issued/{issued.id}/revoke", reason="").status_code == 302  # refused
    assert api_verify(client, issued.document)["status"] == "valid"
    response = post(client, f"/issued/{issued.id}/revoke", reason="Evidence was plagiarised")
    assert response.status_code == 302
    report = api_verify(client, issued.document)
    assert report["status"] == "revoked" and failed(report) == ["revocation"]
    assert "plagiarised" in json.dumps(report["checks"])
    assert api_verify(client, issued.jwt)["status"] == "revoked"
    listed = fetch_json(client, issued.document["credentialStatus"]["id"])
    assert listed["revokedCredentials"] == [
        {"id": issued.document["id"], "revocationReason": "Evidence was plagiarised"}
    ]
    with container.uow_factory() as uow:
        trail = uow.audit.page(AuditFilter(entity_type="credential", entity_id=issued.id), 10, 0)
    assert [entry.action for entry in trail] == ["revoke", "issue"]
    assert trail[0].actor_id == district.issuer


def test_rotating_issuer_keys_keeps_earlier_credentials_valid(
    client: FlaskClient, container: Container, district: District
) -> None:
    first = award(client, container, district)
    container.proofs.rotate(first.issuer_id, container.clock.now())
    second = award(client, container, district, slug="purposeful-wait-time")
    assert (
        first.document["proof"]["verificationMethod"]
        != second.document["proof"]["verificationMethod"]
    )
    for issued in (first, second):
        assert api_verify(client, issued.document)["status"] == "valid"
        assert api_verify(client, issued.jwt)["status"] == "valid"
    published = fetch_json(client, first.document["issuer"]["id"])["verificationMethod"]
    assert len(published) == 4  # two kinds, before and after the rotation


def test_baked_png_and_svg_carry_the_credential_to_the_verifier(
    client: FlaskClient, container: Container, district: District
) -> None:
    issued = award(client, container, district)
    for suffix, media_type in ((".png", "image/png"), (".svg", "image/svg+xml")):
        image = client.get(f"/credentials/{issued.id}{suffix}")
        assert image.status_code == 200 and image.mimetype == media_type
        assert container.badge_baker.unbake(image.data)
        response = client.post(
            "/api/verify",
            data={"image": (io.BytesIO(image.data), f"badge{suffix}")},
            content_type="multipart/form-data",
        )
        assert response.get_json()["status"] == "valid", response.get_json()


def test_the_public_pages_render_for_people_and_json_for_programs(
    client: FlaskClient, container: Container, district: District
) -> None:
    issued = award(client, container, district)
    html = {"Accept": "text/html"}
    page = client.get(f"/credentials/{issued.id}", headers=html).get_data(as_text=True)
    assert issued.title in page and "Valid" in page and "What was checked" in page
    issuer_page = client.get(f"/issuers/{issued.issuer_id}", headers=html).get_data(as_text=True)
    assert "Verification keys" in issuer_page
    achievement = client.get(f"/achievements/{issued.achievement_id}", headers=html)
    assert achievement.status_code == 200 and "Rubric" in achievement.get_data(as_text=True)
    assert (
        client.get(f"/achievements/{issued.achievement_id}/image.svg").mimetype == "image/svg+xml"
    )
    assert client.get("/credentials/no-such-id").status_code == 404
    verify_page = client.get("/verify").get_data(as_text=True)
    assert 'for="credential"' in verify_page and 'for="image"' in verify_page
    sign_in(client, district.teacher)
    token = (
        client.get("/verify")
        .get_data(as_text=True)
        .split('name="csrf_token" value="')[1]
        .split('"')[0]
    )
    result = client.post("/verify", data={"credential": issued.jwt, "csrf_token": token})
    assert result.status_code == 200 and "Every check passed" in result.get_data(as_text=True)
    garbage = client.post("/verify", data={"credential": "{not json", "csrf_token": token})
    assert "JSON error at line 1" in garbage.get_data(as_text=True)


def test_the_holder_shares_by_link_linkedin_and_email(
    client: FlaskClient, container: Container, district: District
) -> None:
    issued = award(client, container, district)
    sign_in(client, district.teacher)
    page = client.get("/me/credentials").get_data(as_text=True)
    assert issued.title in page and "linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in page
    assert (
        f"certUrl={BASE.replace(':', '%3A').replace('/', '%2F')}%2Fcredentials%2F{issued.id}"
        in page
    )
    assert (
        post(client, f"/me/credentials/{issued.id}/email", to="not-an-address").status_code == 302
    )
    assert (
        post(
            client,
            f"/me/credentials/{issued.id}/email",
            to="principal@elsewhere.example",
            note="For my file",
        ).status_code
        == 302
    )
    mail = list((container.settings.instance_path / "mail").glob("*.eml"))
    assert len(mail) == 1
    message = email.message_from_bytes(mail[0].read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_content()
    assert message["To"] == "principal@elsewhere.example"
    assert f"{BASE}/credentials/{issued.id}" in text and "For my file" in text
    assert "Theodora" in text and "evidence" not in message["Subject"].lower()
    assert "principal@elsewhere.example" in client.get("/demo/mail").get_data(as_text=True)
    sign_in(client, district.other_teacher)
    assert post(client, f"/me/credentials/{issued.id}/email", to="x@y.example").status_code == 404
