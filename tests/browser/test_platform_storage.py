"""LTI Platform Storage in Chromium: the tool in an iframe of a fake LMS page that has a
``post_message_forwarding`` storage frame (as Canvas does). The LMS's launch POST reaches the
tool without cookies, as from a browser blocking third-party cookies; the launch still succeeds
through ``lti.put_data`` / ``lti.get_data``, and a storage frame that forgets the state makes it
fail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from lti_tool.bootstrap import Container, build
from lti_tool.web.app import create_app
from tests.browser.conftest import TIMEOUT_MS
from tests.fakes.lms import FakePlatform
from tests.fakes.lms_tokens import ROLE_LEARNER
from tests.lti.live import live_tool
from tests.web.conftest import make_settings

pytestmark = pytest.mark.browser

CLIENT = "canvas-client"
DEPLOYMENT = "dep-1"
TARGET = "post_message_forwarding"
FLOW_MS = 20_000
"""The whole flow (two pages of the tool, the platform's auth, up to 3 s waiting for a storage
frame that is still loading) on a machine shared with other test runs."""

LMS_PAGE = """<!doctype html><html><body>
<h1>Fake Canvas course</h1>
<iframe name="%(target)s" src="/storage_frame" style="display:none"></iframe>
<iframe name="tool" src="%(login)s" width="800" height="600"></iframe>
<script>
window.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.subject === "lti.capabilities") {
    event.source.postMessage({subject: "lti.capabilities.response", message_id: data.message_id,
      supported_messages: [{subject: "lti.put_data", frame: "%(target)s"},
                           {subject: "lti.get_data", frame: "%(target)s"}]}, event.origin);
  }
});
</script></body></html>"""

STORAGE_FRAME = """<!doctype html><html><body><script>
var store = {};
var forget = %(forget)s;
window.addEventListener("message", function (event) {
  var data = event.data || {};
  var key = event.origin + " " + data.key;
  if (data.subject === "lti.put_data") {
    if (!forget) { store[key] = data.value; }
    event.source.postMessage({subject: "lti.put_data.response", message_id: data.message_id,
      key: data.key, value: data.value}, event.origin);
  } else if (data.subject === "lti.get_data") {
    event.source.postMessage({subject: "lti.get_data.response", message_id: data.message_id,
      key: data.key, value: store[key]}, event.origin);
  }
});
</script></body></html>"""


class StoragePlatform(FakePlatform):
    """The fake LMS with a course page that frames the tool and a storage frame."""

    def __init__(self) -> None:
        super().__init__()
        self.storage_target = TARGET
        self.forget = False
        self.login_query = ""
        self._urls.add(Rule("/course", endpoint="course", methods=["GET"]))
        self._urls.add(Rule("/storage_frame", endpoint="storage_frame", methods=["GET"]))

    def start(self) -> StoragePlatform:
        """Serve the LMS as ``localhost``, the tool as ``127.0.0.1``: two sites, so the
        tool's (plain http, ``SameSite=Lax``) login cookie is not sent with the LMS's
        cross-site launch POST, as a browser blocking third-party cookies would not send it."""
        super().start()
        for name in ("base_url", "issuer", "jwks_url", "auth_url", "token_url"):
            setattr(self, name, getattr(self, name).replace("127.0.0.1", "localhost", 1))
        self.deep_link_return_url = self.base_url + "/deep_link_return"
        return self

    def _on_course(self, request: Request) -> Response:
        page = LMS_PAGE % {"target": TARGET, "login": self.login_query}
        return Response(page, content_type="text/html")

    def _on_storage_frame(self, request: Request) -> Response:
        page = STORAGE_FRAME % {"forget": json.dumps(self.forget)}
        return Response(page, content_type="text/html")


@pytest.fixture
def built(database_url: str, tmp_path: Path) -> Iterator[dict[str, Container]]:
    holder: dict[str, Container] = {}
    yield holder
    if "container" in holder:
        holder["container"].lti.http.close()
        holder["container"].engine.dispose()


@pytest.fixture
def lms() -> Iterator[StoragePlatform]:
    with StoragePlatform() as platform:
        yield platform


@pytest.fixture
def tool(
    built: dict[str, Container], database_url: str, tmp_path: Path, lms: StoragePlatform
) -> Iterator[str]:
    def make_app(url: str) -> Any:
        settings = make_settings(
            database_url, tmp_path / "instance", CREDBRIDGE_DEMO="0", CREDBRIDGE_BASE_URL=url
        )
        container = built["container"] = build(settings)
        container.platforms.register(
            name="Fake Canvas", issuer=lms.issuer, client_id=CLIENT,
            auth_login_url=lms.auth_url, auth_token_url=lms.token_url,
            key_set_url=lms.jwks_url, deployment_ids=(DEPLOYMENT,),
        )  # fmt: skip
        lms.register_tool(
            CLIENT, DEPLOYMENT, f"{url}/lti/login", [f"{url}/lti/launch"],
            f"{url}/.well-known/jwks.json",
        )  # fmt: skip
        return create_app(container=container)

    with live_tool(make_app) as url:
        yield url


def _open_course(
    browser: Browser, lms: StoragePlatform, tool: str
) -> tuple[Page, list[tuple[str, int]]]:
    params = {
        **lms.login_params(CLIENT, roles=(ROLE_LEARNER,), sub="learner-9", name="Lena Ortiz"),
        "lti_storage_target": TARGET,
    }
    lms.login_query = f"{tool}/lti/login?{urlencode(params)}"
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    seen: list[tuple[str, int]] = []
    page.on("response", lambda response: seen.append((response.url, response.status)))
    page.goto(f"{lms.base_url}/course")
    return page, seen


def _people(built: dict[str, Container]) -> list[str]:
    with built["container"].uow_factory() as uow:
        return [person.display_name for person in uow.people.people(limit=10)]


def test_the_launch_goes_through_platform_storage(
    browser: Browser, lms: StoragePlatform, tool: str, built: dict[str, Container]
) -> None:
    page, seen = _open_course(browser, lms, tool)
    with page.expect_response(f"{tool}/lti/launch/storage", timeout=FLOW_MS) as answer:
        pass
    assert answer.value.status == 200
    for _ in range(50):  # our page follows the answer's location (the tool's home page)
        if any(url == f"{tool}/" for url, _ in seen):
            break
        page.wait_for_timeout(100)
    # Plain http here, so the session cookie is SameSite=Lax and this cross-site frame drops
    # it: the home page answers 401. Over https it is SameSite=None; Partitioned.
    assert any(url == f"{tool}/" for url, _ in seen)
    launch = [status for url, status in seen if url == f"{tool}/lti/launch"]
    assert launch == [200]  # no cookie came with the LMS's POST: the storage page answered
    assert _people(built) == ["Lena Ortiz"]
    page.context.close()


def test_a_storage_frame_without_the_state_refuses_the_launch(
    browser: Browser, lms: StoragePlatform, tool: str, built: dict[str, Container]
) -> None:
    lms.forget = True
    page, seen = _open_course(browser, lms, tool)
    frame = page.frame_locator("iframe[name=tool]")
    frame.get_by_text("not started in this browser").wait_for(timeout=FLOW_MS)
    assert not [url for url, _ in seen if url.endswith("/lti/launch/storage")]
    assert _people(built) == []
    page.context.close()
