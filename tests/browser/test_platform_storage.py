"""LTI Platform Storage in Chromium: the tool in an iframe of a fake LMS page that has a
``post_message_forwarding`` storage frame (as Canvas does). The LMS's launch POST reaches the
tool without cookies, as from a browser blocking third-party cookies; the launch still succeeds
through ``lti.put_data`` / ``lti.get_data``, and a storage frame that forgets the state makes it
fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page

from lti_tool.bootstrap import Container
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.storage_platform import (
    CLIENT,
    TARGET,
    ServedTool,
    StoragePlatform,
    serve_tool,
)
from tests.fakes.lms_tokens import ROLE_LEARNER

pytestmark = pytest.mark.browser

FLOW_MS = 20_000
"""The whole flow (two pages of the tool, the platform's auth, up to 3 s waiting for a storage
frame that is still loading) on a machine shared with other test runs."""


@pytest.fixture
def lms() -> Iterator[StoragePlatform]:
    with StoragePlatform() as platform:
        yield platform


@pytest.fixture
def served(database_url: str, tmp_path: Path, lms: StoragePlatform) -> Iterator[ServedTool]:
    with serve_tool(lms, database_url, tmp_path / "instance") as tool:
        yield tool


@pytest.fixture
def tool(served: ServedTool) -> str:
    return served.url


@pytest.fixture
def built(served: ServedTool) -> dict[str, Container]:
    return {"container": served.container}


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
    browser: Browser,
    lms: StoragePlatform,
    tool: str,
    built: dict[str, Container],
    served: ServedTool,
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
    (posted,) = [s for s in served.side.seen if (s.method, s.path) == ("POST", "/lti/launch")]
    assert posted.cookies == frozenset()
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
