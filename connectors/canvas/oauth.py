"""Canvas OAuth 2 (authorization code) through authlib: the sign-in URL, the code exchange, and a
user grant that refreshes itself before Canvas's one-hour expiry.

Canvas endpoints: ``GET /login/oauth2/auth`` (the user approves), ``POST /login/oauth2/token``
(``authorization_code`` and ``refresh_token`` grants). A refresh answers a new access token but
keeps the same refresh token, so the stored one is kept when none comes back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.requests_client import OAuth2Session

from connectors.http import AuthError

AUTHORIZE_PATH = "/login/oauth2/auth"
TOKEN_PATH = "/login/oauth2/token"  # noqa: S105 - a path, not a secret
REFRESH_MARGIN = 300.0
"""Refresh this many seconds before the token expires."""


@dataclass(frozen=True)
class Token:
    """What Canvas granted one user."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float | None
    """Unix time; ``None`` for tokens that do not expire."""
    canvas_user_id: str | None = None


class GrantRevoked(AuthError):
    """Canvas no longer honours the grant (revoked, expired refresh token, key deleted)."""


def _token(answer: dict[str, Any], previous_refresh: str | None = None) -> Token:
    expires_in = answer.get("expires_in")
    user = answer.get("user") if isinstance(answer.get("user"), dict) else {}
    return Token(
        access_token=str(answer["access_token"]),
        refresh_token=str(answer.get("refresh_token") or previous_refresh or "") or None,
        expires_at=time.time() + float(expires_in) if expires_in else None,
        canvas_user_id=str(user["id"]) if user and user.get("id") is not None else None,
    )


class CanvasOAuth:
    """One developer key of one Canvas instance."""

    def __init__(
        self, base_url: str, client_id: str, client_secret: str, timeout: float = 30.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._secret = client_secret
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"CanvasOAuth({self.base_url!r}, client_id={self._client_id!r})"

    def _session(self, redirect_uri: str | None = None) -> OAuth2Session:
        return OAuth2Session(self._client_id, self._secret, redirect_uri=redirect_uri)

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """Where to send the user to approve (``GET /login/oauth2/auth``)."""
        with self._session(redirect_uri) as session:
            url, _ = session.create_authorization_url(self.base_url + AUTHORIZE_PATH, state=state)
        return str(url)

    def exchange(self, code: str, redirect_uri: str) -> Token:
        """Trade the code for tokens (``POST /login/oauth2/token``, authorization_code)."""
        with self._session(redirect_uri) as session:
            try:
                answer = session.fetch_token(
                    self.base_url + TOKEN_PATH,
                    code=code,
                    grant_type="authorization_code",
                    timeout=self._timeout,
                )
            except Exception as error:  # authlib raises OAuthError or a requests error
                raise GrantRevoked(
                    f"Canvas did not accept the authorisation ({type(error).__name__})."
                ) from error
        return _token(dict(answer))

    def refresh(self, refresh_token: str) -> Token:
        """A new access token (``POST /login/oauth2/token``, refresh_token)."""
        with self._session() as session:
            try:
                answer = session.refresh_token(
                    self.base_url + TOKEN_PATH,
                    refresh_token=refresh_token,
                    timeout=self._timeout,
                )
            except Exception as error:
                raise GrantRevoked(
                    f"Canvas refused to refresh the grant ({type(error).__name__})."
                ) from error
        return _token(dict(answer), refresh_token)


class UserGrant:
    """A :class:`connectors.canvas.client.CanvasAuth` for one user's grant.

    ``on_refresh`` is told every new token so the caller stores it (encrypted).
    """

    def __init__(
        self,
        oauth: CanvasOAuth,
        token: Token,
        on_refresh: Callable[[Token], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._oauth = oauth
        self._token = token
        self._on_refresh = on_refresh
        self._clock = clock
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"UserGrant({self._oauth.base_url!r}, user={self._token.canvas_user_id!r})"

    def access_token(self) -> str:
        expires = self._token.expires_at
        if expires is not None and self._clock() >= expires - REFRESH_MARGIN:
            self._refresh_or_raise()
        return self._token.access_token

    def refresh(self) -> bool:
        try:
            self._refresh_or_raise()
        except GrantRevoked:
            return False
        return True

    def _refresh_or_raise(self) -> None:
        if not self._token.refresh_token:
            raise GrantRevoked("The Canvas grant has no refresh token; authorise again.")
        token = self._oauth.refresh(self._token.refresh_token)
        if token.canvas_user_id is None:
            token = Token(
                token.access_token,
                token.refresh_token,
                token.expires_at,
                self._token.canvas_user_id,
            )
        self._token = token
        self.refreshes += 1
        self._on_refresh(token)
