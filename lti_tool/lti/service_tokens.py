"""LTI Advantage service tokens: OAuth2 client credentials with a JWT client assertion.

The tool proves who it is with a short-lived RS256 JWT signed by its ACTIVE key (``iss`` and
``sub`` are the client_id, ``aud`` the token URL or the platform's own audience) and gets back a
Bearer access token for the scopes it asked for (DOMAIN.md §2).

What pylti1p3 gets wrong, this does not:
- tokens are cached per (issuer, client_id, token URL, scopes). Canvas has ONE issuer for every
  institution, so a cache keyed by issuer alone would hand one institution's token to another;
- a cached token is dropped 60 s before the platform says it expires, and can be dropped at once
  (:meth:`ServiceTokenClient.invalidate`) when a service answers 401;
- a refusal becomes a :class:`ServiceError` with the platform's ``error`` and
  ``error_description``; the signed assertion never appears in a message or a log.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from lti_tool.domain.lti import PlatformRegistration
from lti_tool.lti.keys import ToolKeyService
from lti_tool.platforms import behaviour_for
from lti_tool.ports import Clock

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = timedelta(minutes=5)
EXPIRY_MARGIN = timedelta(seconds=60)
"""A cached token is used only while it has at least this long to live."""
DEFAULT_EXPIRES_IN = 3600
"""Seconds assumed when the token response has no usable ``expires_in``."""
TIMEOUT_SECONDS = 10
USER_AGENT = "credbridge (LTI 1.3 tool)"
MAX_DETAIL = 300
"""Characters of a platform's error text kept in a :class:`ServiceError`."""

CacheKey = tuple[str, str, str, frozenset[str]]


class ServiceError(Exception):
    """An LTI Advantage service call (token, NRPS, ...) that failed, with a reason a person can
    act on. ``status`` is the platform's HTTP status (``None`` when it was not reached);
    ``error``/``error_description`` are the OAuth2 error members of a refused token request."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error: str | None = None,
        error_description: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error = error
        self.error_description = error_description


class RetriableServiceError(ServiceError):
    """A service call that failed for a reason that may pass (5xx, 429, unreachable platform or
    token endpoint): the caller should try again later. ``retry_after`` is the platform's
    ``Retry-After`` in seconds, when it sent one."""

    retriable: bool = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error: str | None = None,
        error_description: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, error=error, error_description=error_description)
        self.retry_after = retry_after


def is_retriable(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


def retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


@dataclass(frozen=True)
class _Cached:
    access_token: str
    use_until: datetime
    """The platform's expiry less :data:`EXPIRY_MARGIN`."""


def scope_set(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes as a set, blanks dropped; at least one is required."""
    wanted = frozenset(scope.strip() for scope in scopes if scope.strip())
    if not wanted:
        raise ValueError("a service token needs at least one scope")
    return wanted


def assertion_audience(registration: PlatformRegistration) -> str:
    """The ``aud`` of the client assertion: the registration's own audience when an admin set
    one, else what the platform's behaviour says (the token URL, or D2L's OAuth2 audience)."""
    behaviour = behaviour_for(registration.product_family)
    return registration.auth_audience or behaviour.token_audience(
        registration.auth_token_url, registration.auth_audience
    )


def _clip(value: Any, secret: str) -> str | None:
    """Platform error text fit for a message: a string, clipped, never echoing ``secret``."""
    if value is None:
        return None
    text = str(value).replace(secret, "[assertion]") if secret else str(value)
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL] + "..."


class ServiceTokenClient:
    """Gets and caches service access tokens for platform registrations. Thread-safe; build one
    per process and share it.

    Args:
        tool_keys: signs the client assertions with the tool's ACTIVE key.
        clock: decides assertion times and when a cached token is too old.
        http: the session token requests go through.
    """

    def __init__(self, tool_keys: ToolKeyService, clock: Clock, http: requests.Session) -> None:
        self._tool_keys = tool_keys
        self._clock = clock
        self._http = http
        self._cache: dict[CacheKey, _Cached] = {}
        self._key_locks: dict[CacheKey, threading.Lock] = {}
        self._lock = threading.Lock()

    @staticmethod
    def cache_key(registration: PlatformRegistration, scopes: Iterable[str]) -> CacheKey:
        """Whose token this is: two client_ids under one issuer never share one."""
        return (
            registration.issuer,
            registration.client_id,
            registration.auth_token_url,
            scope_set(scopes),
        )

    def token(self, registration: PlatformRegistration, scopes: Iterable[str]) -> str:
        """A Bearer access token for ``scopes``: the cached one while it is fresh, else a new one.

        Raises:
            ServiceError: the token endpoint could not be reached or refused the request.
            ValueError: no scopes were given.
        """
        key = self.cache_key(registration, scopes)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        # One request per key at a time: threads wanting the same token wait for the first.
        with key_lock:
            cached = self._fresh(key)
            if cached is not None:
                return cached
            access_token, expires_in = self._request(registration, key[3])
            use_until = self._clock.now() + timedelta(seconds=expires_in) - EXPIRY_MARGIN
            with self._lock:
                self._cache[key] = _Cached(access_token, use_until)
            return access_token

    def invalidate(
        self,
        registration: PlatformRegistration,
        scopes: Iterable[str],
        access_token: str | None = None,
    ) -> None:
        """Forget the cached token for ``scopes`` (a service answered 401 with it). With
        ``access_token``, only when that is still the cached one: another thread may already
        have replaced it."""
        key = self.cache_key(registration, scopes)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and access_token in (None, cached.access_token):
                del self._cache[key]

    # -- inside -------------------------------------------------------------------------------

    def _fresh(self, key: CacheKey) -> str | None:
        now = self._clock.now()
        with self._lock:
            cached = self._cache.get(key)
            if cached is None:
                return None
            if cached.use_until <= now:
                del self._cache[key]
                return None
            return cached.access_token

    def client_assertion(self, registration: PlatformRegistration) -> str:
        """A fresh signed JWT client assertion for ``registration``'s token endpoint."""
        now = self._clock.now()
        claims = {
            "iss": registration.client_id,
            "sub": registration.client_id,
            "aud": assertion_audience(registration),
            "iat": int(now.timestamp()),
            "exp": int((now + ASSERTION_LIFETIME).timestamp()),
            "jti": secrets.token_urlsafe(24),
        }
        return self._tool_keys.sign_jwt(claims, {"typ": "JWT"})

    def _request(
        self, registration: PlatformRegistration, scopes: frozenset[str]
    ) -> tuple[str, int]:
        url = registration.auth_token_url
        who = f"client_id {registration.client_id!r} at {url}"
        assertion = self.client_assertion(registration)
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            "scope": " ".join(sorted(scopes)),
        }
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        try:
            response = self._http.post(url, data=form, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            # The exception text could quote the request; only its kind is kept.
            raise ServiceError(
                f"Could not reach the token endpoint for {who}: {type(error).__name__}."
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        if response.status_code != 200:
            code = _clip(body.get("error"), assertion)
            description = _clip(body.get("error_description"), assertion)
            detail = ": ".join(part for part in (code, description) if part) or "no reason given"
            raise ServiceError(
                f"The platform refused a service token for {who} "
                f"(HTTP {response.status_code}): {detail}",
                status=response.status_code,
                error=code,
                error_description=description,
            )
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ServiceError(
                f"The token endpoint for {who} answered without an access_token.",
                status=response.status_code,
            )
        expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
        if isinstance(expires_in, str) and expires_in.isdigit():
            expires_in = int(expires_in)
        if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in < 0:
            expires_in = DEFAULT_EXPIRES_IN
        return access_token, expires_in

    def send(
        self,
        registration: PlatformRegistration,
        method: str,
        url: str,
        scope: str,
        *,
        accept: str,
        what: str,
        content_type: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[requests.Response, str]:
        """One request and the token it was sent with; a 401 drops the token and tries once
        more with a new one."""
        scopes = (scope,)
        for attempt in (1, 2):
            try:
                token = self.token(registration, scopes)
            except RetriableServiceError:
                raise
            except ServiceError as error:
                if not is_retriable(error.status):
                    raise
                raise RetriableServiceError(
                    error.message,
                    status=error.status,
                    error=error.error,
                    error_description=error.error_description,
                ) from None
            headers = {
                "Accept": accept,
                "Authorization": f"Bearer {token}",
                "User-Agent": USER_AGENT,
            }
            if content_type is not None:
                headers["Content-Type"] = content_type
            try:
                response = self._http.request(
                    method,
                    url,
                    headers=headers,
                    json=dict(body) if body is not None else None,
                    timeout=TIMEOUT_SECONDS,
                )
            except requests.RequestException as error:
                # The exception text could quote the request; only its kind is kept.
                raise RetriableServiceError(
                    f"Could not reach {what} at {url}: {type(error).__name__}."
                ) from None
            if response.status_code == 401 and attempt == 1:
                self.invalidate(registration, scopes, token)
                continue
            return response, token
        raise AssertionError("unreachable")
