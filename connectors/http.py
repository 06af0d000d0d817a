"""One HTTP client for every connector: timeouts, a User-Agent, retriable versus fatal errors,
``Retry-After`` with exponential backoff, and ``Link`` pagination through ``response.links``.

Connectors (OneRoster, Canvas, PD systems) build a :class:`HttpClient` and call
:meth:`HttpClient.request`; they never see a raw ``requests`` exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

DEFAULT_USER_AGENT = "credbridge (+https://github.com/credbridge/credbridge)"
BODY_KEPT = 4000
RETRIABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class HttpError(Exception):
    """A request that did not succeed. The message never holds credentials."""

    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        """The start of the answer's body (problem details, an XML error), for the person who
        looks at a refused delivery; never a request's credentials."""


class RetriableError(HttpError):
    """429, 5xx, a timeout or a dropped connection: trying again later may work."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        retry_after: float | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message, status, body)
        self.retry_after = retry_after


class FatalError(HttpError):
    """A 4xx answer (other than 429): asking again the same way will not help."""


class AuthError(FatalError):
    """401 or 403: the credentials are wrong, expired or lack a scope."""


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date; ``None`` when absent or junk."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


ENVIRONMENT_ORIGINS = 64
"""How many origins' environment settings a session keeps (connectors talk to a handful)."""


class EnvironmentOnceSession(requests.Session):
    """A ``requests.Session`` that reads the environment's proxy and CA-bundle settings once per
    origin, not on every request.

    With ``trust_env`` (the default) ``requests`` calls ``get_environ_proxies`` for every
    request, which walks the whole process environment (and checks ``no_proxy`` against the
    host): on a worker POSTing hundreds of deliveries to one target that was as much CPU as
    our own database work. The answer depends only on the origin, the environment (fixed
    for a running process) and the session's own settings, so it is kept per origin and
    those settings; a request with explicit proxies takes the ordinary path.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        if not self.trust_env or proxies:
            return dict(super().merge_environment_settings(url, proxies, stream, verify, cert))
        origin = urlsplit(str(url))
        key = (
            origin.scheme,
            origin.netloc,
            stream,
            verify,
            cert,
            self.stream,
            self.verify,
            self.cert,
            tuple(sorted(self.proxies.items())),
        )
        try:
            found = self._environment.get(key)
        except TypeError:  # an unhashable setting: no caching
            return dict(super().merge_environment_settings(url, proxies, stream, verify, cert))
        if found is None:
            if len(self._environment) >= ENVIRONMENT_ORIGINS:
                self._environment.clear()
            found = self._environment[key] = dict(
                super().merge_environment_settings(url, {}, stream, verify, cert)
            )
        return {**found, "proxies": dict(found["proxies"])}


class HttpClient:
    """A ``requests`` session with the rules above.

    Args:
        user_agent: sent with every request (Canvas refuses requests without one).
        timeout: (connect, read) seconds.
        max_attempts: tries per request, the first included.
        backoff: the first wait in seconds when the server gives no ``Retry-After``; doubles.
        max_wait: the longest single wait, even when ``Retry-After`` asks for more.
        sleep: how to wait (tests pass a recorder).
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: tuple[float, float] = (5.0, 60.0),
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.session = session or EnvironmentOnceSession()
        self.session.headers["User-Agent"] = user_agent
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> requests.Response:
        """Send, retrying retriable failures with backoff.

        ``content`` is a raw body (JSON or XML a connector serialised); ``data`` a form.

        Raises:
            RetriableError: still failing after ``max_attempts``.
            AuthError, FatalError: the server refused for good.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    auth=auth,
                    data=content if content is not None else data,
                    timeout=self.timeout,
                )
            except requests.Timeout as error:
                failure = RetriableError(
                    f"{method} {_safe(url)} timed out ({type(error).__name__})"
                )
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
                failure = RetriableError(
                    f"{method} {_safe(url)}: connection failed ({type(error).__name__})"
                )
            else:
                failure_or_none = self._classify(method, url, response)
                if failure_or_none is None:
                    return response
                failure = failure_or_none
            if attempt >= self.max_attempts:
                raise failure
            wait = failure.retry_after
            if wait is None:
                wait = self.backoff * 2 ** (attempt - 1)
            self.sleep(min(wait, self.max_wait))

    def _classify(
        self, method: str, url: str, response: requests.Response
    ) -> RetriableError | None:
        status = response.status_code
        if status < 400:
            return None
        where = f"{method} {_safe(url)} answered {status}"
        body = response.text[:BODY_KEPT]
        if status in RETRIABLE_STATUSES or (
            status == 403 and "rate limit exceeded" in body[:200].lower()
        ):
            retry = retry_after_seconds(response.headers.get("Retry-After"))
            return RetriableError(where, status, retry, body)
        if status in (401, 403):
            raise AuthError(where, status, body)
        raise FatalError(where, status, body)

    def pages(
        self, url: str, *, params: Mapping[str, str] | None = None, auth: Any = None
    ) -> Iterator[requests.Response]:
        """GET ``url`` and every ``Link: rel="next"`` after it. Stops on a repeated URL."""
        seen: set[str] = set()
        next_url: str | None = url
        next_params = params
        while next_url:
            if next_url in seen:
                raise FatalError(f"Pagination loops back to {_safe(next_url)}")
            seen.add(next_url)
            response = self.request("GET", next_url, params=next_params, auth=auth)
            yield response
            next_url = response.links.get("next", {}).get("url")
            next_params = None  # the next link carries its own query


def _safe(url: str) -> str:
    """The URL without its query string, which may carry tokens or filters with names."""
    return url.split("?", 1)[0]
