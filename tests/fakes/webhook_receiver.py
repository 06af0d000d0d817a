"""A webhook receiver on 127.0.0.1 that verifies signatures and the replay window, and keeps
each idempotency key once (a repeat answers 409 naming the key)."""

from __future__ import annotations

import json
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from connectors.pdms.webhook.mapping import IDEMPOTENCY_HEADER, verify
from tests.fakes.loopback import LoopbackApp


class WebhookReceiver(LoopbackApp):
    def __init__(self, secret: str = "hook-secret", delay: float = 0.0) -> None:
        super().__init__()
        self.secret = secret
        self.delay = delay
        self.received: dict[str, dict[str, Any]] = {}
        self.rejected: list[str] = []
        self.posts = 0
        self.arrived = 0
        """Signed requests that reached the handler (before ``delay``)."""
        self.busy_for: int | None = None
        """When set, every request is answered 503 with this ``Retry-After`` (seconds)."""

    def handle(self, request: Request) -> Response:
        raw = request.get_data()
        wrong = verify(self.secret, dict(request.headers), raw, time.time())
        if wrong:
            with self.lock:
                self.rejected.append(wrong)
            return Response(json.dumps({"error": wrong}), status=401)
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        if self.busy_for is not None:
            headers = {"Retry-After": str(self.busy_for)}
            return Response(json.dumps({"error": "busy"}), status=503, headers=headers)
        with self.lock:
            self.arrived += 1
        started = time.monotonic()
        while self.delay and time.monotonic() - started < self.delay:  # a test may cut it short
            time.sleep(0.01)
        with self.lock:
            self.posts += 1
            if key in self.received:
                return Response(json.dumps({"idempotency_key": key}), status=409)
            self.received[key] = json.loads(raw)
        return Response(json.dumps({"ok": True}), status=202)
