"""Deep Linking 2.0 round trip: the platform asks, an instructor picks, the platform verifies."""

from __future__ import annotations

import re

import jwt
import requests
from flask.testing import FlaskClient

from lti_tool.bootstrap import Container
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import ROLE_INSTRUCTOR, ROLE_LEARNER, FlaskToolClient
from tests.lti.conftest import BASE, CLIENT, DEPLOYMENT
from tests.web.conftest import DEMO_CATALOG

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
RETURN_FORM = re.compile(
    r'<form method="post" action="([^"]+)" data-autosubmit>\s*'
    r'<input type="hidden" name="JWT" value="([^"]+)">'
)


def start_deep_link(tool: FlaskToolClient, lms: FakePlatform, container: Container) -> FlaskClient:
    container.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    result = lms.launch(
        tool, CLIENT, message_type="LtiDeepLinkingRequest", roles=(ROLE_INSTRUCTOR,)
    )
    assert result.response.status_code == 302, result.response.get_data(as_text=True)
    assert result.response.headers["Location"].endswith("/lti/deep-link")
    return tool.client


def test_an_instructor_places_credentials_and_the_platform_verifies_them(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    client = start_deep_link(tool, lms, container)
    page = client.get(f"{BASE}/lti/deep-link")
    assert page.status_code == 200 and "The whole stack" in page.get_data(as_text=True)
    token = TOKEN.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    answer = client.post(
        f"{BASE}/lti/deep-link",
        data={
            "csrf_token": token,
            "credential": "hinge-questions",
            "stack": "classroom-discourse",
            "action": "add",
        },
    )
    assert answer.status_code == 200
    assert f"form-action 'self' {lms.base_url}" in answer.headers["Content-Security-Policy"]
    action, response_jwt = RETURN_FORM.search(answer.get_data(as_text=True)).groups()  # type: ignore[union-attr]
    assert action == lms.deep_link_return_url

    verified = requests.post(action, data={"JWT": response_jwt}, timeout=10)
    assert verified.status_code == 200, verified.text
    claims = lms.deep_link_responses[-1].body
    items = claims[DL + "content_items"]
    # The whole stack is one link (and one gradebook column); a credential is one of its own.
    placed = {(*item["custom"].items(), item["lineItem"]["resourceId"]) for item in items}
    assert placed == {
        (("credential", "hinge-questions"), "hinge-questions"),
        (("stack", "classroom-discourse"), "stack-classroom-discourse"),
    }
    assert len(items) == 2
    assert {item["lineItem"]["tag"] for item in items} == {
        "credbridge-credential",
        "credbridge-stack",
    }
    assert all(
        item["type"] == "ltiResourceLink" and item["url"] == f"{BASE}/lti/launch" for item in items
    )
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == DEPLOYMENT
    header = jwt.get_unverified_header(response_jwt)
    assert header["kid"] in {key["kid"] for key in container.tool_keys.jwks()["keys"]}
    # The choice is used up: going back does not sign a second response.
    assert client.get(f"{BASE}/lti/deep-link").status_code == 403


def test_a_placed_link_opens_its_credential(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    container.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    result = lms.launch(tool, CLIENT, roles=(ROLE_LEARNER,), custom={"credential": "talk-moves"})
    assert result.response.headers["Location"].endswith("/catalog/talk-moves")
    stack = lms.launch(tool, CLIENT, roles=(ROLE_LEARNER,), custom={"stack": "classroom-discourse"})
    assert stack.response.headers["Location"].endswith("/catalog#stack-classroom-discourse")


def test_learners_cannot_place_content(tool: FlaskToolClient, lms: FakePlatform) -> None:
    result = lms.launch(tool, CLIENT, message_type="LtiDeepLinkingRequest", roles=(ROLE_LEARNER,))
    assert result.response.status_code == 403
    assert "instructor" in result.response.get_data(as_text=True)


def test_choosing_nothing_is_a_located_error_and_cancel_returns_empty(
    tool: FlaskToolClient, lms: FakePlatform, container: Container
) -> None:
    client = start_deep_link(tool, lms, container)
    token = TOKEN.search(client.get(f"{BASE}/lti/deep-link").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    empty = client.post(f"{BASE}/lti/deep-link", data={"csrf_token": token, "action": "add"})
    assert empty.status_code == 422 and "Choose at least one" in empty.get_data(as_text=True)
    cancelled = client.post(f"{BASE}/lti/deep-link", data={"csrf_token": token, "action": "cancel"})
    _, response_jwt = RETURN_FORM.search(cancelled.get_data(as_text=True)).groups()  # type: ignore[union-attr]
    verified = requests.post(lms.deep_link_return_url, data={"JWT": response_jwt}, timeout=10)
    assert verified.status_code == 200
    assert lms.deep_link_responses[-1].body[DL + "content_items"] == []
