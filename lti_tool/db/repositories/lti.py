"""LTI repositories over SQLAlchemy: registrations, deployments, tool keys, launch state."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lti_tool.db.models import (
    DeploymentRow,
    LaunchStateRow,
    PlatformRegistrationRow,
    ToolKeyRow,
    UsedNonceRow,
)
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.lti import (
    Deployment,
    DeploymentStatus,
    PlatformRegistration,
    ToolKey,
    ToolKeyState,
)
from lti_tool.ports import PendingLogin

LAUNCH_STATES = cast(Table, LaunchStateRow.__table__)
USED_NONCES = cast(Table, UsedNonceRow.__table__)
ADD_LOGIN = LAUNCH_STATES.insert()
TAKE_LOGIN = (
    delete(LAUNCH_STATES)
    .where(LAUNCH_STATES.c.state == bindparam("taken"))
    .returning(LAUNCH_STATES.c.nonce, LAUNCH_STATES.c.registration_id, LAUNCH_STATES.c.expires_at)
)
CONSUME_NONCE = {
    is_postgresql: dialect_insert(USED_NONCES)
    .on_conflict_do_nothing(index_elements=["issuer", "nonce"])
    .returning(USED_NONCES.c.id)
    for is_postgresql, dialect_insert in ((False, sqlite_insert), (True, postgresql_insert))
}
"""Built once per dialect (SQLite, PostgreSQL); values are bound at execution."""
REGISTRATION_FIELDS = (
    "name", "issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url", "key_set",
    "auth_audience", "auto_approve_deployments", "created_at", "product_family",
)  # fmt: skip


def _registration(row: PlatformRegistrationRow) -> PlatformRegistration:
    return PlatformRegistration(
        id=row.id, **{name: getattr(row, name) for name in REGISTRATION_FIELDS}
    )


def _deployment(row: DeploymentRow) -> Deployment:
    return Deployment(
        registration_id=row.registration_id,
        deployment_id=row.deployment_id,
        status=DeploymentStatus(row.status),
        first_seen_at=row.first_seen_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
    )


class SqlPlatformRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, registration: PlatformRegistration) -> None:
        self._session.add(
            PlatformRegistrationRow(
                id=registration.id,
                **{name: getattr(registration, name) for name in REGISTRATION_FIELDS},
            )
        )
        self._session.flush()

    def save(self, registration: PlatformRegistration) -> None:
        row = self._session.get(PlatformRegistrationRow, registration.id)
        if row is None:
            raise NotFoundError("That platform registration does not exist.")
        for name in REGISTRATION_FIELDS:
            setattr(row, name, getattr(registration, name))

    def get(self, registration_id: str) -> PlatformRegistration:
        row = self._session.get(PlatformRegistrationRow, registration_id)
        if row is None:
            raise NotFoundError("That platform registration does not exist.")
        return _registration(row)

    def find(self, issuer: str, client_id: str) -> PlatformRegistration | None:
        row = self._session.scalar(
            select(PlatformRegistrationRow).where(
                PlatformRegistrationRow.issuer == issuer,
                PlatformRegistrationRow.client_id == client_id,
            )
        )
        return _registration(row) if row else None

    def for_issuer(self, issuer: str) -> list[PlatformRegistration]:
        rows = self._session.scalars(
            select(PlatformRegistrationRow)
            .where(PlatformRegistrationRow.issuer == issuer)
            .order_by(PlatformRegistrationRow.created_at)
        )
        return [_registration(row) for row in rows]

    def all(self) -> list[PlatformRegistration]:
        rows = self._session.scalars(
            select(PlatformRegistrationRow).order_by(PlatformRegistrationRow.name)
        )
        return [_registration(row) for row in rows]

    def _deployment_row(self, registration_id: str, deployment_id: str) -> DeploymentRow | None:
        return self._session.scalar(
            select(DeploymentRow).where(
                DeploymentRow.registration_id == registration_id,
                DeploymentRow.deployment_id == deployment_id,
            )
        )

    def deployment(self, registration_id: str, deployment_id: str) -> Deployment | None:
        row = self._deployment_row(registration_id, deployment_id)
        return _deployment(row) if row else None

    def add_deployment(self, deployment: Deployment) -> None:
        self._session.add(
            DeploymentRow(
                registration_id=deployment.registration_id,
                deployment_id=deployment.deployment_id,
                status=deployment.status.value,
                first_seen_at=deployment.first_seen_at,
                decided_at=deployment.decided_at,
                decided_by=deployment.decided_by,
            )
        )
        self._session.flush()

    def save_deployment(self, deployment: Deployment) -> None:
        row = self._deployment_row(deployment.registration_id, deployment.deployment_id)
        if row is None:
            raise NotFoundError("That deployment does not exist.")
        row.status = deployment.status.value
        row.decided_at = deployment.decided_at
        row.decided_by = deployment.decided_by

    def deployments(
        self, registration_id: str | None = None, status: DeploymentStatus | None = None
    ) -> list[Deployment]:
        query = select(DeploymentRow).order_by(DeploymentRow.first_seen_at, DeploymentRow.id)
        if registration_id is not None:
            query = query.where(DeploymentRow.registration_id == registration_id)
        if status is not None:
            query = query.where(DeploymentRow.status == status.value)
        return [_deployment(row) for row in self._session.scalars(query)]


def _key(row: ToolKeyRow) -> ToolKey:
    return ToolKey(
        kid=row.kid,
        public_jwk=dict(row.public_jwk),
        private_key_encrypted=row.private_key_encrypted,
        state=ToolKeyState(row.state),
        created_at=row.created_at,
        activated_at=row.activated_at,
        retired_at=row.retired_at,
    )


class SqlToolKeyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: ToolKey) -> None:
        self._session.add(
            ToolKeyRow(
                kid=key.kid,
                public_jwk=key.public_jwk,
                private_key_encrypted=key.private_key_encrypted,
                state=key.state.value,
                created_at=key.created_at,
                activated_at=key.activated_at,
                retired_at=key.retired_at,
            )
        )
        self._session.flush()

    def save(self, key: ToolKey) -> None:
        row = self._session.get(ToolKeyRow, key.kid)
        if row is None:
            raise NotFoundError("That tool key does not exist.")
        row.state = key.state.value
        row.activated_at = key.activated_at
        row.retired_at = key.retired_at

    def all(self) -> list[ToolKey]:
        rows = self._session.scalars(select(ToolKeyRow).order_by(ToolKeyRow.created_at))
        return [_key(row) for row in rows]


class SqlLaunchStateRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_login(self, login: PendingLogin, created_at: datetime) -> None:
        # Core statements built once, run on the session's connection: every launch runs them,
        # and building a statement (or the ORM's bookkeeping) cost more than running it.
        self._session.connection().execute(
            ADD_LOGIN,
            {
                "state": login.state,
                "nonce": login.nonce,
                "registration_id": login.registration_id,
                "created_at": created_at,
                "expires_at": login.expires_at,
            },
        )

    def take_login(self, state: str, now: datetime) -> PendingLogin | None:
        # One DELETE ... RETURNING: the row is gone for every other worker the moment one
        # takes it (SQLite >= 3.35 and PostgreSQL), and it costs one statement, not three.
        row = self._session.connection().execute(TAKE_LOGIN, {"taken": state}).first()
        if row is None:
            return None
        login = PendingLogin(state, row.nonce, row.registration_id, row.expires_at)
        return login if login.expires_at > now else None

    def consume_nonce(self, issuer: str, nonce: str, now: datetime, expires_at: datetime) -> bool:
        # INSERT ... ON CONFLICT DO NOTHING RETURNING: a used nonce inserts and returns no row,
        # with no savepoint and no exception in the way.
        values = {"issuer": issuer, "nonce": nonce, "used_at": now, "expires_at": expires_at}
        statement = CONSUME_NONCE[self._dialect() == "postgresql"]
        return self._session.connection().execute(statement, values).first() is not None

    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    def purge_expired(self, now: datetime) -> int:
        states = self._session.execute(
            delete(LaunchStateRow).where(LaunchStateRow.expires_at <= now)
        )
        nonces = self._session.execute(delete(UsedNonceRow).where(UsedNonceRow.expires_at <= now))
        return int(states.rowcount or 0) + int(nonces.rowcount or 0)  # type: ignore[attr-defined]
