"""A WSGI app served on 127.0.0.1 (a free port) in a thread, for fake delivery targets."""

from __future__ import annotations

import threading
import time
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        return


class LoopbackApp:
    """Subclasses implement ``handle(request)``. ``fail_next`` injects 429/500/timeouts."""

    def __init__(self) -> None:
        self.base_url = ""
        self.lock = threading.Lock()
        self.faults: list[tuple[int, float | None, float]] = []
        """(status, Retry-After, seconds to stall first); status 0 means stall only."""
        self.requests: list[tuple[str, str]] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def fail_next(self, status: int, retry_after: float | None = None, stall: float = 0.0) -> None:
        with self.lock:
            self.faults.append((status, retry_after, stall))

    def __enter__(self) -> Self:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_Quiet)
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

    def app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self.lock:
            self.requests.append((request.method, request.path))
            fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            status, retry_after, stall = fault
            if stall:
                time.sleep(stall)
            if status:
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                return Response("injected", status=status, headers=headers)(environ, start_response)
        return self.handle(request)(environ, start_response)

    def handle(self, request: Request) -> Response:
        raise NotImplementedError
