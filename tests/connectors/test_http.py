"""The shared connector HTTP client against a real server on 127.0.0.1: retriable and fatal
answers, Retry-After (seconds and HTTP dates), Link pagination and its loop guard."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from connectors.http import AuthError, FatalError, HttpClient, RetriableError, retry_after_seconds


class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        return


class Server:
    """Answers from a script: path -> list of (status, headers, body), consumed in order."""

    def __init__(self) -> None:
        self.script: dict[str, list[tuple[int, dict[str, str], str]]] = {}
        self.user_agents: list[str] = []

    def app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.user_agents.append(request.headers.get("User-Agent", ""))
        status, headers, body = self.script[request.path].pop(0)
        return Response(body, status, headers)(environ, start_response)


@pytest.fixture
def server() -> Iterator[tuple[Server, str]]:
    fake = Server()
    httpd: BaseWSGIServer = make_server(
        "127.0.0.1", 0, fake.app, threaded=True, request_handler=_Quiet
    )
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def client() -> Iterator[tuple[HttpClient, list[float]]]:
    waits: list[float] = []
    http = HttpClient(user_agent="credbridge-test", max_attempts=3, sleep=waits.append)
    yield http, waits
    http.close()


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Mon, 23 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_retriable_answers_are_retried_then_given_up(
    server: tuple[Server, str], client: tuple[HttpClient, list[float]]
) -> None:
    fake, base = server
    http, waits = client
    fake.script["/a"] = [
        (503, {}, ""),
        (403, {}, "403 Forbidden (Rate Limit Exceeded)"),
        (200, {}, "ok"),
    ]
    assert http.request("GET", base + "/a").text == "ok"
    assert waits == [1.0, 2.0]
    assert set(fake.user_agents) == {"credbridge-test"}

    fake.script["/b"] = [(500, {}, "")] * 3
    with pytest.raises(RetriableError) as raised:
        http.request("GET", base + "/b?token=secret")
    assert raised.value.status == 500
    assert "secret" not in str(raised.value)  # queries may carry credentials


def test_auth_and_other_client_errors_are_fatal_at_once(
    server: tuple[Server, str], client: tuple[HttpClient, list[float]]
) -> None:
    fake, base = server
    http, waits = client
    fake.script["/c"] = [(401, {}, ""), (404, {}, "")]
    with pytest.raises(AuthError):
        http.request("GET", base + "/c")
    with pytest.raises(FatalError):
        http.request("GET", base + "/c")
    assert waits == []


def test_pages_follow_link_next_and_refuse_a_loop(
    server: tuple[Server, str], client: tuple[HttpClient, list[float]]
) -> None:
    fake, base = server
    http, _ = client
    fake.script["/p1"] = [(200, {"Link": f'<{base}/p2?Page=2>; rel="next"'}, "1")]
    fake.script["/p2"] = [(200, {}, "2")]
    assert [r.text for r in http.pages(base + "/p1")] == ["1", "2"]

    fake.script["/loop"] = [(200, {"Link": f'<{base}/loop>; rel="next"'}, "x")] * 2
    with pytest.raises(FatalError, match="loops"):
        list(http.pages(base + "/loop"))


def test_environment_proxies_are_honoured_on_every_request_and_read_once_per_origin(
    server: tuple[Server, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session keeps each origin's environment settings: the proxy named in the
    environment still carries every request to that origin, and ``no_proxy`` still applies."""
    fake, base = server
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", base)  # the fake server acts as the proxy
    monkeypatch.setenv("NO_PROXY", "direct.invalid")
    fake.script["/through"] = [(200, {}, "one"), (200, {}, "two")]
    http = HttpClient(user_agent="credbridge-test", max_attempts=1)
    try:
        # An unresolvable host: only the proxy can answer for it.
        assert http.request("GET", "http://via-proxy.invalid/through").text == "one"
        assert http.request("GET", "http://via-proxy.invalid/through").text == "two"
        with pytest.raises(RetriableError, match="connection failed"):
            http.request("GET", "http://direct.invalid/through")  # no_proxy: sent directly
    finally:
        http.close()
    assert fake.script["/through"] == []
