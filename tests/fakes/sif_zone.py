"""A SIF 3 REST zone on 127.0.0.1: single create/read/delete of XML objects by RefId, Basic
auth, 409 for a RefId it holds, and SIF ``<error>`` bodies."""

from __future__ import annotations

import base64

from werkzeug.wrappers import Request, Response

from connectors.pdms.sif.mapping import parse
from tests.fakes.loopback import LoopbackApp


def sif_error(status: int, message: str) -> Response:
    body = f"<error><code>{status}</code><message>{message}</message></error>"
    return Response(body, status=status, content_type="application/xml")


class FakeSifZone(LoopbackApp):
    def __init__(self, username: str = "district", password: str = "zone-pass") -> None:
        super().__init__()
        self.username, self.password = username, password
        self.objects: dict[str, dict[str, bytes]] = {}

    def handle(self, request: Request) -> Response:
        given = request.headers.get("Authorization", "").removeprefix("Basic ")
        if base64.b64decode(given or b"").decode() != f"{self.username}:{self.password}":
            return sif_error(401, "Unauthorized")
        parts = request.path.strip("/").split("/")
        if len(parts) != 2:
            return sif_error(404, "Not Found")
        collection, name = parts
        held = self.objects.setdefault(collection, {})
        if request.method == "POST":
            raw = request.get_data()
            document = parse(raw)
            (root,) = document.values()
            ref = root["@RefId"]
            with self.lock:
                if ref in held:
                    return sif_error(409, "Conflict")
                held[ref] = raw
            return Response(raw, status=201, content_type="application/xml")
        with self.lock:
            found = held.get(name)
            if request.method == "DELETE" and found is not None:
                del held[name]
                return Response(status=204)
        if found is None:
            return sif_error(404, "Not Found")
        return Response(found, content_type="application/xml")
