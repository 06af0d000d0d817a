"""LTI platform registrations (issuer + client_id; Canvas cloud shares one issuer) and their
deployments. An unknown deployment id of a known registration is recorded as pending for an admin
(every Canvas install makes a new one), unless the registration approves new ones automatically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

from lti_tool.domain.errors import ConflictError, ValidationError
from lti_tool.domain.lti import Deployment, DeploymentStatus, PlatformRegistration
from lti_tool.domain.model import new_id
from lti_tool.domain.roles import Role
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.services.common import Actor, Page, page_bounds, record
from lti_tool.services.platform_checks import KeySetInput
from lti_tool.services.platform_checks import Problems as _Problems
from lti_tool.services.platform_checks import key_set as _key_set

ENTITY_TYPE = "platform"
"""Audit entity type here; the entity id is the registration's (notes name deployment ids)."""
MAX_ID_LENGTH = 255
MAX_URL_LENGTH = 2000
WRITE_ATTEMPTS = 3
DEFAULT_HTTP_HOSTS = ("127.0.0.1", "localhost")

OPERATOR = Actor(
    person_id="", display_name="operator at the command line", roles=frozenset({Role.ADMIN})
)
"""The actor for ``credbridge platform`` commands: whoever holds the database settings is an
admin. Audited with no actor id (it is not a person)."""

T = TypeVar("T")


@dataclass(frozen=True)
class RegistrationSummary:
    """A registration with its deployments, oldest first."""

    registration: PlatformRegistration
    deployments: list[Deployment]


@dataclass(frozen=True)
class PendingDeployment:
    """A deployment waiting for an admin, with the registration it belongs to."""

    deployment: Deployment
    registration: PlatformRegistration


def _actor_id(actor: Actor) -> str | None:
    return None if actor is OPERATOR else actor.person_id


def _text(value: str | None) -> str:
    return (value or "").strip()


class PlatformService:
    """Register LMS platforms, and decide which of their deployments may launch the tool.

    URLs must be https, except plain http for ``allow_http_hosts`` (an LMS on this machine).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        allow_http_hosts: Iterable[str] = DEFAULT_HTTP_HOSTS,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._http_hosts = frozenset(host.lower() for host in allow_http_hosts)
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after a registration or a deployment decision is written (the
        launch path caches both per process)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    def _check_url(
        self, field: str, value: str, problems: _Problems, *, issuer: bool = False
    ) -> None:
        if not value:
            problems.add(field, "is required")
            return
        if len(value) > MAX_URL_LENGTH:
            problems.add(field, f"is longer than {MAX_URL_LENGTH} characters")
            return
        try:
            parts = urlsplit(value)
            host = (parts.hostname or "").lower()
        except ValueError:  # a malformed IPv6 host or port
            parts, host = urlsplit(""), ""
        if parts.scheme not in ("https", "http") or not host or any(c.isspace() for c in value):
            problems.add(field, f"{value!r} is not an absolute URL like https://lms.example.edu/…")
        elif parts.scheme == "http" and host not in self._http_hosts:
            allowed = ", ".join(sorted(self._http_hosts)) or "no host"
            problems.add(field, f"must use https (plain http is allowed only for {allowed})")
        if issuer and (parts.query or parts.fragment):
            problems.add(field, "must not have a query or fragment (it is compared exactly)")

    def _check_id(self, field: str, value: str, problems: _Problems) -> None:
        if not value:
            problems.add(field, "is required")
        elif len(value) > MAX_ID_LENGTH:
            problems.add(field, f"is longer than {MAX_ID_LENGTH} characters")

    def _deployment_id(self, value: str) -> str:
        problems = _Problems()
        self._check_id("deployment_id", value, problems)
        problems.raise_if_any("That deployment id is not valid")
        return value

    def _validated(
        self, name: str, issuer: str, client_id: str, auth_login_url: str, auth_token_url: str,
        key_set_url: str | None, key_set: KeySetInput, auth_audience: str | None,
        deployment_ids: Iterable[str] = (),
    ) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
        """The cleaned fields (``PlatformRegistration`` keywords) and deployment ids.

        Raises:
            ValidationError: with one located problem per field that is wrong.
        """
        problems = _Problems()
        fields: dict[str, Any] = {
            "issuer": _text(issuer),
            "client_id": _text(client_id),
            "auth_login_url": _text(auth_login_url),
            "auth_token_url": _text(auth_token_url),
            "key_set_url": _text(key_set_url) or None,
            "auth_audience": _text(auth_audience) or None,
        }
        self._check_url("issuer", fields["issuer"], problems, issuer=True)
        self._check_id("client_id", fields["client_id"], problems)
        self._check_url("auth_login_url", fields["auth_login_url"], problems)
        self._check_url("auth_token_url", fields["auth_token_url"], problems)
        checked = len(problems.items)
        fields["key_set"] = _key_set(key_set, problems)
        pasted = fields["key_set"] is not None or bool(problems.items[checked:])
        if fields["key_set_url"] and pasted:
            problems.add("key_set", "give either a key set URL or a pasted key set, not both")
        elif fields["key_set_url"]:
            self._check_url("key_set_url", fields["key_set_url"], problems)
        elif not pasted:
            problems.add("key_set_url", "give the platform's key set URL (or paste its key set)")
        if fields["auth_audience"] and len(fields["auth_audience"]) > MAX_URL_LENGTH:
            problems.add("auth_audience", f"is longer than {MAX_URL_LENGTH} characters")
        cleaned_name = _text(name)
        if len(cleaned_name) > MAX_ID_LENGTH:
            problems.add("name", f"is longer than {MAX_ID_LENGTH} characters")
        host = fields["issuer"].split("://", 1)[-1].split("/", 1)[0]
        fields["name"] = cleaned_name or f"{host} ({fields['client_id']})"
        deployments: list[str] = []
        for raw in deployment_ids:
            deployment_id = _text(raw)
            self._check_id("deployment_id", deployment_id, problems)
            if deployment_id and deployment_id not in deployments:
                deployments.append(deployment_id)
        problems.raise_if_any("The platform registration is not valid")
        return fields, deployments

    @staticmethod
    def _duplicate(existing: PlatformRegistration) -> ValidationError:
        return ValidationError(
            f"A platform with issuer {existing.issuer} and client_id {existing.client_id} is "
            f"already registered as {existing.name!r} ({existing.id}).",
            [f"client_id: is already registered for this issuer (as {existing.name!r})"],
        )

    def _unique(
        self, issuer: str, client_id: str, own_id: str, work: Callable[[UnitOfWork], T]
    ) -> T:
        """Run ``work`` unless issuer + client_id belongs to another registration, also when
        that one was written at the same moment (the commit's ConflictError)."""
        try:
            with self._uow() as uow:
                existing = uow.platforms.find(issuer, client_id)
                if existing is not None and existing.id != own_id:
                    raise self._duplicate(existing)
                return work(uow)
        except ConflictError:
            existing = self.find(issuer, client_id)
            if existing is None or existing.id == own_id:
                raise
            raise self._duplicate(existing) from None

    def _retrying(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in a fresh unit of work, again after a concurrent write refused it."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._uow() as uow:
                    return work(uow)
            except ConflictError:
                if attempt == WRITE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def register(
        self,
        name: str,
        issuer: str,
        client_id: str,
        auth_login_url: str,
        auth_token_url: str,
        key_set_url: str | None = None,
        key_set: KeySetInput = None,
        auth_audience: str | None = None,
        deployment_ids: Iterable[str] = (),
        auto_approve: bool = False,
        actor_id: str | None = None,
        *,
        pending_deployment_ids: Iterable[str] = (),
        product_family: str | None = None,
        how: str = "register",
    ) -> PlatformRegistration:
        """Register a platform; the deployment ids given are approved at once.

        Args:
            name: Shown to admins; blank means "issuer host (client_id)".
            issuer: The platform's ``iss``, an https URL compared exactly.
            client_id: The client id the platform gave the tool.
            auth_login_url: The platform's OIDC authorization endpoint.
            auth_token_url: The platform's OAuth2 token endpoint (service tokens).
            key_set_url: The platform's JWKS URL; give this or ``key_set``.
            key_set: A pasted JWKS (``{"keys": [RSA keys with kid]}``), as a dict or JSON text.
            auth_audience: ``aud`` of our client assertions when it is not the token URL (D2L).
            deployment_ids: Deployment ids to approve now.
            auto_approve: Approve unknown deployment ids on first launch instead of holding them.
            actor_id: The person registering (``None`` at the command line).
            pending_deployment_ids: Deployment ids to record as waiting for an admin (what a
                Dynamic Registration names: nobody we know vouched for that platform yet).
            product_family: The LMS's ``product_family_code``, when known before a launch.
            how: The audit action (``register``, or ``dynamic_register``).

        Raises:
            ValidationError: a field is wrong, or issuer + client_id is already registered.
        """
        pending_ids = [_text(raw) for raw in pending_deployment_ids if _text(raw)]
        fields, deployments = self._validated(
            name, issuer, client_id, auth_login_url, auth_token_url, key_set_url, key_set,
            auth_audience, [*deployment_ids, *pending_ids],
        )  # fmt: skip
        now = self._clock.now()
        registration = PlatformRegistration(
            id=new_id(), auto_approve_deployments=auto_approve, created_at=now,
            product_family=_text(product_family)[:64] or None, **fields,
        )  # fmt: skip

        def write(uow: UnitOfWork) -> PlatformRegistration:
            uow.platforms.add(registration)
            note = f"{fields['name']}: {fields['issuer']}, client_id {fields['client_id']}"
            record(uow, now, actor_id, ENTITY_TYPE, registration.id, how, None, None, note)
            approved = DeploymentStatus.APPROVED
            for deployment_id in deployments:
                if deployment_id in pending_ids:
                    status, action, decided = DeploymentStatus.PENDING, "deployment_seen", None
                else:
                    status, action, decided = approved, "approve_deployment", now
                uow.platforms.add_deployment(
                    Deployment(
                        registration.id, deployment_id, status, now, decided,
                        actor_id if decided else None,
                    )
                )  # fmt: skip
                record(
                    uow, now, actor_id, ENTITY_TYPE, registration.id, action, None,
                    status.value, f"deployment {deployment_id}",
                )  # fmt: skip
            uow.commit()
            return registration

        stored = self._unique(registration.issuer, registration.client_id, registration.id, write)
        self._changed()
        return stored

    def update(
        self,
        registration_id: str,
        name: str,
        issuer: str,
        client_id: str,
        auth_login_url: str,
        auth_token_url: str,
        key_set_url: str | None = None,
        key_set: KeySetInput = None,
        auth_audience: str | None = None,
        actor_id: str | None = None,
    ) -> PlatformRegistration:
        """Replace a registration's settings, validated as in :meth:`register`.

        Deployments and the auto-approve setting are kept (see :meth:`decide` and
        :meth:`set_auto_approve`).

        Raises:
            NotFoundError: no such registration.
            ValidationError: a field is wrong, or issuer + client_id belongs to another one.
        """
        fields, _ = self._validated(
            name, issuer, client_id, auth_login_url, auth_token_url, key_set_url, key_set,
            auth_audience,
        )  # fmt: skip

        def write(uow: UnitOfWork) -> PlatformRegistration:
            current = uow.platforms.get(registration_id)
            changed = sorted(key for key, value in fields.items() if getattr(current, key) != value)
            updated = replace(current, **fields)
            if changed:
                uow.platforms.save(updated)
                record(
                    uow, self._clock.now(), actor_id, ENTITY_TYPE, registration_id, "update",
                    None, None, "changed " + ", ".join(changed),
                )  # fmt: skip
                uow.commit()
            return updated

        updated = self._unique(fields["issuer"], fields["client_id"], registration_id, write)
        self._changed()
        return updated

    def get(self, registration_id: str) -> PlatformRegistration:
        """One registration. Raises NotFoundError."""
        with self._uow() as uow:
            return uow.platforms.get(registration_id)

    def registrations(self) -> list[RegistrationSummary]:
        """Every registration by name, each with its deployments."""
        with self._uow() as uow:
            deployments: dict[str, list[Deployment]] = {}
            for deployment in uow.platforms.deployments():
                deployments.setdefault(deployment.registration_id, []).append(deployment)
            return [
                RegistrationSummary(registration, deployments.get(registration.id, []))
                for registration in uow.platforms.all()
            ]

    def find(self, issuer: str, client_id: str) -> PlatformRegistration | None:
        """The registration for exactly this issuer and client_id, if any."""
        with self._uow() as uow:
            return uow.platforms.find(issuer, client_id)

    def for_issuer(self, issuer: str) -> list[PlatformRegistration]:
        """Every registration sharing an issuer (Canvas cloud: one per institution)."""
        with self._uow() as uow:
            return uow.platforms.for_issuer(issuer)

    def set_auto_approve(
        self, actor: Actor, registration_id: str, on: bool
    ) -> PlatformRegistration:
        """Approve new deployment ids of this registration on first launch, or hold them.

        Deployments already pending stay pending: approve them with :meth:`decide`.

        Raises:
            PermissionDeniedError: the actor is not an admin.
            NotFoundError: no such registration.
        """
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            registration = uow.platforms.get(registration_id)
            if registration.auto_approve_deployments == on:
                return registration
            before = "on" if registration.auto_approve_deployments else "off"
            registration.auto_approve_deployments = on
            uow.platforms.save(registration)
            record(
                uow, self._clock.now(), _actor_id(actor), ENTITY_TYPE, registration_id,
                "set_auto_approve", before, "on" if on else "off", registration.name,
            )  # fmt: skip
            uow.commit()
        self._changed()
        return registration

    def deployment_seen(self, registration_id: str, deployment_id: str) -> Deployment:
        """The deployment a launch names; an unknown one is recorded (the launch path calls this).

        Unknown ids are PENDING, or APPROVED when the registration approves new deployments
        automatically. Two launches recording the same new id at once both get the stored row.

        Raises:
            NotFoundError: no such registration.
            ValidationError: the deployment id is empty or too long.
        """
        self._deployment_id(deployment_id)

        def seen(uow: UnitOfWork) -> Deployment:
            known = uow.platforms.deployment(registration_id, deployment_id)
            if known is not None:
                return known
            registration = uow.platforms.get(registration_id)
            now = self._clock.now()
            automatic = registration.auto_approve_deployments
            status = DeploymentStatus.APPROVED if automatic else DeploymentStatus.PENDING
            deployment = Deployment(
                registration_id, deployment_id, status, now, now if automatic else None
            )
            uow.platforms.add_deployment(deployment)
            note = " (approved automatically)" if automatic else ""
            record(
                uow, now, None, ENTITY_TYPE, registration_id, "deployment_seen", None,
                status.value, f"deployment {deployment_id} first launched{note}",
            )  # fmt: skip
            uow.commit()
            return deployment

        return self._retrying(seen)

    def decide(
        self, actor: Actor, registration_id: str, deployment_id: str, approve: bool
    ) -> Deployment:
        """Approve or reject a deployment (pending, or decided before: admins may change their
        mind). An id no launch has named yet is recorded with the decision.

        Raises:
            PermissionDeniedError: the actor is not an admin.
            NotFoundError: no such registration.
            ValidationError: the deployment id is empty or too long.
        """
        actor.require(Role.ADMIN)
        deployment_id = self._deployment_id(_text(deployment_id))
        wanted = DeploymentStatus.APPROVED if approve else DeploymentStatus.REJECTED
        by = _actor_id(actor)

        def decided(uow: UnitOfWork) -> Deployment:
            uow.platforms.get(registration_id)
            now = self._clock.now()
            current = uow.platforms.deployment(registration_id, deployment_id)
            if current is not None and current.status is wanted:
                return current
            first_seen = current.first_seen_at if current else now
            deployment = Deployment(registration_id, deployment_id, wanted, first_seen, now, by)
            if current is None:
                uow.platforms.add_deployment(deployment)
            else:
                uow.platforms.save_deployment(deployment)
            record(
                uow, now, by, ENTITY_TYPE, registration_id,
                "approve_deployment" if approve else "reject_deployment",
                current.status.value if current else None, wanted.value,
                f"deployment {deployment_id}",
            )  # fmt: skip
            uow.commit()
            return deployment

        decision = self._retrying(decided)
        self._changed()
        return decision

    def pending(self, page: int = 1, per_page: int = 25) -> Page[PendingDeployment]:
        """Deployments waiting for an admin, oldest first, with their registrations."""
        page, per_page, offset = page_bounds(page, per_page)
        with self._uow() as uow:
            waiting = uow.platforms.deployments(status=DeploymentStatus.PENDING)
            shown = waiting[offset : offset + per_page]
            registrations = {
                registration_id: uow.platforms.get(registration_id)
                for registration_id in {deployment.registration_id for deployment in shown}
            }
            items = [PendingDeployment(item, registrations[item.registration_id]) for item in shown]
            return Page(items, len(waiting), page, per_page)
