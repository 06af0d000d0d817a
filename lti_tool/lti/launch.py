"""OIDC login and launch validation: pylti1p3's MessageLaunch behind our own rules.

What pylti1p3 does not do, this does (DOMAIN.md §2):
- login state and nonce live in the database, so any web worker can finish a launch;
- the nonce is consumed: a replayed id_token is refused;
- an unknown ``kid`` refetches the platform's key set once (rate-limited), so platform key
  rotation (D2L rotates hourly) does not break launches;
- 60 s clock-skew leeway; ``aud`` must hold our client_id and ``azp`` must name it when present;
- registrations are found by issuer AND client_id (Canvas has one issuer for every institution);
- an unknown deployment id is recorded as pending for an admin instead of refused blindly;
- the signature is checked before the nonce is spent.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.registration import Registration
from pylti1p3.request import Request

from lti_tool.domain.lti import DeploymentStatus, LaunchContext, PlatformRegistration
from lti_tool.lti import id_token
from lti_tool.lti.claims import CLAIM, audience_client, launch_context, origin
from lti_tool.lti.key_sets import KeySetCache
from lti_tool.lti.platform_cache import PlatformCache
from lti_tool.lti.refusals import LaunchRefusedError
from lti_tool.ports import (
    Clock,
    HasLaunchStates,
    LaunchStateTransactionFactory,
    PendingLogin,
    UnitOfWork,
    UnitOfWorkFactory,
)

LOGIN_LIFETIME = timedelta(minutes=10)
LEEWAY_SECONDS = 60
PURGE_INTERVAL = timedelta(minutes=1)
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "nonce")


class _ParamsRequest(Request):
    """The request as pylti1p3 wants it, from plain parameters (no Flask here)."""

    def __init__(self, params: Mapping[str, str], secure: bool) -> None:
        self._params = dict(params)
        self._secure = secure

    @property
    def session(self) -> None:
        return None

    def is_secure(self) -> bool:
        return self._secure

    def get_param(self, key: str) -> str:
        return self._params.get(key, "")


class _NoCookies:
    """pylti1p3 insists on a cookie service; our state lives in the database instead."""

    def get_cookie(self, name: str) -> None:
        return None

    def set_cookie(self, name: str, value: str, exp: int = 3600) -> None:
        return None


@dataclass(frozen=True)
class ValidatedLaunch:
    """A launch whose token is valid, with the one-time state and nonce still to consume:
    call ``consume(uow)`` inside the transaction that acts on the launch."""

    context: LaunchContext
    consume: Callable[[UnitOfWork], None]


@dataclass(frozen=True)
class LoginRedirect:
    url: str
    state: str
    nonce: str = ""
    platform_origin: str = ""
    """Origin of the platform's OIDC authorization endpoint: where LTI Platform Storage
    messages go, and the only origin whose answers count."""


class _Launch(MessageLaunch):  # type: ignore[type-arg]
    """MessageLaunch whose checks are ours where pylti1p3's fall short."""

    def __init__(
        self,
        adapter: LtiAdapter,
        params: Mapping[str, str],
        secure: bool,
        *,
        defer_consumption: bool = False,
    ) -> None:
        super().__init__(
            _ParamsRequest(params, secure),
            None,
            session_service=object(),
            cookie_service=_NoCookies(),
            requests_session=adapter.http,
        )
        self._adapter = adapter
        self._defer = defer_consumption
        self._login: PendingLogin | None = None
        self._our_registration: PlatformRegistration | None = None
        self._token: id_token.CompactToken | None = None

    def _get_request_param(self, key: str) -> str:
        return str(self._request.get_param(key))

    def validate(self) -> _Launch:
        self._validated = True
        try:
            self.validate_state()
            self.validate_jwt_format()
            self.validate_registration()
            self.validate_jwt_signature()
            self.validate_nonce()
            self.validate_deployment()
            self.validate_message()
        except LtiException as error:
            self._validated = False
            raise LaunchRefusedError(str(error)) from error
        except BaseException:
            self._validated = False
            raise
        return self

    def validate_state(self) -> _Launch:
        """Both parameters are there; the state itself is taken with the nonce, in one
        transaction, once the signature is known to be good (:meth:`validate_nonce`)."""
        if not self._get_request_param("state"):
            raise LaunchRefusedError("The launch has no state parameter.")
        if not self._get_request_param("id_token"):
            raise LaunchRefusedError("The launch has no id_token.")
        return self

    def validate_jwt_format(self) -> _Launch:
        """Split and decode the token ONCE (pylti1p3 decoded it here and PyJWT again for the
        signature): the signature is later checked on these very bytes."""
        raw = self._get_id_token()
        if raw.count(".") != 2:
            raise LaunchRefusedError("Invalid id_token, JWT must contain 3 parts")
        try:
            token = id_token.parse(raw)
        except jwt.PyJWTError as error:
            raise LaunchRefusedError("Invalid JWT format, can't be decoded") from error
        self._token = token
        self._jwt = cast(Any, {"header": token.header, "body": token.claims})
        return self

    def validate_registration(self) -> _Launch:
        body = self._jwt.get("body", {})
        issuer, client_id = body.get("iss"), audience_client(body)
        registration = self._adapter.registration_for(issuer, client_id, cached=True)
        self._our_registration = registration
        self._registration = _pylti_registration(registration)
        return self

    def validate_jwt_signature(self) -> _Launch:
        assert self._our_registration is not None
        registration = self._our_registration
        header = self._jwt.get("header", {})
        kid, algorithm = header.get("kid"), header.get("alg")
        if not kid:
            raise LaunchRefusedError("The id_token header has no kid: the key cannot be found.")
        if algorithm != "RS256":
            raise LaunchRefusedError(f"The id_token is signed with {algorithm!r}; LTI uses RS256.")
        key = self._adapter.keys.key_for(registration, kid)
        assert self._token is not None
        claims = self._token.claims
        try:
            if not isinstance(key.key, RSAPublicKey):
                raise jwt.InvalidKeyError(f"key {kid!r} is not an RSA public key")
            id_token.verify_rs256(self._token, key.key)
            id_token.check_claims(
                claims,
                audience=registration.client_id,
                issuer=registration.issuer,
                leeway=LEEWAY_SECONDS,
                require=REQUIRED_CLAIMS,
            )
        except jwt.ExpiredSignatureError as error:
            raise LaunchRefusedError(
                "The id_token has expired: open the tool again from your course."
            ) from error
        except jwt.ImmatureSignatureError as error:
            raise LaunchRefusedError(
                "The id_token was issued in the future (check the platform clock)."
            ) from error
        except jwt.PyJWTError as error:
            raise LaunchRefusedError(f"The id_token is not valid: {error}.") from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        azp = claims.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != registration.client_id:
            raise LaunchRefusedError("The id_token's azp does not name this tool's client_id.")
        iat = claims.get("iat")
        if not isinstance(iat, int | float) or iat > time.time() + LEEWAY_SECONDS:
            raise LaunchRefusedError(
                "The id_token was issued in the future (check the platform clock)."
            )
        return self

    def validate_nonce(self) -> _Launch:
        assert self._our_registration is not None
        body = self._jwt.get("body", {})
        nonce = body.get("nonce")
        if not nonce:
            raise LaunchRefusedError("The id_token has no nonce.")
        if self._defer:
            return self
        self._login = self._adapter.take_login_and_nonce(
            self._get_request_param("state"), self._our_registration, str(nonce), body.get("exp")
        )
        return self

    def validate_deployment(self) -> _Launch:
        assert self._our_registration is not None
        deployment_id = self._jwt.get("body", {}).get(CLAIM + "deployment_id")
        if not deployment_id:
            raise LaunchRefusedError("The id_token has no deployment_id claim.")
        self._adapter.check_deployment(self._our_registration, str(deployment_id))
        return self

    def deferred(self) -> tuple[PlatformRegistration, str, object]:
        """The registration, nonce and ``exp`` a deferred consumption needs."""
        assert self._our_registration is not None
        body = self._jwt.get("body", {})
        return self._our_registration, str(body["nonce"]), body.get("exp")

    def context(self) -> LaunchContext:
        assert self._our_registration is not None
        context = launch_context(self._our_registration, self._jwt["body"])
        if context.product_family and context.product_family != context.registered_product_family:
            self._adapter.platforms.product_family_seen(
                self._our_registration, context.product_family
            )
        return context


def _pylti_registration(registration: PlatformRegistration) -> Registration:
    pylti = Registration()
    pylti.set_issuer(registration.issuer).set_client_id(registration.client_id)
    pylti.set_auth_login_url(registration.auth_login_url)
    pylti.set_auth_token_url(registration.auth_token_url)
    pylti.set_key_set_url(registration.key_set_url)
    pylti.set_key_set(cast(Any, registration.key_set))
    if registration.auth_audience:
        pylti.set_auth_audience(registration.auth_audience)
    return pylti


class LtiAdapter:
    """Everything LTI login and launch need, built once per process by the composition root."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        launch_url: str,
        deployment_seen: Callable[[str, str], Any],
        http: requests.Session | None = None,
        launch_states: LaunchStateTransactionFactory | None = None,
    ) -> None:
        self._uow = uow_factory
        self._launch_states: LaunchStateTransactionFactory | UnitOfWorkFactory = (
            launch_states or uow_factory
        )
        """Where logins and :meth:`take_login_and_nonce` run their transactions: lean ones
        when the composition root gives them, a whole unit of work otherwise."""
        self._clock = clock
        self._launch_url = launch_url
        self._deployment_seen = deployment_seen
        self.http = http or requests.Session()
        self.http.headers.setdefault("User-Agent", "credbridge (LTI 1.3 tool)")
        self.keys = KeySetCache(self.http)
        self.platforms = PlatformCache()
        self._purged_at: datetime | None = None
        self._purge_lock = threading.Lock()
        """Registrations and approved deployments; clear it when they change."""

    def registration_for(
        self, issuer: object, client_id: object, *, cached: bool = False
    ) -> PlatformRegistration:
        """The registration for issuer and client_id (or the issuer's only one). ``cached``
        serves it from :attr:`platforms` (launches); logins always read the database."""
        if not isinstance(issuer, str) or not issuer:
            raise LaunchRefusedError("The request names no issuer (iss).")
        if cached and client_id:
            return self.platforms.registration(
                issuer, str(client_id), lambda: self.registration_for(issuer, client_id)
            )
        with self._uow() as uow:
            if client_id:
                found = uow.platforms.find(issuer, str(client_id))
                if found is None:
                    raise LaunchRefusedError(
                        f"No platform is registered for issuer {issuer} and client_id {client_id}. "
                        "An administrator registers it with 'credbridge platform add'.",
                        status=403,
                    )
                return found
            candidates = uow.platforms.for_issuer(issuer)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise LaunchRefusedError(
                f"No platform is registered for issuer {issuer}. An administrator registers it "
                "with 'credbridge platform add'.",
                status=403,
            )
        raise LaunchRefusedError(
            f"Several platforms share issuer {issuer}; the login must name its client_id."
        )

    def login(self, params: Mapping[str, str]) -> LoginRedirect:
        """Answer an OIDC third-party login: remember state and nonce, send to the platform."""
        login_hint = params.get("login_hint", "")
        if not login_hint:
            raise LaunchRefusedError("The login request has no login_hint.")
        target = params.get("target_link_uri", "")
        tool_base = self._launch_url.rsplit("/lti/", 1)[0]
        if target and target != tool_base and not target.startswith(tool_base + "/"):
            raise LaunchRefusedError("The login's target_link_uri is not this tool.")
        registration = self.registration_for(
            params.get("iss"), params.get("client_id"), cached=True
        )
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self._clock.now()
        login = PendingLogin(state, nonce, registration.id, now + LOGIN_LIFETIME)
        with self._launch_states() as transaction:  # one INSERT, in a lean transaction
            transaction.launch_states.add_login(login, created_at=now)
            transaction.commit()
        if self._purge_due(now):
            with self._uow() as uow:
                uow.launch_states.purge_expired(now)
                uow.commit()
        query = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": registration.client_id,
            "redirect_uri": self._launch_url,
            "login_hint": login_hint,
            "state": state,
            "nonce": nonce,
        }
        if params.get("lti_message_hint"):
            query["lti_message_hint"] = params["lti_message_hint"]
        separator = "&" if "?" in registration.auth_login_url else "?"
        return LoginRedirect(
            f"{registration.auth_login_url}{separator}{urlencode(query)}",
            state,
            nonce,
            origin(registration.auth_login_url),
        )

    def platform_origin(self, token: str) -> str | None:
        """The origin of the OIDC authorization endpoint of the platform an id_token names
        (unverified: only to address LTI Platform Storage messages), or None if unknown."""
        try:
            body = id_token.parse(token).claims
        except jwt.PyJWTError:
            return None
        try:
            registration = self.registration_for(
                body.get("iss"), audience_client(body), cached=True
            )
        except LaunchRefusedError:
            return None
        return origin(registration.auth_login_url)

    def _purge_due(self, now: datetime) -> bool:
        """Whether this login should also delete expired states and nonces: at most once per
        :data:`PURGE_INTERVAL` per process (every login did it, two extra DELETEs each)."""
        with self._purge_lock:
            if self._purged_at is not None and now - self._purged_at < PURGE_INTERVAL:
                return False
            self._purged_at = now
            return True

    def take_login_and_nonce(
        self, state: str, registration: PlatformRegistration, nonce: str, exp: object
    ) -> PendingLogin:
        """Take the one-time login state and consume the id_token's nonce, in ONE transaction
        of their own. (The web launch does this inside the sign-in's transaction instead; see
        :meth:`validate`.)

        Raises:
            LaunchRefusedError: as :meth:`consume`; nothing is written then.
        """
        with self._launch_states() as transaction:
            login = self.consume(transaction, state, registration, nonce, exp)
            transaction.commit()
        return login

    def consume(
        self,
        uow: HasLaunchStates,
        state: str,
        registration: PlatformRegistration,
        nonce: str,
        exp: object,
    ) -> PendingLogin:
        """Inside ``uow``: take the login state and record the nonce as used. The caller
        commits; when this raises, the caller's transaction must roll back.

        Raises:
            LaunchRefusedError: the state is unknown, expired or used (401), belongs to another
                platform, the nonce is not this login's, or the nonce was used before (401).
        """
        now = self._clock.now()
        expires = (
            datetime.fromtimestamp(float(exp), UTC) + timedelta(seconds=LEEWAY_SECONDS)
            if isinstance(exp, int | float)
            else now + LOGIN_LIFETIME
        )
        login = uow.launch_states.take_login(state, now)
        if login is None:
            raise LaunchRefusedError(
                "This launch has expired or was already used. "
                "Open the tool again from your course.",
                status=401,
            )
        if login.registration_id not in (None, registration.id):
            raise LaunchRefusedError("This launch belongs to a different platform than its login.")
        if nonce != login.nonce:
            raise LaunchRefusedError("The id_token's nonce does not match this login.")
        if not uow.launch_states.consume_nonce(
            registration.issuer, nonce, now, max(expires, now + LOGIN_LIFETIME)
        ):
            raise LaunchRefusedError(
                "This id_token was already used (a replayed launch).", status=401
            )
        return login

    def check_deployment(self, registration: PlatformRegistration, deployment_id: str) -> None:
        if self.platforms.is_approved(registration.id, deployment_id):
            return
        deployment = self._deployment_seen(registration.id, deployment_id)
        if deployment.status is DeploymentStatus.APPROVED:
            self.platforms.remember_approved(registration.id, deployment_id)
            return
        if deployment.status is DeploymentStatus.PENDING:
            raise LaunchRefusedError(
                f"This installation of credbridge (deployment {deployment_id}) is waiting for an "
                "administrator's approval. Ask your credbridge administrator to approve it under "
                "Admin › Platforms, then launch again.",
                status=403,
            )
        raise LaunchRefusedError(
            f"Deployment {deployment_id} has been refused by an administrator.", status=403
        )

    def launch(self, params: Mapping[str, str], *, secure: bool) -> LaunchContext:
        """Validate a launch POST (id_token + state), state and nonce consumed in a
        transaction of their own, and return its plain context."""
        launch = _Launch(self, params, secure)
        launch.validate()
        return launch.context()

    def validate(self, params: Mapping[str, str], *, secure: bool) -> ValidatedLaunch:
        """Validate a launch POST like :meth:`launch`, but leave the state and nonce to be
        consumed by :attr:`ValidatedLaunch.consume` inside the caller's transaction (the
        sign-in), so a launch writes once: no sign-in without the nonce spent, and no nonce
        spent by a sign-in that failed."""
        launch = _Launch(self, params, secure, defer_consumption=True)
        launch.validate()
        registration, nonce, exp = launch.deferred()
        state = params.get("state", "")

        def consume(uow: UnitOfWork) -> None:
            self.consume(uow, state, registration, nonce, exp)

        return ValidatedLaunch(launch.context(), consume)
