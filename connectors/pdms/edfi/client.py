"""HTTP to an Ed-Fi ODS/API: discovery, OAuth2 client credentials (token kept until it expires),
and JSON requests to resources. No mapping here."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from connectors.http import AuthError, HttpClient
from connectors.pdms.edfi.mapping import Discovery, discovery

EARLY_REFRESH = 30.0
"""Seconds before expiry a token is replaced, so a request never carries a dying token."""


class EdFiClient:
    """One ODS/API instance.

    Args:
        base_url: the API root (``GET /`` answers the discovery document).
        now: a monotonic clock in seconds (tests move it to expire tokens).
    """

    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        client_id: str,
        client_secret: str,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self.base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._now = now
        self._discovery: Discovery | None = None
        self._token: tuple[str, float] | None = None
        self.tokens_fetched = 0

    def __repr__(self) -> str:
        return f"EdFiClient({self.base_url!r}, client_id={self._client_id!r})"

    def discover(self) -> Discovery:
        """``GET /``: the API and data model versions and the endpoint URLs (kept)."""
        if self._discovery is None:
            response = self._http.request("GET", f"{self.base_url}/")
            self._discovery = discovery(response.json(), self.base_url)
        return self._discovery

    def token(self) -> str:
        """``POST /oauth/token`` (client credentials), reused until shortly before it expires."""
        if self._token is not None and self._now() < self._token[1]:
            return self._token[0]
        response = self._http.request(
            "POST",
            self.discover().oauth_url,
            data={"grant_type": "client_credentials"},
            auth=(self._client_id, self._client_secret),
        )
        answer = response.json()
        expires = float(answer.get("expires_in", 1800))
        self._token = (str(answer["access_token"]), self._now() + max(0.0, expires - EARLY_REFRESH))
        self.tokens_fetched += 1
        return self._token[0]

    def call(
        self,
        method: str,
        resource: str,
        *,
        payload: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """A request to ``<data url>/<resource>``; a refused token is replaced once."""
        url = self.discover().data_url + resource
        body = json.dumps(payload).encode("utf-8") if payload is not None else None
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token()}"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            try:
                return self._http.request(method, url, params=params, headers=headers, content=body)
            except AuthError as error:
                if attempt == 2 or error.status != 401:
                    raise
                self._token = None
        raise AssertionError("unreachable")
