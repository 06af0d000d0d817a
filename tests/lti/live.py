"""The tool served over real HTTP on 127.0.0.1 (a werkzeug thread), for flows where the
platform must reach the tool itself (its JWKS) or where cookies matter."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from lti_tool.bootstrap import Container, build
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.settings import Settings
from tests.fakes.lms import FakePlatform
from tests.web.conftest import DEMO_CATALOG


class _LateApp:
    """Lets the server bind its port before the app (whose settings need the URL) exists."""

    app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.app is not None, "the live server's app was not set"
        return self.app(environ, start_response)


@contextmanager
def live_tool(
    make_app: Callable[[str], Flask], ssl_context: ssl.SSLContext | None = None
) -> Iterator[str]:
    """Serve ``make_app(base_url)`` on a free loopback port; yields the base URL (https when
    given an ``ssl_context``)."""
    late = _LateApp()
    server = make_server("127.0.0.1", 0, late, threaded=True, ssl_context=ssl_context)
    scheme = "https" if ssl_context else "http"
    url = f"{scheme}://127.0.0.1:{server.server_port}"
    late.app = make_app(url)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def demo_tool_for(
    lms: FakePlatform, settings: Settings, url: str, client: str, deployment: str, name: str
) -> Container:
    """A tool on ``settings`` with the demo catalog, registered with ``lms`` as ``name`` and
    ``lms`` knowing it back (login, launch and JWKS at ``url``): both sides of an install."""
    container = build(settings)
    container.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    container.platforms.register(
        name=name, issuer=lms.issuer, client_id=client,
        auth_login_url=lms.auth_url, auth_token_url=lms.token_url,
        key_set_url=lms.jwks_url, deployment_ids=(deployment,),
    )  # fmt: skip
    lms.register_tool(
        client, deployment, f"{url}/lti/login", [f"{url}/lti/launch"],
        f"{url}/.well-known/jwks.json",
    )  # fmt: skip
    return container
