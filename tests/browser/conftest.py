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
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from lti_tool.bootstrap import Container, build
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.web.app import create_app
from tests.web.conftest import DEMO_CATALOG, district, make_settings

__all__ = ["district"]

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
    """The app served on http://127.0.0.1:<free port> from a background thread. The port is
    bound first, so the app's settings can name its own URL (LTI launches need it)."""

    def __init__(self) -> None:
        self.app: Any = None
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="credbridge-live-server",
            daemon=True,
        )

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def server() -> Iterator[LiveServer]:
    """Bound, not yet serving."""
    bound = LiveServer()
    yield bound
    bound.server.server_close()


@pytest.fixture
def container(database_url: str, tmp_path: Path, server: LiveServer) -> Iterator[Container]:
    """As tests/web's, with the live server's URL as the app's base URL."""
    settings = make_settings(database_url, tmp_path / "instance", CREDBRIDGE_BASE_URL=server.url)
    built = build(settings)
    built.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    yield built
    built.engine.dispose()


@pytest.fixture
def live_server(container: Container, server: LiveServer) -> Iterator[LiveServer]:
    server.app = create_app(container=container)
    with server:
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
