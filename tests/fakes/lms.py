"""A fake LTI 1.3 platform (an LMS): a real werkzeug server on 127.0.0.1 that signs launches.

It plays the platform's side of DOMAIN.md §2: the OIDC authorization endpoint (``/auth``), its
JWKS (``/jwks``), the OAuth2 token endpoint (``/token``: client credentials with a JWT client
assertion verified against the tool's JWKS), NRPS (``/nrps/<context>``: paged, capped at 50 like
Canvas), AGS (``/ags/<context>/lineitems``, ``.../<id>/scores``: 422 for a non-learner like
Canvas) and ``/deep_link_return`` (which places each ``ltiResourceLink`` in the course, with a
line item when it carries a ``lineItem``, as a platform does: :attr:`FakePlatform.placed`). What
it receives is recorded in public lists for assertions.
``launch``/``authorize``/``complete`` (from :class:`~tests.fakes.lms_tokens.OidcLaunchDriver`)
drive the OIDC flow against a tool reached through ``requests.Session`` or
:class:`FlaskToolClient`::

    with FakePlatform() as lms, requests.Session() as browser:
        lms.register_tool("client-a", "dep-1", f"{tool}/lti/login", [f"{tool}/lti/launch"],
                          f"{tool}/lti/jwks")
        # the tool's side: issuer=lms.issuer, auth_login_url=lms.auth_url,
        # auth_token_url=lms.token_url, key_set_url=lms.jwks_url
        result = lms.launch(browser, "client-a", launch_preset="student")
        refused = lms.launch(browser, "client-a", launch_preset="wrong_kid")
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlencode

import requests
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from lti_tool.demo_lms.platform import AuthRefused, PlatformCore
from tests.fakes.lms_tokens import (
    AGS_CLAIM,
    AGS_SCOPES,
    ALL_SCOPES,
    CERTIFICATION_INVALID,
    CERTIFICATION_VALID,
    DEFAULT_CONTEXT,
    DL_CLAIM,
    PRESETS,
    ROLE_LEARNER,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_NRPS,
    SCOPE_SCORE,
    AuthGrant,
    AuthRecord,
    FlaskToolClient,
    LaunchFlowError,
    LaunchResult,
    OidcLaunchDriver,
    SigningKey,
    TokenRefused,
    auto_post_page,
    check_deep_link_response,
    verify_tool_jwt,
)

__all__ = ["CERTIFICATION_INVALID", "CERTIFICATION_VALID", "PRESETS", "AuthGrant", "AuthRecord"]
__all__ += ["FakePlatform", "FlaskToolClient", "LaunchFlowError", "LaunchResult", "SigningKey"]

NRPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NRPS_PAGE_CAP = 50  # Canvas caps NRPS pages at 50 members, silently
NRPS_DEFAULT_LIMIT = 10
LEARNER_ROLES = frozenset({ROLE_LEARNER, "Learner"})
ACTIVITY = frozenset({"Initialized", "Started", "InProgress", "Submitted", "Completed"})
GRADING = frozenset({"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"})
KeySet = Mapping[str, Any]


@dataclass
class FakeContext:
    """A course: its roster (NRPS member dicts) and its AGS line items."""

    id: str
    title: str
    label: str
    client_id: str | None = None  # when set, only this client's tokens may read or grade it
    members: list[dict[str, Any]] = field(default_factory=list)
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class IssuedToken:
    client_id: str
    access_token: str
    scopes: tuple[str, ...]
    expires_at: float
    assertion: Mapping[str, Any]


@dataclass(frozen=True)
class Exchange:
    """One request to ``/token``, a service or ``/deep_link_return``, with what was answered."""

    method: str
    path: str
    status: int
    client_id: str | None
    headers: Mapping[str, str]
    body: Any
    error: str | None = None


@dataclass(frozen=True)
class PlacedLink:
    """A resource link the platform made from a deep-linking response's content item."""

    context_id: str
    resource_link_id: str
    title: str
    custom: Mapping[str, Any]
    line_item: str | None
    """The URL of the line item made from the item's ``lineItem``, if it had one."""

    def launch_kwargs(self, base_url: str) -> dict[str, Any]:
        """The id_token arguments of a launch from this link (its custom parameters, and the AGS
        claim naming its line item)."""
        ags: dict[str, Any] = {
            "scope": list(AGS_SCOPES),
            "lineitems": f"{base_url}/ags/{self.context_id}/lineitems",
        }
        if self.line_item:
            ags["lineitem"] = self.line_item
        return {
            "custom": dict(self.custom),
            "resource_link_id": self.resource_link_id,
            "extra_claims": {AGS_CLAIM: ags},
        }


@dataclass(frozen=True)
class ScoreRecord:
    client_id: str
    context_id: str
    line_item_id: str
    body: Mapping[str, Any]

    @property
    def user_id(self) -> str:
        return str(self.body["userId"])


class _Refused(Exception):
    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.body = body if body is not None else {"errors": {"message": message}}


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        return


def _json(body: Any, status: int = 200, content_type: str = "application/json") -> Response:
    return Response(json.dumps(body), status=status, content_type=content_type)


def _oauth_error(code: str, description: str) -> _Refused:
    return _Refused(400, description, {"error": code, "error_description": description})


class FakePlatform(PlatformCore, OidcLaunchDriver):
    """The fake LMS; ``start()``/``stop()`` or ``with FakePlatform() as lms:``.

    ``issuer`` is the base URL plus ``issuer_path``; several tools (client_ids) may register
    under it, as Canvas has one issuer for every institution. ``token_audience`` is an extra
    ``aud`` the token endpoint accepts besides its own URL.
    """

    def __init__(
        self,
        issuer_path: str = "",
        product_family_code: str = "canvas",
        token_audience: str | None = None,
    ) -> None:
        super().__init__(product_family_code=product_family_code)
        self.issuer_path = issuer_path
        self.token_audience = token_audience
        self.storage_target: str | None = None
        """When set, the auth response carries ``lti_storage_target`` (Platform Storage)."""
        self.jwks_url = self.auth_url = self.token_url = ""
        self.deep_link_return_url = ""  # these addresses are set by start()
        self.contexts: dict[str, FakeContext] = {}
        self.jwks_hits = 0
        self.auth_requests: list[AuthRecord] = []
        self.token_requests: list[Exchange] = []
        self.tokens: dict[str, list[IssuedToken]] = {}
        self.service_calls: list[Exchange] = []
        self.line_items: list[dict[str, Any]] = []
        self.scores: list[ScoreRecord] = []
        self.score_failures: list[tuple[int, str | None]] = []
        """The next score POSTs answer these (status, Retry-After) instead, first one first."""
        self.deep_link_responses: list[Exchange] = []
        self.placed: list[PlacedLink] = []
        """Resource links placed by deep-linking responses, in order."""
        self.placement_context = str(DEFAULT_CONTEXT["id"])
        """The course deep-linking responses place their links in."""
        self._by_access_token: dict[str, IssuedToken] = {}
        self._seen_jti: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        ags = "/ags/<context_id>/lineitems"
        self._urls = Map(
            [
                Rule("/jwks", endpoint="jwks", methods=["GET"]),
                Rule("/auth", endpoint="auth", methods=["GET", "POST"]),
                Rule("/token", endpoint="token", methods=["POST"]),
                Rule("/deep_link_return", endpoint="deep_link_return", methods=["POST"]),
                Rule("/nrps/<context_id>", endpoint="nrps", methods=["GET"]),
                Rule(ags, endpoint="lineitems", methods=["GET", "POST"]),
                Rule(f"{ags}/<item_id>", endpoint="lineitem", methods=["GET"]),
                Rule(f"{ags}/<item_id>/scores", endpoint="scores", methods=["POST"]),
            ]
        )

    # -- lifecycle and addresses -------------------------------------------------------------

    def start(self) -> Self:
        if self._server is None:
            self._server = make_server(
                "127.0.0.1", 0, self.wsgi_app, threaded=True, request_handler=_QuietHandler
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="fake-lms", daemon=True
            )
            self._thread.start()
            self.base_url = f"http://127.0.0.1:{self._server.server_port}"
            self.issuer = self.base_url + self.issuer_path
            self.jwks_url, self.auth_url = self.base_url + "/jwks", self.base_url + "/auth"
            self.token_url = self.base_url + "/token"
            self.deep_link_return_url = self.base_url + "/deep_link_return"
        return self

    def stop(self) -> None:
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- keys, tools, rosters ----------------------------------------------------------------

    def add_context(
        self, context_id: str, *, title: str = "", label: str = "", client_id: str | None = None
    ) -> FakeContext:
        context = self.contexts.setdefault(
            context_id, FakeContext(context_id, title or context_id, label or context_id)
        )
        context.title, context.label = title or context.title, label or context.label
        context.client_id = client_id or context.client_id
        return context

    def add_member(
        self,
        context_id: str,
        user_id: str,
        roles: Sequence[str] = (ROLE_LEARNER,),
        *,
        status: str = "Active",
        **fields: Any,
    ) -> dict[str, Any]:
        """Add a roster member; ``fields`` are NRPS member fields (name, email, ...)."""
        member = {"user_id": user_id, "roles": list(roles), "status": status, **fields}
        self.add_context(context_id).members.append(member)
        return member

    def expire_access_tokens(self, client_id: str | None = None) -> None:
        for token in list(self._by_access_token.values()):
            if client_id in (None, token.client_id):
                token.expires_at = 0.0

    # -- id_token ----------------------------------------------------------------------------

    def id_token(self, client_id: str, *, nonce: str, **kwargs: Any) -> str:
        """:meth:`PlatformCore.id_token`; the launch's course joins the fake's contexts."""
        context = kwargs.get("context", DEFAULT_CONTEXT)
        if context is not None and kwargs.get("raw") is None:
            self.add_context(str(context["id"]), title=str(context.get("title", "")))
        return super().id_token(client_id, nonce=nonce, **kwargs)

    # -- the WSGI app ------------------------------------------------------------------------

    def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, args = self._urls.bind_to_environ(environ).match()
            response = getattr(self, f"_on_{endpoint}")(request, **args)
        except HTTPException as error:
            response = error.get_response(environ)
        return response(environ, start_response)

    def _on_jwks(self, request: Request) -> Response:
        with self._lock:
            self.jwks_hits += 1
        return _json(self.jwks())

    def _on_auth(self, request: Request) -> Response:
        params = request.values.to_dict()
        try:
            redirect_uri, id_token = self.answer_auth(params)
        except AuthRefused as refused:
            self.auth_requests.append(AuthRecord(params, 400, refused.message))
            return Response(refused.message, status=400, content_type="text/plain")
        self.auth_requests.append(AuthRecord(params, 200, None, id_token))
        fields = {"id_token": id_token, "state": params["state"]}
        if self.storage_target:  # the platform offers LTI Platform Storage (Canvas)
            fields["lti_storage_target"] = self.storage_target
        page = auto_post_page(redirect_uri, fields)
        return Response(page, content_type="text/html")

    def _on_token(self, request: Request) -> Response:
        form = request.form.to_dict()
        headers = dict(request.headers)
        try:
            token = self._grant_token(form)
        except _Refused as refused:
            exchange = Exchange("POST", "/token", 400, None, headers, form, refused.message)
            self.token_requests.append(exchange)
            return _json(refused.body, 400)
        self.token_requests.append(Exchange("POST", "/token", 200, token.client_id, headers, form))
        body = {"access_token": token.access_token, "token_type": "Bearer", "expires_in": 3600}
        return _json({**body, "scope": " ".join(token.scopes)})

    def _grant_token(self, form: Mapping[str, str]) -> IssuedToken:
        if form.get("grant_type") != "client_credentials":
            raise _oauth_error("unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise _oauth_error("invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}")
        audiences = [self.token_url, *([self.token_audience] if self.token_audience else [])]
        claims = self._verify_tool_jwt(form.get("client_assertion", ""), audiences, ("jti", "sub"))
        client_id = str(claims["iss"])
        if claims["sub"] != client_id:
            raise _oauth_error("invalid_client", "client assertion sub must equal iss (client_id)")
        scopes = tuple(form.get("scope", "").split())
        if not scopes or any(scope not in ALL_SCOPES for scope in scopes):
            raise _oauth_error("invalid_scope", f"unknown or missing scope: {form.get('scope')!r}")
        with self._lock:
            if (client_id, claims["jti"]) in self._seen_jti:
                raise _oauth_error("invalid_client", f"jti {claims['jti']!r} was already used")
            self._seen_jti.add((client_id, claims["jti"]))
            token = IssuedToken(
                client_id, secrets.token_urlsafe(24), scopes, time.time() + 3600, claims
            )
            self.tokens.setdefault(client_id, []).append(token)
            self._by_access_token[token.access_token] = token
        return token

    def _verify_tool_jwt(
        self, token: str, audiences: Sequence[str], required: Sequence[str]
    ) -> dict[str, Any]:
        try:
            return verify_tool_jwt(
                token, self._tool_key_set, audiences=audiences, required=required
            )
        except TokenRefused as error:
            raise _oauth_error("invalid_client", str(error)) from error

    def _tool_key_set(self, client_id: str) -> Mapping[str, Any]:
        registration = self.registrations.get(client_id)
        if registration is None:
            raise TokenRefused(f"unknown client (iss) {client_id!r}")
        if registration.jwks is not None:
            return registration.jwks() if callable(registration.jwks) else registration.jwks
        try:
            key_set: Mapping[str, Any] = requests.get(registration.jwks_url, timeout=10).json()
        except (requests.RequestException, ValueError) as error:
            raise TokenRefused(f"cannot read the tool's JWKS: {error}") from error
        return key_set

    def _on_deep_link_return(self, request: Request) -> Response:
        form = request.form.to_dict()
        claims: dict[str, Any] = {}
        try:
            claims = self._verify_tool_jwt(form.get("JWT", ""), [self.issuer], ("nonce",))
            client_id = str(claims["iss"])
            check_deep_link_response(
                claims,
                deployment_id=self.registrations[client_id].deployment_id,
                data_sent=self.deep_link_data.get(client_id, set()),
            )
        except (_Refused, TokenRefused) as refused:
            exchange = Exchange("POST", request.path, 400, None, form, claims, str(refused))
            self.deep_link_responses.append(exchange)
            return Response(str(refused), status=400, content_type="text/plain")
        exchange = Exchange("POST", request.path, 200, str(claims["iss"]), form, claims)
        self.deep_link_responses.append(exchange)
        for item in claims.get(DL_CLAIM + "content_items") or []:
            if isinstance(item, dict) and item.get("type") == "ltiResourceLink":
                self._place(item)
        return Response("<p>Content selected</p>", content_type="text/html")

    def _place(self, item: Mapping[str, Any]) -> PlacedLink:
        context = self.add_context(self.placement_context)
        with self._lock:
            link_id = f"rl-placed-{len(self.placed) + 1}"
            line_item_url = None
            spec = item.get("lineItem")
            if isinstance(spec, dict):
                item_id = str(len(self.line_items) + 1)
                line_item_url = f"{self.base_url}/ags/{context.id}/lineitems/{item_id}"
                line_item = {
                    "label": spec.get("label") or item.get("title") or "",
                    **spec,
                    "resourceLinkId": link_id,
                    "id": line_item_url,
                }
                context.line_items[item_id] = line_item
                self.line_items.append(line_item)
            placed = PlacedLink(
                context.id, link_id, str(item.get("title") or ""),
                dict(item.get("custom") or {}), line_item_url,
            )  # fmt: skip
            self.placed.append(placed)
        return placed

    # -- services (NRPS, AGS) ----------------------------------------------------------------

    def _service(
        self,
        request: Request,
        context_id: str,
        scopes: Sequence[str],
        run: Callable[[FakeContext, IssuedToken, Any], Response],
    ) -> Response:
        auth_scheme, _, access_token = request.headers.get("Authorization", "").partition(" ")
        token = self._by_access_token.get(access_token)
        body = request.get_json(silent=True, force=True)
        try:
            if auth_scheme.lower() != "bearer" or token is None or token.expires_at < time.time():
                raise _Refused(401, "a valid Bearer access token is required")
            if not set(scopes) & set(token.scopes):
                raise _Refused(403, f"the access token lacks one of the scopes {list(scopes)}")
            context = self.contexts.get(context_id)
            if context is None:
                raise _Refused(404, f"no context {context_id!r}")
            if context.client_id not in (None, token.client_id):
                raise _Refused(403, f"context {context_id!r} belongs to another client")
            response = run(context, token, body)
            error = None
        except _Refused as refused:
            response, error = _json(refused.body, refused.status), refused.message
        path, client_id = request.full_path.rstrip("?"), token.client_id if token else None
        headers = dict(request.headers)
        call = Exchange(request.method, path, response.status_code, client_id, headers, body, error)
        self.service_calls.append(call)
        return response

    def _on_nrps(self, request: Request, context_id: str) -> Response:
        def run(context: FakeContext, token: IssuedToken, body: Any) -> Response:
            if NRPS_MEDIA not in request.headers.get("Accept", ""):
                raise _Refused(406, f"Accept must name {NRPS_MEDIA}")
            try:
                limit = int(request.args.get("limit", NRPS_DEFAULT_LIMIT))
                page = int(request.args.get("page", 1))
            except ValueError as error:
                raise _Refused(400, "limit and page must be integers") from error
            limit = max(1, min(limit, NRPS_PAGE_CAP))
            role = request.args.get("role")
            members = [m for m in context.members if role is None or role in m["roles"]]
            start = (page - 1) * limit
            container = {
                "id": request.url,
                "context": {"id": context.id, "label": context.label, "title": context.title},
                "members": members[start : start + limit],
            }
            response = _json(container, content_type=NRPS_MEDIA)
            if start + limit < len(members):
                query = urlencode({**request.args.to_dict(), "limit": limit, "page": page + 1})
                response.headers["Link"] = f'<{self.base_url}{request.path}?{query}>; rel="next"'
            return response

        return self._service(request, context_id, (SCOPE_NRPS,), run)

    def _on_lineitems(self, request: Request, context_id: str) -> Response:
        def run(context: FakeContext, token: IssuedToken, body: Any) -> Response:
            if request.method == "GET":
                filters = ("resourceLinkId", "resourceId", "tag")
                wanted = {k: v for k, v in request.args.items() if k in filters}
                items = context.line_items.values()
                found = [i for i in items if all(i.get(k) == v for k, v in wanted.items())]
                return _json(found, content_type=LINEITEMS_MEDIA)
            if SCOPE_LINEITEM not in token.scopes:
                raise _Refused(403, f"creating a line item needs the scope {SCOPE_LINEITEM}")
            _require_media(request, LINEITEM_MEDIA)
            if not isinstance(body, dict) or not body.get("label"):
                raise _Refused(400, "a line item needs a label")
            if not isinstance(body.get("scoreMaximum"), int | float) or body["scoreMaximum"] <= 0:
                raise _Refused(400, "a line item needs a positive scoreMaximum")
            item_id = str(len(self.line_items) + 1)
            url = f"{self.base_url}/ags/{context.id}/lineitems/{item_id}"
            item = {**body, "id": url}
            context.line_items[item_id] = item
            self.line_items.append(item)
            return _json(item, 201, LINEITEM_MEDIA)

        scopes = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
        return self._service(request, context_id, scopes, run)

    def _on_lineitem(self, request: Request, context_id: str, item_id: str) -> Response:
        def run(context: FakeContext, token: IssuedToken, body: Any) -> Response:
            if item_id not in context.line_items:
                raise _Refused(404, f"no line item {item_id!r}")
            return _json(context.line_items[item_id], content_type=LINEITEM_MEDIA)

        scopes = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
        return self._service(request, context_id, scopes, run)

    def _on_scores(self, request: Request, context_id: str, item_id: str) -> Response:
        def run(context: FakeContext, token: IssuedToken, body: Any) -> Response:
            if self.score_failures:
                status, wait = self.score_failures.pop(0)
                answer = _json({"errors": {"message": f"failing on purpose ({status})"}}, status)
                if wait is not None:
                    answer.headers["Retry-After"] = wait
                return answer
            _require_media(request, SCORE_MEDIA)
            if item_id not in context.line_items:
                raise _Refused(404, f"no line item {item_id!r}")
            if not isinstance(body, dict) or not all(
                body.get(k) for k in ("userId", "timestamp", "activityProgress", "gradingProgress")
            ):
                raise _Refused(400, "userId, timestamp, activityProgress, gradingProgress needed")
            if body["activityProgress"] not in ACTIVITY or body["gradingProgress"] not in GRADING:
                raise _Refused(400, "unknown activityProgress or gradingProgress")
            if "scoreGiven" in body and "scoreMaximum" not in body:
                raise _Refused(400, "scoreGiven needs scoreMaximum")
            learner = any(
                m["user_id"] == body["userId"]
                and m.get("status", "Active") == "Active"
                and LEARNER_ROLES & set(m["roles"])
                for m in context.members
            )
            if not learner:  # Canvas: a score for a non-student is unprocessable
                message = "User not found in course or is not a student"
                raise _Refused(
                    422, message, {"errors": {"type": "unprocessable_entity", "message": message}}
                )
            self.scores.append(ScoreRecord(token.client_id, context.id, item_id, body))
            result = f"{context.line_items[item_id]['id']}/results/{body['userId']}"
            return _json({"resultUrl": result})

        return self._service(request, context_id, (SCOPE_SCORE,), run)


def _require_media(request: Request, media_type: str) -> None:
    if request.mimetype != media_type:
        raise _Refused(415, f"Content-Type must be {media_type}, got {request.mimetype!r}")
