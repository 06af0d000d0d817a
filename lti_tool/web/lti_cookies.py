"""The browser side of an LTI launch: the cookie that binds a login to the browser that
started it, and LTI Platform Storage for browsers that block that cookie inside the iframe.

State and nonce live in the database (any worker can finish a launch), but the database cannot
tell WHICH browser started a login: without a binding, an attacker could have a victim's
browser post the attacker's own id_token and state (login CSRF). So the login also sets a
cookie named after its state, and a launch whose browser sent no such cookie goes on only
through LTI Platform Storage (1EdTech "LTI Client Side postMessages": the state was put into the
platform's storage frame at login and is read back by our page in the same browser), or not at
all.

Cookies: ``SameSite=None; Secure; Partitioned`` over https (inside the LMS iframe they are
third-party; Partitioned lets browsers that block third-party cookies keep them per LMS site);
``SameSite=Lax`` over plain http for local development, where Secure cookies would be dropped.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from flask import Request

COOKIE_PREFIX = "credbridge-lti-"
COOKIE_MAX_AGE = 600
"""Seconds: as long as a login may take (``LOGIN_LIFETIME``)."""
STORAGE_HEADER = "X-Credbridge-Platform-Storage"
"""Sent by our page's fetch. A cross-site form cannot send a custom header, and we answer no
CORS preflight, so only our own page in the same browser reaches the platform-storage launch."""
STATE_KEY = "credbridge-state-"
NONCE_KEY = "credbridge-nonce-"
_TARGET = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def cookie_name(state: str) -> str:
    # 16 characters of a 43-character random state: 96 bits, unique among a browser's logins.
    return COOKIE_PREFIX + re.sub(r"[^A-Za-z0-9_\-]", "", state)[:16]


def cookie_attributes(secure: bool) -> dict[str, Any]:
    """Attributes for cookies the LMS iframe must keep: see the module docstring."""
    return {
        "secure": secure,
        "httponly": True,
        "samesite": "None" if secure else "Lax",
        "partitioned": secure,
    }


def bind(response: Any, state: str, *, secure: bool) -> None:
    """Set the cookie that ties ``state`` to this browser."""
    response.set_cookie(
        cookie_name(state),
        state,
        max_age=COOKIE_MAX_AGE,
        path="/lti/",
        **cookie_attributes(secure),
    )


def is_bound(request: Request, state: str) -> bool:
    """Whether this browser started the login ``state`` belongs to."""
    sent = request.cookies.get(cookie_name(state), "")
    return bool(sent) and hmac.compare_digest(sent.encode(), state.encode())


def storage_target(params: dict[str, str]) -> str | None:
    """The platform's ``lti_storage_target`` (a frame name, or ``_parent``), if it sent a
    usable one: the platform offers LTI Platform Storage."""
    target = params.get("lti_storage_target", "").strip()
    return target if _TARGET.match(target) else None
