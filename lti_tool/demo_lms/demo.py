"""The demo LMS: one course, the demo district's people as its users, and a platform whose
logins travel in signed login hints (no memory between requests, so any process can finish a
launch another one started).

``credbridge demo`` makes its key (a PEM file in the instance folder, demo only) and registers
it with the tool; the web layer serves it at ``/demo-lms`` when demo mode is on.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt

from lti_tool.demo_lms.platform import PendingLaunch, PlatformCore
from lti_tool.demo_lms.tokens import ROLE_INSTRUCTOR, ROLE_LEARNER, SigningKey, sign

CLIENT_ID = "credbridge-demo"
DEPLOYMENT_ID = "demo-deployment"
PRODUCT_FAMILY = "credbridge-demo-lms"
KEY_FILE = "demo-lms-key.pem"
KID = "demo-lms-1"
HINT_LIFETIME = timedelta(minutes=10)
DEEP_LINK_DATA = "demo-lms-course"
"""Echoed by the tool in its deep-linking response (the demo has one course)."""
ROLE_ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
COURSE: dict[str, Any] = {
    "id": "demo-course-101",
    "label": "PD-101",
    "title": "Professional Learning 101",
}
NO_SERVICES = ("namesroleservice", "endpoint")
"""The demo LMS offers no NRPS or AGS endpoints: its launches leave those claims out."""


@dataclass(frozen=True)
class DemoUser:
    """A person of the demo district as the demo LMS knows them."""

    key: str
    name: str
    email: str
    roles: tuple[str, ...]
    does: str
    """What to try as them."""

    @property
    def subject(self) -> str:
        return f"demo-{self.key}"


USERS = (
    DemoUser(
        "teacher", "Tamara Jones", "tamara.jones@riverbend.example", (ROLE_LEARNER,),
        "An educator: pick a credential, gather evidence, submit it.",
    ),
    DemoUser(
        "assessor", "Asa Brooks", "asa.brooks@assessors.example", (ROLE_INSTRUCTOR,),
        "An assessor and the course's instructor: review submissions, add credentials to the "
        "course (deep linking), see the cohort.",
    ),
    DemoUser(
        "issuer", "Irene Castillo", "issuer@riverbend.example", (ROLE_INSTRUCTOR,),
        "The issuer of record: award, return or deny.",
    ),
    DemoUser(
        "admin", "Alex Morgan", "admin@riverbend.example", (ROLE_ADMINISTRATOR,),
        "An administrator: catalog, LMS platforms, people, audit trail.",
    ),
)  # fmt: skip


def issuer_for(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/demo-lms"


def key_path(instance_path: Path) -> Path:
    return instance_path / KEY_FILE


def load_key(instance_path: Path) -> SigningKey | None:
    """The demo LMS's signing key, or None before ``credbridge demo`` made it."""
    path = key_path(instance_path)
    return SigningKey.from_pem(path.read_bytes(), KID) if path.is_file() else None


def load_or_make_key(instance_path: Path) -> SigningKey:
    """The key, made (RSA 2048, readable by the owner only) on first use."""
    existing = load_key(instance_path)
    if existing is not None:
        return existing
    key = SigningKey.generate(KID)
    instance_path.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_path(instance_path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.to_pem())
    return key


class DemoPlatform(PlatformCore):
    """The demo LMS's platform: the launch to sign travels in a login hint it signed itself."""

    def __init__(self, base_url: str, key: SigningKey) -> None:
        base = base_url.rstrip("/")
        super().__init__(issuer_for(base), f"{base}/demo-lms", PRODUCT_FAMILY, [key])
        self.tool_base = base

    def remember_login(self, login_hint: str, pending: PendingLaunch) -> None:
        """Nothing to keep: :meth:`login` put the launch in the hint."""

    def recall_login(self, login_hint: str) -> PendingLaunch | None:
        try:
            claims = jwt.decode(
                login_hint,
                self.keys[-1].private_key.public_key(),
                algorithms=["RS256"],
                audience=self.issuer,
                issuer=self.issuer,
            )
        except jwt.PyJWTError:
            return None
        return str(claims["client_id"]), str(claims["hint"]), dict(claims["launch"])

    def login(
        self,
        user: DemoUser,
        *,
        deep_linking: bool = False,
        credential: str | None = None,
        now: datetime | None = None,
        stack: str | None = None,
    ) -> tuple[str, dict[str, str]]:
        """The tool's login URL and the initiation parameters of a launch as ``user``: from
        the course's navigation, a resource link opening ``credential`` (or a whole ``stack``),
        or deep linking."""
        moment = now or datetime.now(UTC)
        launch: dict[str, Any] = {
            "roles": list(user.roles), "sub": user.subject, "name": user.name,
            "given_name": user.name.split()[0], "family_name": user.name.split()[-1],
            "email": user.email, "context": COURSE, "omit": list(NO_SERVICES),
        }  # fmt: skip
        if deep_linking:
            launch["message_type"] = "LtiDeepLinkingRequest"
            launch["deep_link_data"] = DEEP_LINK_DATA
        if credential:
            launch["custom"] = {"credential": credential}
            launch["resource_link_id"] = f"demo-link-{credential}"
        elif stack:
            launch["custom"] = {"stack": stack}
            launch["resource_link_id"] = f"demo-link-stack-{stack}"
        else:
            launch["resource_link_id"] = "demo-course-navigation"
        message_hint = secrets.token_urlsafe(12)
        login_hint = sign(
            {
                "iss": self.issuer, "aud": self.issuer, "client_id": CLIENT_ID,
                "hint": message_hint, "launch": launch,
                "iat": int(moment.timestamp()),
                "exp": int((moment + HINT_LIFETIME).timestamp()),
            },
            self.keys[-1],
        )  # fmt: skip
        params = {
            "iss": self.issuer,
            "login_hint": login_hint,
            "target_link_uri": f"{self.tool_base}/lti/launch",
            "lti_message_hint": message_hint,
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
        }
        return f"{self.tool_base}/lti/login", params
