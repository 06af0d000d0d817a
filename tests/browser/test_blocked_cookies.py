"""The teacher's whole flow in the LMS iframe of a Chromium that blocks third-party cookies.

The tool is served over https on 127.0.0.1 (a self-signed certificate made here), so its cookies
are ``SameSite=None; Secure; Partitioned``; the fake Canvas course page is ``http://localhost``,
another site. The browser profile blocks third-party cookies (``profile.cookie_controls_mode``
= 1, what "Block third-party cookies" in chrome://settings/cookies stores), and a probe checks
that first: a cookie the tool's site sets inside the frame comes back only if partitioned. Then
the teacher launches in the frame, opens the catalog, starts a credential, uploads files, writes
reflections and submits, all on the partitioned session cookie. The launch is bound by the
partitioned login cookie, or, when the launch POST carries no cookie at all, goes through LTI
Platform Storage (both are run)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, Route, expect

from lti_tool.demo_files import sample_file
from lti_tool.domain.catalog import EvidenceKind
from lti_tool.domain.lifecycle import SubmissionState
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.browser.storage_platform import (
    CLIENT,
    PROBE,
    TARGET,
    ServedTool,
    StoragePlatform,
    serve_tool,
)
from tests.browser.tls import self_signed_context
from tests.browser.world import autosave, upload_evidence
from tests.fakes.lms_tokens import ROLE_LEARNER

pytestmark = pytest.mark.browser

SLUG = "hinge-questions"
TITLE = "Checking Understanding with Hinge Questions"
FLOW_MS = 20_000
SESSION = "credbridge_session"
BLOCK_THIRD_PARTY = {"profile": {"cookie_controls_mode": 1}}


@pytest.fixture
def lms() -> Iterator[StoragePlatform]:
    with StoragePlatform() as platform:
        yield platform


@pytest.fixture
def served(database_url: str, tmp_path: Path, lms: StoragePlatform) -> Iterator[ServedTool]:
    tls = self_signed_context(tmp_path / "tls")
    with serve_tool(lms, database_url, tmp_path / "instance", tls) as tool:
        yield tool


@pytest.fixture
def blocking(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """Chromium with a fresh profile whose settings block third-party cookies. A persistent
    profile (not ``new_context``) so the setting is the profile's own, not a default."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(BLOCK_THIRD_PARTY))
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, ignore_https_errors=True,
        viewport={"width": 1280, "height": 900},
    )  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def framed_text(page: Page, lms: StoragePlatform, url: str) -> str:
    """Open the course page with ``url`` in its tool frame; the frame's text."""
    lms.login_query = url
    page.goto(f"{lms.base_url}/course")
    frame = page.frame(name="tool")
    assert frame is not None
    frame.wait_for_load_state()
    return frame.inner_text("body").strip()


def submit_for_review(page: Page, served: ServedTool) -> list[str]:
    """Start the credential, fill every required item, submit; the uploaded file names."""
    frame = page.frame_locator("iframe[name=tool]")
    frame.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    frame.get_by_role("link", name=TITLE).click()
    frame.get_by_role("button", name="Start this micro-credential").click()
    expect(frame.get_by_role("heading", level=1)).to_have_text(TITLE)
    uploaded = []
    for section in served.container.catalog.credential(SLUG)[1].definition.sections:
        for req in section.evidence:
            field = f"#f-{section.key}-{req.key}"
            if req.kind is EvidenceKind.FILE:
                name, data = sample_file(req.accepts[0], f"{section.title} {req.label}")
                upload_evidence(page, frame, field, name, data, FLOW_MS)
                uploaded.append(name)
            elif req.kind is EvidenceKind.REFLECTION:
                autosave(frame, field, f"My reflection on {section.title}: what my students did.")
    frame.get_by_role("button", name="Submit for review").click()
    expect(frame.get_by_text("Submitted. An assessor will review it")).to_be_visible()
    return uploaded


def lose_cookies_before_the_launch(context: BrowserContext, lms: StoragePlatform) -> None:
    """Drop every cookie of the tool's site while the LMS authorizes, so the launch POST
    arrives with none, as from a browser that kept nothing from the login."""

    def forget(route: Route) -> None:
        context.clear_cookies(domain="127.0.0.1")
        route.continue_()

    context.route(f"{lms.auth_url}*", forget)


@pytest.mark.parametrize("path", ["cookie", "storage"])
def test_the_teacher_flow_with_third_party_cookies_blocked(
    blocking: BrowserContext, lms: StoragePlatform, served: ServedTool, path: str
) -> None:
    """``cookie``: the partitioned login cookie survives the blocking, so the launch needs no
    platform storage. ``storage``: the launch POST comes without any cookie and goes through
    platform storage, whose answer sets the partitioned session cookie."""
    page = blocking.pages[0] if blocking.pages else blocking.new_page()
    framed_text(page, lms, served.url + PROBE + "set")
    # Blocked for real: the unpartitioned cookie is not kept, the partitioned one is.
    assert framed_text(page, lms, served.url + PROBE + "echo") == "probe-partitioned"
    if path == "storage":
        lose_cookies_before_the_launch(blocking, lms)

    params = {
        **lms.login_params(CLIENT, roles=(ROLE_LEARNER,), sub="teacher-7", name="Tomas Reyes"),
        "lti_storage_target": TARGET,
    }
    lms.login_query = f"{served.url}/lti/login?{urlencode(params)}"
    page.goto(f"{lms.base_url}/course")
    navigation = page.frame_locator("iframe[name=tool]").get_by_role("navigation", name="Main")
    navigation.wait_for(timeout=FLOW_MS)
    uploaded = submit_for_review(page, served)

    seen = served.side.seen
    (launch,) = [s for s in seen if (s.method, s.path) == ("POST", "/lti/launch")]
    after = seen[seen.index(launch) + 1 :]
    storage = [s for s in after if s.path == "/lti/launch/storage"]
    if path == "cookie":
        assert any(name.startswith("credbridge-lti-") for name in launch.cookies), launch
        assert storage == []
    else:
        assert launch.cookies == frozenset()
        assert [s.method for s in storage] == ["POST"]
    posts = [s for s in after if s.method == "POST" and not s.path.startswith("/lti/")]
    assert len(posts) >= len(uploaded) + 3  # start, uploads, autosaves, submit
    assert all(SESSION in s.cookies for s in posts), posts
    jar = {c["name"]: c for c in blocking.cookies(served.url)}
    assert jar[SESSION].get("partitionKey"), jar[SESSION]  # the session lives in the partition

    container = served.container
    with container.uow_factory() as uow:
        (teacher,) = uow.people.people(limit=10)
    actor = container.people.actor(teacher.id)
    mine = container.submissions.mine(actor)
    assert [(s.state, v.slug) for s, v in mine] == [(SubmissionState.SUBMITTED, SLUG)]
    workspace = container.submissions.workspace(actor, mine[0][0].id)
    assert sorted(e.filename for e in workspace.evidence) == sorted(uploaded)
