"""HTTP to one Canvas instance: timeouts, a User-Agent, ``Link`` pagination, throttling, token
refresh. No Canvas JSON is interpreted here (see ``api`` and ``mapping``).

Canvas throttles with a leaky bucket per token: every answer says how much of the bucket is left
(``X-Rate-Limit-Remaining``) and what the request cost (``X-Request-Cost``); when it is empty
Canvas answers 429 (older instances: 403 "Rate Limit Exceeded"). The client slows down before
the bucket runs dry (the pause grows as the remainder shrinks), so a well-behaved sync rarely
sees a 429, and when it does it backs off and tries again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from connectors.http import (
    DEFAULT_USER_AGENT,
    AuthError,
    FatalError,
    RetriableError,
    retry_after_seconds,
)

PER_PAGE = 100
"""Canvas's largest page; it silently caps larger values."""
MAX_PAGES = 1000
"""A listing longer than this is a loop or a bug on the other side: stop."""


class CanvasAuth(Protocol):
    """Where the bearer token comes from: an account token, or a user's OAuth grant."""

    def access_token(self) -> str:
        """A token that is valid now (refreshed first when it is about to expire)."""
        ...

    def refresh(self) -> bool:
        """Get a new token after Canvas refused the current one; ``False`` when it cannot."""
        ...


@dataclass
class StaticToken:
    """An account-level (admin) token: it does not expire and cannot be refreshed."""

    token: str

    def __repr__(self) -> str:
        return "StaticToken(***)"

    def access_token(self) -> str:
        return self.token

    def refresh(self) -> bool:
        return False


class CanvasApiError(FatalError):
    """Canvas refused for good. ``request`` and ``response`` are attached for a person to read
    (the Authorization header is never part of the message)."""

    def __init__(
        self, message: str, status: int | None, request: Any = None, response: Any = None
    ) -> None:
        super().__init__(message, status)
        self.request = request
        self.response = response


class CanvasAuthError(AuthError):
    """Canvas refused the token and it could not be refreshed: the grant is revoked or gone."""


@dataclass
class Throttle:
    """Pauses before the bucket runs dry.

    Below ``low_water`` the client spaces its requests by ``cost / leak`` (the rate the bucket
    drains, which is the rate Canvas allows), and wider the emptier the bucket gets, so the
    remainder settles near ``low_water`` instead of reaching zero. Canvas does not promise a
    leak rate: it is measured from how ``X-Rate-Limit-Remaining`` recovers while the bucket is
    busy, starting from ``leak_per_second``.

    Args:
        low_water: below this remainder the client waits before its next request.
        leak_per_second: first guess of how fast Canvas drains the bucket.
    """

    low_water: float = 300.0
    leak_per_second: float = 10.0
    remaining: float | None = None
    cost: float = 1.0
    waited: float = 0.0
    """Seconds spent waiting on the throttle so far (reported by the benchmark)."""
    _anchor: tuple[float, float, float] | None = None
    """(time, remainder, costs since) of the last leak measurement's start."""
    _highest: float = 0.0
    """The largest remainder seen: the bucket's capacity, as far as we know."""

    def observe(self, headers: Mapping[str, str], now: float | None = None) -> None:
        remaining = _number(headers.get("X-Rate-Limit-Remaining"))
        cost = _number(headers.get("X-Request-Cost"))
        if cost is not None:
            self.cost = max(cost, 0.001)
        if remaining is None:
            return
        self.remaining = remaining
        self._measure(remaining, time.monotonic() if now is None else now)

    def _measure(self, remaining: float, now: float) -> None:
        """Leak = (remainder gained + costs charged) / time, over spans where the bucket was
        never empty (an empty bucket does not leak, so it would hide the rate)."""
        self._highest = max(self._highest, remaining)
        if remaining >= self._highest - self.cost:
            self._anchor = None
            return
        if self._anchor is None:
            self._anchor = (now, remaining, 0.0)
            return
        since, before, costs = self._anchor
        costs += self.cost
        if now - since < 0.25:
            self._anchor = (since, before, costs)
            return
        measured = (remaining - before + costs) / (now - since)
        if measured > 0:
            self.leak_per_second = max(0.1, 0.5 * self.leak_per_second + 0.5 * measured)
        self._anchor = (now, remaining, 0.0)

    def pause(self) -> float:
        """Seconds to wait before the next request: nothing while the bucket is comfortable,
        then one request's worth of leak, more the emptier it gets."""
        if self.remaining is None or self.remaining >= self.low_water:
            return 0.0
        shortfall = (self.low_water - self.remaining) / self.low_water  # 0..1
        return self.cost / self.leak_per_second * (1.0 + 4.0 * shortfall)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class CanvasClient:
    """Requests to ``base_url`` with ``auth``; retries throttling and 5xx with backoff.

    Args:
        session: shared ``requests`` session (one per process is plenty).
        timeout: (connect, read) seconds.
        max_attempts: tries per request for throttling and 5xx.
        backoff: first wait when Canvas gives no ``Retry-After``; doubles per attempt.
        sleep: how to wait (benchmarks and tests pass their own clock).
    """

    def __init__(
        self,
        base_url: str,
        auth: CanvasAuth,
        *,
        session: requests.Session | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: tuple[float, float] = (5.0, 60.0),
        max_attempts: int = 6,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        throttle: Throttle | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.session = session or requests.Session()
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.throttle = throttle or Throttle()
        self.sleep = sleep
        self.requests_sent = 0
        self.throttled = 0
        """Answers that said the bucket was empty (429 or 403 Rate Limit Exceeded)."""

    def url(self, path: str) -> str:
        return path if path.startswith(("https://", "http://")) else self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        stream: bool = False,
        authorized: bool = True,
    ) -> requests.Response:
        """Send one request; ``path`` is ``/api/v1/...`` or an absolute URL Canvas gave us.

        Raises:
            RetriableError: throttled, 5xx or unreachable after every attempt.
            CanvasAuthError: the token was refused and could not be refreshed.
            CanvasApiError: any other 4xx (the request and response are attached).
        """
        url = self.url(path)
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            wait = self.throttle.pause()
            if wait:
                self.throttle.waited += wait
                self.sleep(wait)
            headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
            if authorized:
                headers["Authorization"] = f"Bearer {self.auth.access_token()}"
            try:
                self.requests_sent += 1
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=headers,
                    timeout=self.timeout,
                    stream=stream,
                    allow_redirects=not authorized,
                )
            except (requests.Timeout, requests.ConnectionError) as error:
                failure = RetriableError(f"{method} {_safe(url)}: {type(error).__name__}")
            else:
                self.throttle.observe(response.headers)
                if response.status_code in (301, 302, 303, 307) and authorized:
                    # File downloads redirect to a signed URL on another host: follow it
                    # without our Authorization header.
                    location = response.headers.get("Location", "")
                    response.close()
                    return self.request("GET", location, stream=stream, authorized=False)
                if response.status_code < 400:
                    return response
                if response.status_code == 401 and authorized and not refreshed:
                    refreshed = True
                    response.close()
                    if self.auth.refresh():
                        attempt -= 1
                        continue
                    raise CanvasAuthError(
                        f"{method} {_safe(url)}: Canvas refused the token and it cannot be "
                        "refreshed; authorise again.",
                        401,
                    )
                failure = self._classify(method, url, response)
            if attempt >= self.max_attempts:
                raise failure
            backoff = self.backoff * 2 ** (attempt - 1)
            self.sleep(min(failure.retry_after or backoff, self.max_wait))

    def _classify(self, method: str, url: str, response: requests.Response) -> RetriableError:
        status = response.status_code
        where = f"{method} {_safe(url)} answered {status}"
        throttled = status == 429 or (
            status == 403 and "rate limit exceeded" in response.text[:300].lower()
        )
        if throttled:
            self.throttled += 1
            self.throttle.remaining = 0.0
            retry = retry_after_seconds(response.headers.get("Retry-After"))
            if retry is None:  # no Retry-After: wait for the bucket to drain a little
                retry = self.throttle.cost / self.throttle.leak_per_second * 5
            return RetriableError(f"{where} (throttled)", status, retry)
        if status >= 500:
            return RetriableError(where, status, None)
        if status == 401:
            raise CanvasAuthError(f"{where}: the token was refused.", status)
        detail = response.text[:300]
        raise CanvasApiError(f"{where}: {detail}", status, response.request, response)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET one JSON document."""
        return self.request("GET", path, params=params).json()

    def pages(
        self, path: str, params: Mapping[str, Any] | None = None, max_pages: int = MAX_PAGES
    ) -> Iterator[list[Any]]:
        """Every page of a listing, following ``Link: rel="next"`` (``response.links``)."""
        query: dict[str, Any] | None = {"per_page": PER_PAGE, **(params or {})}
        next_url: str | None = path
        seen: set[str] = set()
        for _ in range(max_pages):
            if next_url is None:
                return
            if next_url in seen:
                raise FatalError(f"Pagination loops back to {_safe(next_url)}")
            seen.add(next_url)
            response = self.request("GET", next_url, params=query)
            body = response.json()
            yield body if isinstance(body, list) else []
            next_url = response.links.get("next", {}).get("url")
            query = None  # the next link carries per_page and the filters
        if next_url is not None:
            raise FatalError(f"{_safe(self.url(path))}: more than {max_pages} pages; stopped.")

    def items(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a listing."""
        for page in self.pages(path, params):
            yield from page


def _safe(url: str) -> str:
    """The URL without its query string (it may carry download tokens)."""
    return url.split("?", 1)[0]
