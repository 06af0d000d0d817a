"""A fake OneRoster REST provider: a real werkzeug server on 127.0.0.1.

It serves 1.1 (``/ims/oneroster/v1p1``, OAuth 1.0a signatures checked independently of the
client: HMAC-SHA256 or HMAC-SHA1) and 1.2 (``/ims/oneroster/rostering/v1p2``, bearer tokens
from ``/token`` by client credentials with a scope). Like real providers it caps ``limit``
silently, sends ``X-Total-Count`` and ``Link: rel="next"``, honours
``filter=dateLastModified>'...'``, and misbehaves on demand: ``faults`` is a list of what the
next matching requests get (``("429", seconds)``, ``("500",)``, ``("drop",)``), consumed in order.
Every request is recorded in ``requests_seen`` (path and query) for assertions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from tests.fakes.serving import ServedInThread

V11 = "/ims/oneroster/v1p1/"
V12 = "/ims/oneroster/rostering/v1p2/"
SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
_FILTER = re.compile(r"dateLastModified>'([^']+)'")
_OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


def _encode(value: str) -> str:
    return quote(value, safe="~-._")


def oauth1_signature(
    method: str, url: str, params: list[tuple[str, str]], secret: str, algorithm: str
) -> str:
    """RFC 5849 section 3.4, written here independently of authlib to check the client."""
    normalized = "&".join(
        f"{k}={v}" for k, v in sorted((_encode(k), _encode(v)) for k, v in params)
    )
    base = "&".join([method.upper(), _encode(url), _encode(normalized)])
    digest = hashlib.sha256 if algorithm == "HMAC-SHA256" else hashlib.sha1
    mac = hmac.new(f"{_encode(secret)}&".encode(), base.encode(), digest).digest()
    return base64.b64encode(mac).decode()


class FakeOneRoster(ServedInThread):
    """``with FakeOneRoster(data) as provider:``; ``data`` maps a collection to its objects."""

    def __init__(
        self,
        data: dict[str, list[dict[str, Any]]],
        *,
        client_id: str = "district-client",
        secret: str = "district-secret",
        max_limit: int = 3,
        send_total: bool = True,
        send_links: bool = True,
    ) -> None:
        self.data = data
        self.client_id, self.secret = client_id, secret
        self.max_limit = max_limit
        self.send_total, self.send_links = send_total, send_links
        self.faults: list[tuple[Any, ...]] = []
        self.requests_seen: list[tuple[str, dict[str, str]]] = []
        self.signature_methods: list[str] = []
        self.tokens: set[str] = set()
        self.base_url = ""
        self._lock = threading.Lock()

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    def offsets(self, collection: str) -> list[int]:
        """The offsets asked for, in order, for one collection."""
        return [
            int(q.get("offset", "0"))
            for path, q in self.requests_seen
            if path.endswith("/" + collection)
        ]

    # -- the WSGI app -------------------------------------------------------------------------

    def app(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        request = Request(environ)
        response = self._answer(request)
        return response(environ, start_response)  # type: ignore[no-any-return]

    def _answer(self, request: Request) -> Response:
        if request.path == "/token":
            return self._token(request)
        if not request.path.startswith((V11, V12)):
            return Response("not found", 404)
        with self._lock:
            self.requests_seen.append((request.path, dict(request.args)))
            fault = self.faults.pop(0) if self.faults else None
        refusal = self._check_auth(request)
        if refusal is not None:
            return refusal
        if fault and fault[0] == "429":
            return Response("slow down", 429, {"Retry-After": str(fault[1])})
        if fault and fault[0] == "500":
            return Response("oops", 500)
        body, headers = self._page(request)
        if fault and fault[0] == "drop":
            return _dropped(body, headers)
        return Response(body, 200, headers, content_type="application/json")

    def _token(self, request: Request) -> Response:
        auth = request.authorization
        client_id = auth.username if auth else request.form.get("client_id")
        secret = auth.password if auth else request.form.get("client_secret")
        if (client_id, secret) != (self.client_id, self.secret):
            return Response(
                json.dumps({"error": "invalid_client"}), 401, content_type="application/json"
            )
        if request.form.get("grant_type") != "client_credentials" or SCOPE not in request.form.get(
            "scope", ""
        ):
            return Response(
                json.dumps({"error": "invalid_scope"}), 400, content_type="application/json"
            )
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        body = {"access_token": token, "token_type": "bearer", "expires_in": 3600}
        return Response(json.dumps(body), 200, content_type="application/json")

    def _check_auth(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        if request.path.startswith(V12):
            if header.removeprefix("Bearer ") in self.tokens:
                return None
            return Response("bad token", 401)
        if not header.startswith("OAuth "):
            return Response("no signature", 401)
        oauth = {k: v for k, v in _OAUTH_PARAM.findall(header)}
        oauth = {k: _unquote(v) for k, v in oauth.items()}
        method = oauth.get("oauth_signature_method", "")
        params = [(k, v) for k, v in request.args.items(multi=True)]
        params += [(k, v) for k, v in oauth.items() if k != "oauth_signature"]
        expected = oauth1_signature(request.method, request.base_url, params, self.secret, method)
        if oauth.get("oauth_consumer_key") != self.client_id or not hmac.compare_digest(
            expected, oauth.get("oauth_signature", "")
        ):
            return Response("bad signature", 401)
        self.signature_methods.append(method)
        return None

    def _page(self, request: Request) -> tuple[bytes, dict[str, str]]:
        collection = request.path.rsplit("/", 1)[-1]
        items = sorted(
            self.data.get(collection, []),
            key=lambda item: (item.get("dateLastModified", ""), item["sourcedId"]),
        )
        match = _FILTER.search(request.args.get("filter", ""))
        if match:
            items = [i for i in items if i.get("dateLastModified", "") > match.group(1)]
        limit = min(int(request.args.get("limit", "100")), self.max_limit)
        offset = int(request.args.get("offset", "0"))
        page = items[offset : offset + limit]
        headers: dict[str, str] = {}
        if self.send_total:
            headers["X-Total-Count"] = str(len(items))
        if self.send_links and offset + len(page) < len(items):
            query = {**request.args, "offset": str(offset + len(page))}
            link = request.base_url + "?" + "&".join(f"{k}={_encode(v)}" for k, v in query.items())
            headers["Link"] = f'<{link}>; rel="next"'
        return json.dumps({collection: page}).encode(), headers


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)


def _dropped(body: bytes, headers: dict[str, str]) -> Response:
    """Headers promise the whole body; half of it comes, then the connection closes."""

    def half() -> Iterator[bytes]:
        yield body[: len(body) // 2]
        raise ConnectionAbortedError("the fake provider drops the connection mid-page")

    return Response(
        half(),
        200,
        {**headers, "Content-Length": str(len(body))},
        content_type="application/json",
        direct_passthrough=True,
    )
