"""A WSGI app served on 127.0.0.1 (a free port) in a thread, for fake delivery targets."""

from __future__ import annotations

import threading
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.fakes.serving import ServedInThread


class LoopbackApp(ServedInThread):
    """Subclasses implement ``handle(request)``. ``fail_next`` injects 429/500/timeouts."""

    def __init__(self) -> None:
        self.base_url = ""
        self.lock = threading.Lock()
        self.faults: list[tuple[int, float | None, float]] = []
        """(status, Retry-After, seconds to stall first); status 0 means stall only."""
        self.requests: list[tuple[str, str]] = []

    def fail_next(self, status: int, retry_after: float | None = None, stall: float = 0.0) -> None:
        with self.lock:
            self.faults.append((status, retry_after, stall))

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
