"""The baseline of benchmark (b): a minimal Flask app on pylti1p3 alone.

It does what the pylti1p3 README shows (``FlaskOIDCLogin`` + ``FlaskMessageLaunch`` over a
``ToolConfDict``, state and nonce in the signed Flask session cookie, so any worker can finish a
launch) and then upserts the rows our launch writes (organization, person, LTI and email
identities, role assignments, one audit entry) with SQLAlchemy Core in one transaction, on
the same migrated schema. Run by gunicorn as ``bench.lti.pylti_app:create_app()``; settings
come from the environment (``BENCH_*``).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, redirect
from pylti1p3.contrib.flask import (
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.tool_config import ToolConfDict
from sqlalchemy import MetaData, select

from lti_tool.db.engine import make_engine

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ROLES = {MEMBERSHIP + "Instructor": "assessor", MEMBERSHIP + "Learner": "educator"}
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def _tool_config() -> ToolConfDict:
    platform = json.loads(os.environ["BENCH_PLATFORM"])
    config = ToolConfDict(
        {
            platform["issuer"]: [
                {
                    "default": True,
                    "client_id": platform["client_id"],
                    "auth_login_url": platform["issuer"] + "/auth",
                    "auth_token_url": platform["issuer"] + "/token",
                    "key_set_url": None,
                    "key_set": platform["jwks"],
                    "deployment_ids": [platform["deployment_id"]],
                }
            ]
        }
    )
    return config


def create_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = os.environ["BENCH_SECRET_KEY"]
    base_url = os.environ["BENCH_BASE_URL"]
    tool_config = _tool_config()
    engine = make_engine(os.environ["BENCH_DATABASE_URL"])
    metadata = MetaData()
    metadata.reflect(
        engine,
        only=[
            "organizations",
            "people",
            "external_identities",
            "role_assignments",
            "audit_entries",
        ],
    )
    tables = metadata.tables

    @app.route("/lti/login", methods=["GET", "POST"])
    def login() -> Any:
        oidc = FlaskOIDCLogin(FlaskRequest(), tool_config)
        return oidc.redirect(base_url + "/lti/launch")

    @app.post("/lti/launch")
    def launch() -> Any:
        message = FlaskMessageLaunch(FlaskRequest(), tool_config)
        data = message.get_launch_data()
        _upsert(engine, tables, data)
        return redirect("/")

    return app


def _upsert(engine: Any, tables: Any, data: dict[str, Any]) -> None:
    orgs, people = tables["organizations"], tables["people"]
    identities, roles = tables["external_identities"], tables["role_assignments"]
    audit = tables["audit_entries"]
    issuer, subject = data["iss"], data["sub"]
    context = (data.get(CLAIM + "context") or {}).get("id")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        org_id = connection.scalar(select(orgs.c.id).where(orgs.c.slug == "lti-bench"))
        if org_id is None:
            org_id = str(uuid.uuid4())
            connection.execute(
                orgs.insert().values(id=org_id, name="Bench LMS", kind="district", slug="lti-bench")
            )
        person_id = connection.scalar(
            select(identities.c.person_id).where(
                identities.c.kind == "lti_sub",
                identities.c.namespace == issuer,
                identities.c.value == subject,
            )
        )
        if person_id is None:
            person_id = str(uuid.uuid4())
            connection.execute(
                people.insert().values(
                    id=person_id,
                    display_name=data.get("name") or subject,
                    email=data.get("email"),
                    organization_id=org_id,
                )
            )
            connection.execute(
                identities.insert().values(
                    person_id=person_id, kind="lti_sub", namespace=issuer, value=subject
                )
            )
            if data.get("email"):
                connection.execute(
                    identities.insert().values(
                        person_id=person_id, kind="email", namespace="", value=data["email"]
                    )
                )
        held = set(
            connection.execute(
                select(roles.c.role).where(
                    roles.c.person_id == person_id, roles.c.context_id == context
                )
            ).scalars()
        )
        for lis in data.get(CLAIM + "roles") or ():
            role = ROLES.get(lis)
            if role and role not in held:
                connection.execute(
                    roles.insert().values(
                        person_id=person_id, role=role, organization_id=org_id, context_id=context
                    )
                )
                held.add(role)
        connection.execute(
            audit.insert().values(
                id=str(uuid.uuid4()),
                at=now,
                actor_id=person_id,
                entity_type="person",
                entity_id=person_id,
                action="lti_launch",
                note="LtiResourceLinkRequest",
            )
        )
