"""A fake LMS course page that frames the tool, and sign-in through a real LTI 1.3 launch in
that iframe (no demo sign-in): OIDC login, the platform's signed id_token, the tool's session."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Page, expect
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from lti_tool.bootstrap import Container
from lti_tool.web.app import create_app
from tests.browser.conftest import TIMEOUT_MS
from tests.fakes.lms import FakePlatform
from tests.lti.live import demo_tool_for, live_tool
from tests.web.conftest import make_settings

MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png", "mp4": "video/mp4"}
CLIENT = "course-client"
DEPLOYMENT = "dep-course"
FRAME_WIDTH = 800
COURSE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Fake LMS course</title></head><body style="margin:0;font-family:sans-serif">
<h1 style="font-size:1rem;margin:.5rem">Fake LMS: PD course</h1>
<iframe name="tool" title="credbridge" src="%(login)s" width="%(width)d" height="%(height)d"
        style="border:1px solid #888"></iframe></body></html>"""


class CoursePlatform(FakePlatform):
    """The fake LMS with a course page whose iframe starts the tool's OIDC login."""

    def __init__(self) -> None:
        super().__init__()
        self._urls.add(Rule("/course", endpoint="course", methods=["GET"]))

    def _on_course(self, request: Request) -> Response:
        page = COURSE_PAGE % {
            "login": escape(request.args.get("login", ""), quote=True),
            "width": FRAME_WIDTH,
            "height": int(request.args.get("height", "900")),
        }
        return Response(page, content_type="text/html")


@dataclass
class World:
    """The tool at ``url`` over ``container``, registered with the fake LMS ``lms``."""

    url: str
    lms: CoursePlatform
    container: Container


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    holder: dict[str, Container] = {}
    with CoursePlatform() as lms:

        def make_app(url: str) -> Any:
            settings = make_settings(
                database_url, tmp_path / "instance", CREDBRIDGE_DEMO="0",
                CREDBRIDGE_BASE_URL=url, CREDBRIDGE_MAX_UPLOAD_BYTES=str(4 * 1024 * 1024),
            )  # fmt: skip
            container = holder["container"] = demo_tool_for(
                lms, settings, url, CLIENT, DEPLOYMENT, "Fake LMS"
            )
            return create_app(container=container)

        with live_tool(make_app) as url:
            yield World(url, lms, holder["container"])
        holder["container"].lti.http.close()
        holder["container"].engine.dispose()


@dataclass
class Visit:
    """A browser profile signed in through the LMS: the course page and the tool's frame."""

    context: BrowserContext
    page: Page
    frame: FrameLocator


def launch(
    browser: Browser, world: World, sub: str, name: str, roles: Sequence[str], height: int = 900
) -> Visit:
    """Open the LMS course page in a fresh profile; the iframe launches the tool as ``sub``."""
    context = browser.new_context(viewport={"width": 1280, "height": height + 60})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    params = world.lms.login_params(CLIENT, roles=tuple(roles), sub=sub, name=name)
    login = f"{world.url}/lti/login?{urlencode(params)}"
    page.goto(f"{world.lms.base_url}/course?{urlencode({'login': login, 'height': height})}")
    frame = page.frame_locator("iframe[name=tool]")
    frame.get_by_role("navigation", name="Main").wait_for(timeout=3 * TIMEOUT_MS)
    return Visit(context, page, frame)


def upload_evidence(
    page: Page, frame: FrameLocator, field: str, name: str, data: bytes, timeout: float
) -> None:
    """Upload ``name`` through the editor's form holding ``field`` (a CSS selector) and wait
    until the reloaded editor lists it and its script is listening again."""
    form = frame.locator("form.upload", has=frame.locator(field))
    mime = MEDIA_TYPES.get(name.rsplit(".", 1)[-1], "application/pdf")
    form.locator(field).set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    form.get_by_role("button", name="Upload").click()
    expect(frame.get_by_role("link", name=name)).to_be_visible(timeout=timeout)
    tool = page.frame(name="tool")
    assert tool is not None
    tool.wait_for_load_state()


def autosave(frame: FrameLocator, field: str, text: str) -> None:
    """Type into an autosaving field of the editor and wait until it says it saved."""
    frame.locator(field).fill(text)
    status = frame.locator("form.autosave", has=frame.locator(field)).locator(".save-status")
    expect(status).to_have_text(re.compile(r"^Saved "))
