"""A fake Canvas course page for LTI Platform Storage: it frames the tool next to a
``post_message_forwarding`` storage frame and answers ``lti.capabilities``, as Canvas does. The
LMS is served as ``localhost`` and the tool as ``127.0.0.1``: two sites, so inside the frame the
tool is third-party. :func:`serve_tool` serves the tool registered with it, behind
:class:`ToolSide`, which records the cookies each request carried."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.http import parse_cookie
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from lti_tool.bootstrap import Container
from lti_tool.web.app import create_app
from tests.fakes.lms import FakePlatform
from tests.lti.live import demo_tool_for, live_tool
from tests.web.conftest import make_settings

CLIENT = "canvas-client"
DEPLOYMENT = "dep-1"
TARGET = "post_message_forwarding"
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


PROBE = "/test-probe/"


@dataclass(frozen=True)
class Seen:
    """One request the tool's server received, with the names of the cookies it carried."""

    method: str
    path: str
    cookies: frozenset[str]


class ToolSide:
    """WSGI middleware around the tool: records every request, and answers two probe paths on
    the tool's own origin. ``PROBE + "set"`` sets an unpartitioned and a partitioned cookie
    (both ``SameSite=None; Secure``, so https only); ``PROBE + "echo"`` lists the cookies sent."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[Seen] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        cookies = frozenset(parse_cookie(environ.get("HTTP_COOKIE", "")).keys())
        self.seen.append(Seen(environ["REQUEST_METHOD"], path, cookies))
        if path == PROBE + "set":
            answer = Response("set", content_type="text/plain")
            answer.set_cookie("probe-plain", "1", secure=True, samesite="None")
            answer.set_cookie(
                "probe-partitioned", "1", secure=True, samesite="None", partitioned=True
            )
            return answer(environ, start_response)
        if path == PROBE + "echo":
            return Response(" ".join(sorted(cookies)), content_type="text/plain")(
                environ, start_response
            )
        return self.app(environ, start_response)


@dataclass
class ServedTool:
    url: str
    container: Container
    side: ToolSide


@contextmanager
def serve_tool(
    lms: StoragePlatform,
    database_url: str,
    instance: Path,
    ssl_context: ssl.SSLContext | None = None,
) -> Iterator[ServedTool]:
    """The tool with the demo catalog, registered with ``lms`` (and ``lms`` with it), served
    on 127.0.0.1 over http, or https with ``ssl_context``."""
    holder: dict[str, Any] = {}

    def make_app(url: str) -> Flask:
        settings = make_settings(
            database_url, instance, CREDBRIDGE_DEMO="0", CREDBRIDGE_BASE_URL=url
        )
        container = holder["container"] = demo_tool_for(
            lms, settings, url, CLIENT, DEPLOYMENT, "Fake Canvas"
        )
        app = create_app(container=container)
        app.wsgi_app = holder["side"] = ToolSide(app.wsgi_app)  # type: ignore[method-assign]
        return app

    try:
        with live_tool(make_app, ssl_context) as url:
            yield ServedTool(url, holder["container"], holder["side"])
    finally:
        if "container" in holder:
            holder["container"].lti.http.close()
            holder["container"].engine.dispose()
