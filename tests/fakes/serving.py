"""A fake peer's WSGI app served on 127.0.0.1 (a free port) in a thread, as a context manager."""

from __future__ import annotations

import threading
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """No access log on the test output."""

    def log(self, type: str, message: str, *args: Any) -> None:
        return


class ServedInThread:
    """Mixin: ``with Fake() as fake`` serves ``fake.app`` and sets ``fake.base_url``."""

    base_url: str = ""
    _server: BaseWSGIServer | None = None
    _thread: threading.Thread | None = None

    def app(self, environ: dict[str, Any], start_response: Any) -> Any:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._server = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True, name=type(self).__name__
        )
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
