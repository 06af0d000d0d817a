"""Application factory. ``create_app()`` with no argument reads settings from the environment
(gunicorn calls it as ``lti_tool.web.app:create_app()``); tests pass settings or a container."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, Response, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from lti_tool.bootstrap import Container, build
from lti_tool.domain.errors import DomainError, ValidationError
from lti_tool.settings import Settings, SettingsError, load_settings
from lti_tool.web import filters
from lti_tool.web.auth import bp as auth_bp
from lti_tool.web.auth import load_actor
from lti_tool.web.problems import problem
from lti_tool.web.rate_limits import RequestLimiter
from lti_tool.web.sessions import KeptSerializerSessionInterface
from lti_tool.web.views_admin import bp as admin_bp
from lti_tool.web.views_admin_delivery import bp as admin_delivery_bp
from lti_tool.web.views_admin_home import bp as admin_home_bp
from lti_tool.web.views_admin_people import bp as admin_people_bp
from lti_tool.web.views_admin_platforms import bp as admin_platforms_bp
from lti_tool.web.views_admin_roster import bp as admin_roster_bp
from lti_tool.web.views_assessor import bp as assessor_bp
from lti_tool.web.views_badges import bp as badges_bp
from lti_tool.web.views_canvas import bp as canvas_bp
from lti_tool.web.views_cohort import bp as cohort_bp
from lti_tool.web.views_credentials import bp as credentials_bp
from lti_tool.web.views_credit import bp as credit_bp
from lti_tool.web.views_deep_link import bp as deep_link_bp
from lti_tool.web.views_health import bp as health_bp
from lti_tool.web.views_issuer import bp as issuer_bp
from lti_tool.web.views_jwks import bp as jwks_bp
from lti_tool.web.views_lti import bp as lti_bp
from lti_tool.web.views_lti_register import bp as lti_register_bp
from lti_tool.web.views_stipends import bp as stipends_bp
from lti_tool.web.views_teacher import bp as teacher_bp
from lti_tool.web.views_uploads import bp as uploads_bp
from lti_tool.web.views_verify import api as verify_api_bp
from lti_tool.web.views_verify import bp as verify_bp

FORM_OVERHEAD_BYTES = 1024 * 1024
HELP_BASE = "https://github.com/credbridge/credbridge/blob/main/"


def _register_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Any:
        problems = error.problems if isinstance(error, ValidationError) else None
        titles = {
            403: "Not allowed",
            404: "Not found",
            409: "Not possible right now",
            413: "File too large",
            415: "File not accepted",
            422: "Please check your input",
        }
        return problem(
            error.status_hint,
            titles.get(error.status_hint, "Request refused"),
            error.message,
            problems,
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return problem(
            400,
            "This form has expired",
            "The page was open too long or was opened in another session. Go back, "
            "reload the page and send it again; what you saved before is kept.",
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> Any:
        limit = app.config["CREDBRIDGE_MAX_UPLOAD_BYTES"] // (1024 * 1024)
        return problem(
            413,
            "File too large",
            f"Files may be at most {limit} MB. Nothing you saved before was lost; "
            "compress the file or share it as a link instead.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        return problem(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return problem(
            500,
            "Something went wrong on our side",
            "The error has been logged. What you saved before is kept; try again in a "
            "moment, and tell your administrator if it keeps happening.",
        )


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    # Pages are framed by the LMS; which LMS origins may frame them is set per platform later.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors *",
    )
    if request.endpoint and not request.endpoint.startswith("static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(settings: Settings | None = None, container: Container | None = None) -> Flask:
    """Build the Flask app. Give ``container`` to reuse already-wired services (tests)."""
    if container is None:
        container = build(settings or load_settings())
    settings = container.settings
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + FORM_OVERHEAD_BYTES,
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,
        CREDBRIDGE_MAX_UPLOAD_BYTES=settings.max_upload_bytes,
        SESSION_COOKIE_NAME="credbridge_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.uses_https,
        # Inside an LMS iframe the session cookie is third-party: it needs SameSite=None; Secure.
        SESSION_COOKIE_SAMESITE="None" if settings.uses_https else "Lax",
        # Partitioned (CHIPS): browsers that block third-party cookies keep it per LMS site.
        SESSION_COOKIE_PARTITIONED=settings.uses_https,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        WTF_CSRF_SSL_STRICT=False,
        TEMPLATES_AUTO_RELOAD=not settings.is_production,
    )
    app.extensions["credbridge"] = container
    csrf = CSRFProtect(app)
    csrf.exempt(lti_bp)  # the platform posts here; the id_token's signature and state protect it
    csrf.exempt(verify_api_bp)  # no cookies, no side effects: verifying is open to any program
    filters.register(app)
    app.before_request(load_actor)
    app.session_interface = KeptSerializerSessionInterface()
    app.after_request(_security_headers)

    @app.context_processor
    def globals_for_templates() -> dict[str, Any]:
        return {"actor": g.get("actor"), "demo_mode": settings.demo_mode, "help_base": HELP_BASE}

    for blueprint in (
        health_bp, jwks_bp, lti_bp, auth_bp, teacher_bp, assessor_bp, issuer_bp, admin_bp,
        admin_platforms_bp, deep_link_bp, credentials_bp, verify_bp, verify_api_bp, badges_bp,
        lti_register_bp, admin_people_bp, cohort_bp,
    ):  # fmt: skip
        app.register_blueprint(blueprint)
    app.register_blueprint(admin_roster_bp)
    app.register_blueprint(canvas_bp)
    app.register_blueprint(admin_home_bp)
    app.register_blueprint(uploads_bp)
    app.register_blueprint(credit_bp)
    app.register_blueprint(stipends_bp)
    app.register_blueprint(admin_delivery_bp)
    if settings.demo_mode:
        from lti_tool.web import views_demo_lms

        # The tool posts its deep-linking answer here; the answer's signature protects it.
        csrf.exempt(views_demo_lms.deep_link_return)
        csrf.exempt(views_demo_lms.auth)
        app.register_blueprint(views_demo_lms.bp)
    _register_errors(app)
    app.extensions["credbridge.register_limiter"] = _register_limiter(settings)
    if settings.trusted_proxies:
        # Behind N proxies the client's address and scheme are the ones they forwarded.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    return app


def _register_limiter(settings: Settings) -> RequestLimiter:
    """The dynamic registration budget, or a clear refusal to start with a bad setting."""
    try:
        return RequestLimiter(settings.register_rate_limit, settings.rate_limit_storage)
    except ValueError as error:
        raise SettingsError(f"CREDBRIDGE_REGISTER_RATE_LIMIT: {error}") from error
    except Exception as error:  # the limits library's storage errors have no common base
        raise SettingsError(
            f"CREDBRIDGE_RATE_LIMIT_STORAGE {settings.rate_limit_storage!r}: {error}"
        ) from error
