"""OneRoster REST over HTTP: authentication (1.1 OAuth 1.0a, 1.2 OAuth 2 client credentials,
both through authlib) and one page of a collection. No translation here (see ``mapping``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import requests
from authlib.integrations.requests_client import OAuth1Auth, OAuth2Session
from authlib.oauth1.rfc5849.signature import generate_signature_base_string
from authlib.oauth1.rfc5849.util import escape

from connectors.http import AuthError, HttpClient
from connectors.oneroster.mapping import BASE_PATHS

SIGNATURE_METHODS = ("HMAC-SHA256", "HMAC-SHA1")
ROSTER_CORE_SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"


def sign_hmac_sha256(client: Any, request: Any) -> str:
    """OAuth 1.0a HMAC-SHA256 (what OneRoster 1.1 providers expect by default)."""
    base = generate_signature_base_string(request)
    key = f"{escape(client.client_secret or '')}&{escape(client.token_secret or '')}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class OneRosterOAuth1(OAuth1Auth):  # type: ignore[misc]
    """authlib's OAuth1 request signer, knowing HMAC-SHA256 too (without changing authlib)."""

    SIGNATURE_METHODS: ClassVar[dict[str, Any]] = {
        **OAuth1Auth.SIGNATURE_METHODS,
        "HMAC-SHA256": sign_hmac_sha256,
    }


class ClientCredentials(requests.auth.AuthBase):
    """OAuth 2 client credentials (OneRoster 1.2): a bearer token from authlib, fetched again
    a minute before it expires or after the API refuses it."""

    def __init__(
        self, token_url: str, client_id: str, secret: str, scopes: str, timeout: float = 30.0
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._secret = secret
        self._scopes = scopes
        self._timeout = timeout
        self._token: str | None = None
        self._expires_at = 0.0

    def __repr__(self) -> str:
        return f"ClientCredentials(token_url={self._token_url!r}, client_id={self._client_id!r})"

    def forget(self) -> None:
        self._token = None

    def _fetch(self) -> str:
        with OAuth2Session(self._client_id, self._secret, scope=self._scopes) as session:
            try:
                token = session.fetch_token(
                    self._token_url, grant_type="client_credentials", timeout=self._timeout
                )
            except Exception as error:  # authlib raises OAuthError or a requests error
                raise AuthError(
                    f"The token endpoint {self._token_url} refused the client credentials "
                    f"({type(error).__name__})."
                ) from error
        self._expires_at = time.time() + float(token.get("expires_in", 3600)) - 60
        return str(token["access_token"])

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._token is None or time.time() >= self._expires_at:
            self._token = self._fetch()
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int | None
    """X-Total-Count, when the provider sends it."""
    has_next: bool
    """A ``Link: rel="next"``."""


class OneRosterClient:
    """Reads collections of a OneRoster REST provider, one page at a time."""

    def __init__(
        self, http: HttpClient, base_url: str, version: str, auth: Any, page_size: int = 100
    ) -> None:
        self._http = http
        self._root = base_url.rstrip("/") + BASE_PATHS[version]
        self._auth = auth
        self.page_size = page_size

    def page(
        self, collection: str, offset: int, since: str | None, fields: str | None = None
    ) -> Page:
        """``GET /{collection}?limit&offset&sort=dateLastModified[&filter][&fields]``."""
        params = {"limit": str(self.page_size), "offset": str(offset),
                  "sort": "dateLastModified", "orderBy": "asc"}  # fmt: skip
        if since:
            params["filter"] = f"dateLastModified>'{since}'"
        if fields:
            params["fields"] = fields
        url = f"{self._root}/{collection}"
        try:
            response = self._http.request("GET", url, params=params, auth=self._auth)
        except AuthError:
            if not isinstance(self._auth, ClientCredentials):
                raise
            self._auth.forget()  # an expired or revoked token: one fresh try
            response = self._http.request("GET", url, params=params, auth=self._auth)
        body = response.json()
        items = body.get(collection, []) if isinstance(body, dict) else []
        total_header = response.headers.get("X-Total-Count", "").strip()
        total = int(total_header) if total_header.isdigit() else None
        return Page(
            [item for item in items if isinstance(item, dict)],
            total,
            "next" in response.links,
        )
