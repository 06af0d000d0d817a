"""Browser tests: the real app served over HTTP on loopback, driven by Debian's Chromium.

The app runs in a background thread (werkzeug, threaded) on 127.0.0.1 and a free port, over a
SQLite copy of the migrated template database. Chromium must be installed at /usr/bin/chromium
(``scripts/ensure-chromium.sh``); Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from lti_tool.bootstrap import Container
from lti_tool.web.app import create_app
from tests.web.conftest import container, district

__all__ = ["container", "district"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 5_000


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """SQLite only: overrides the two-backend fixture of tests/conftest.py. The browser tests
    check the editor in a real browser; the database layer is covered on PostgreSQL elsewhere."""
    path = tmp_path / "credbridge.sqlite3"
    shutil.copyfile(sqlite_template, path)
    yield f"sqlite:///{path}"


class LiveServer:
    """The app served on http://127.0.0.1:<free port> from a background thread."""

    def __init__(self, container: Container) -> None:
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, create_app(container=container), threaded=True
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="credbridge-live-server",
            daemon=True,
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(container: Container) -> Iterator[LiveServer]:
    with LiveServer(container) as server:
        yield server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Run scripts/ensure-chromium.sh (as root) to install it.",
            pytrace=False,
        )
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh browser profile (cookies, localStorage) per test, pointed at the live server."""
    opened = browser.new_context(base_url=live_server.url, viewport={"width": 800, "height": 900})
    opened.set_default_timeout(TIMEOUT_MS)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
