"""Settings built once from the environment, with safe defaults for a local run.

Nothing here reads the environment at import time: :func:`load_settings` is called by the
composition root (CLI, WSGI entry point, tests) with the environment it should use.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MAX_UPLOAD_BYTES = 500 * 1024 * 1024
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


class SettingsError(RuntimeError):
    """The environment describes a configuration that must not start."""


@dataclass(frozen=True)
class MailSettings:
    """SMTP for sharing credentials by email. No host: messages go to ``instance/mail``."""

    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None = field(repr=False)
    sender: str


@dataclass(frozen=True)
class Settings:
    """Everything the composition root needs to build the application."""

    environment: str
    """``development`` (default) or ``production``."""
    instance_path: Path
    """Local state: the SQLite database, evidence files and the generated secret key."""
    database_url: str
    secret_key: str = field(repr=False)
    base_url: str
    storage_backend: str
    """``local`` (a folder) or ``s3`` (an S3-compatible bucket)."""
    storage_path: Path
    s3_bucket: str | None
    s3_endpoint_url: str | None
    s3_region: str | None
    s3_prefix: str
    max_upload_bytes: int
    demo_mode: bool
    """Serve the demo LMS at ``/demo-lms``. Refused in production."""
    blind_review_default: bool
    double_review_default: bool
    default_attempt_cap: int
    issuer_name: str = "credbridge"
    """Names the instance-wide issuer of record created on first issue (rename it later)."""
    mail: MailSettings = field(default_factory=lambda: MailSettings(None, 587, None, None, ""))
    worker_in_process: bool = False
    """Run the outbox worker in a thread of ``credbridge serve`` (the demo does)."""
    encryption_keys: tuple[str, ...] = field(default=(), repr=False)
    """Keys for secrets at rest (tool private keys, connector tokens), newest first. Empty means
    one key derived from SECRET_KEY. Rotate by putting a new key first and keeping the old ones
    until everything is re-encrypted."""
    roster_deactivation_percent: int = 10
    """A bulk roster import that would deactivate more than this share of a district's active
    users stops and asks for confirmation."""
    review_days: int = 10
    """The review time promised to educators, in business days (providers promise 5 to 14);
    the review-queue dashboard measures waiting submissions against it."""
    roster_employee_id_field: str = "identifier"
    """Where the employee/state educator id comes from: identifier, userMasterIdentifier,
    userIds:<TYPE> or metadata.<name>."""
    credit_rules_path: Path | None = None
    """The folder of credit rule files (``CREDBRIDGE_CREDIT_RULES``); None: ``config/credit_rules``
    of the working directory, else of the source checkout."""
    nrps_sync_minutes: int = 60
    """An instructor's launch queues a background roster read (NRPS) at most this often per
    course."""
    nrps_page_cap: int = 100
    """Membership pages read at most per course; more stops the read rather than import half."""
    register_rate_limit: str = "10 per minute; 50 per hour"
    """Dynamic registrations one client address may start (``CREDBRIDGE_REGISTER_RATE_LIMIT``,
    ``N per unit`` joined by ``;``; empty for none)."""
    rate_limit_storage: str = "memory://"
    """Where rate-limit counts live: ``memory://`` per process, or a shared store the ``limits``
    library knows (``redis://host:6379``)."""
    trusted_proxies: int = 0
    """Reverse proxies in front of credbridge whose ``X-Forwarded-For``/``-Proto`` are believed
    (0: none; the client address is the connection's)."""

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def uses_https(self) -> bool:
        return self.base_url.startswith("https://")


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in TRUE_WORDS


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be greater than zero, got {value}")
    return value


def _count(env: Mapping[str, str], name: str) -> int:
    """A whole number that may be zero (the default)."""
    raw = env.get(name, "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a whole number of 0 or more, got {raw!r}")
    return int(raw)


def _secret_key(env: Mapping[str, str], instance_path: Path, production: bool) -> str:
    configured = env.get("SECRET_KEY", "").strip()
    if configured:
        if production and len(configured) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters in production")
        return configured
    if production:
        raise SettingsError(
            "SECRET_KEY is not set. Production mode refuses to start without one: "
            "set SECRET_KEY to a long random value (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')."
        )
    key_file = instance_path / "secret_key"
    existing = _read_key(key_file)
    if existing:
        return existing
    instance_path.mkdir(parents=True, exist_ok=True)
    # Written whole to a temporary file, then linked into place: a crash or a second process
    # starting at the same moment never sees (or keeps) a partly written key.
    temporary = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            winner = _read_key(key_file)
            if winner:
                return winner
            os.replace(temporary, key_file)  # an empty or truncated key left by a crash
    finally:
        temporary.unlink(missing_ok=True)
    key = _read_key(key_file)
    if key is None:
        raise SettingsError(f"Could not write a secret key to {key_file}")
    return key


def _read_key(key_file: Path) -> str | None:
    """A stored key, or None when there is none or it is too short to be one we wrote."""
    try:
        value = key_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return value if len(value) >= 32 else None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``env`` (default: the process environment).

    Raises:
        SettingsError: the configuration must not start (e.g. production without SECRET_KEY,
            or demo mode requested in production).
    """
    env = os.environ if env is None else env
    environment = env.get("CREDBRIDGE_ENV", "development").strip().lower() or "development"
    if environment not in {"development", "production"}:
        raise SettingsError(
            f"CREDBRIDGE_ENV must be development or production, got {environment!r}"
        )
    production = environment == "production"
    instance_path = Path(env.get("CREDBRIDGE_INSTANCE_PATH", "instance")).resolve()
    database_url = env.get("DATABASE_URL", "").strip()
    if not database_url:
        if production:
            raise SettingsError(
                "DATABASE_URL is not set. Production needs a real database, e.g. "
                "postgresql+psycopg://user:password@host:5432/credbridge"
            )
        database_url = f"sqlite:///{instance_path / 'credbridge.sqlite3'}"
    storage_backend = env.get("CREDBRIDGE_STORAGE", "").strip().lower()
    s3_bucket = env.get("S3_BUCKET", "").strip() or None
    if not storage_backend:
        storage_backend = "s3" if s3_bucket else "local"
    if storage_backend not in {"local", "s3"}:
        raise SettingsError(f"CREDBRIDGE_STORAGE must be local or s3, got {storage_backend!r}")
    if storage_backend == "s3" and not s3_bucket:
        raise SettingsError("CREDBRIDGE_STORAGE=s3 needs S3_BUCKET")
    demo_mode = _flag(env, "CREDBRIDGE_DEMO", default=False)
    if production and demo_mode:
        raise SettingsError("CREDBRIDGE_DEMO=1 is refused in production: the demo LMS is for demos")
    base_url = env.get("CREDBRIDGE_BASE_URL", "").strip().rstrip("/") or "http://127.0.0.1:8000"
    if production and not base_url.startswith("https://"):
        raise SettingsError("CREDBRIDGE_BASE_URL must be an https:// URL in production")
    return Settings(
        environment=environment,
        instance_path=instance_path,
        database_url=database_url,
        secret_key=_secret_key(env, instance_path, production),
        base_url=base_url,
        storage_backend=storage_backend,
        storage_path=Path(
            env.get("CREDBRIDGE_STORAGE_PATH", "").strip() or instance_path / "evidence"
        ).resolve(),
        s3_bucket=s3_bucket,
        s3_endpoint_url=env.get("S3_ENDPOINT_URL", "").strip() or None,
        s3_region=env.get("S3_REGION", "").strip() or None,
        s3_prefix=env.get("S3_PREFIX", "evidence/").strip(),
        max_upload_bytes=_positive_int(
            env, "CREDBRIDGE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES
        ),
        demo_mode=demo_mode,
        blind_review_default=_flag(env, "CREDBRIDGE_BLIND_REVIEW", default=True),
        double_review_default=_flag(env, "CREDBRIDGE_DOUBLE_REVIEW", default=False),
        default_attempt_cap=_positive_int(env, "CREDBRIDGE_ATTEMPT_CAP", 3),
        review_days=_positive_int(env, "CREDBRIDGE_REVIEW_DAYS", 10),
        issuer_name=env.get("CREDBRIDGE_ISSUER_NAME", "").strip() or "credbridge",
        mail=MailSettings(
            smtp_host=env.get("SMTP_HOST", "").strip() or None,
            smtp_port=_positive_int(env, "SMTP_PORT", 587),
            smtp_user=env.get("SMTP_USER", "").strip() or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            sender=env.get("MAIL_FROM", "").strip() or "credbridge@localhost",
        ),
        worker_in_process=_flag(env, "CREDBRIDGE_WORKER_IN_PROCESS", default=demo_mode),
        encryption_keys=tuple(
            part.strip()
            for part in env.get("CREDBRIDGE_ENCRYPTION_KEYS", "").split(",")
            if part.strip()
        ),
        roster_deactivation_percent=_positive_int(
            env, "CREDBRIDGE_ROSTER_DEACTIVATION_PERCENT", 10
        ),
        roster_employee_id_field=_employee_id_field(env),
        register_rate_limit=env.get(
            "CREDBRIDGE_REGISTER_RATE_LIMIT", "10 per minute; 50 per hour"
        ).strip(),
        rate_limit_storage=env.get("CREDBRIDGE_RATE_LIMIT_STORAGE", "").strip() or "memory://",
        trusted_proxies=_count(env, "CREDBRIDGE_TRUSTED_PROXIES"),
        credit_rules_path=(
            Path(env["CREDBRIDGE_CREDIT_RULES"]).resolve()
            if env.get("CREDBRIDGE_CREDIT_RULES", "").strip()
            else None
        ),
        nrps_sync_minutes=_positive_int(env, "CREDBRIDGE_NRPS_SYNC_MINUTES", 60),
        nrps_page_cap=_positive_int(env, "CREDBRIDGE_NRPS_PAGE_CAP", 100),
    )


def _employee_id_field(env: Mapping[str, str]) -> str:
    from lti_tool.domain.roster.matching import EMPLOYEE_ID_FIELDS, valid_employee_id_field

    value = env.get("CREDBRIDGE_ROSTER_EMPLOYEE_ID_FIELD", "").strip() or "identifier"
    if not valid_employee_id_field(value):
        raise SettingsError(
            f"CREDBRIDGE_ROSTER_EMPLOYEE_ID_FIELD must be one of {', '.join(EMPLOYEE_ID_FIELDS)}, "
            f"got {value!r}"
        )
    return value
