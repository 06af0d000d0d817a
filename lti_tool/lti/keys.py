"""The tool's RSA signing keys: published before they sign, kept published after they retire.

A key's life (:class:`~lti_tool.domain.lti.ToolKeyState`):

- :meth:`ToolKeyService.rotate` adds a NEXT key. It is in the JWKS at once but does not sign.
- Once ``publish_delay`` has passed (platforms that cached our JWKS have fetched it again),
  :meth:`ToolKeyService.activate_due` makes it ACTIVE and retires the key that signed before.
- A RETIRED key stays in the JWKS for ``retire_window``, so tokens it signed still verify.

Private keys are stored only as :class:`~lti_tool.crypto.SecretBox` tokens of PKCS#8 PEM. A key
is decrypted and parsed (parsing validates the RSA key: ~35 ms) once per kid per process and
kept in memory; signing with the loaded key costs ~0.3 ms.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from lti_tool.crypto import SecretBox
from lti_tool.domain.errors import ConflictError
from lti_tool.domain.lti import ToolKey, ToolKeyState
from lti_tool.jwk import public_jwk
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.services.common import record

RSA_BITS = 2048
PUBLIC_EXPONENT = 65537
ALGORITHM = "RS256"
ENTITY_TYPE = "tool_key"
PUBLIC_MEMBERS = ("kty", "n", "e", "kid", "alg", "use")
"""``audit_entries.entity_id`` holds 36 characters; a kid has 43, so the note names it whole."""
WRITE_ATTEMPTS = 3
ACTIVE_KEY_CACHE = timedelta(seconds=60)
"""How long a process signs with the ACTIVE key it read before reading the keys again. A key
rotated by another process is published for ``publish_delay`` before it signs, and a retired
key stays published for ``retire_window``, so signing with the previous key this long after a
change still verifies everywhere."""

T = TypeVar("T")


class ToolKeyError(RuntimeError):
    """A stored tool key cannot be used (its private half does not match its kid)."""


def _redacted(key: ToolKey) -> ToolKey:
    """A copy for listings: the (encrypted) private half is left out."""
    return replace(key, private_key_encrypted="")


class ToolKeyService:
    """Creates, rotates, publishes and uses the tool's signing keys.

    Args:
        uow_factory: opens a transaction over ``tool_keys`` and ``audit``.
        clock: decides when NEXT keys become due and RETIRED keys drop out of the JWKS.
        box: encrypts private keys at rest.
        publish_delay: how long a NEXT key is published before it signs; longer than any
            platform caches our JWKS.
        retire_window: how long a RETIRED key stays published; longer than any token we sign
            lives.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        box: SecretBox,
        publish_delay: timedelta = timedelta(hours=1),
        retire_window: timedelta = timedelta(days=7),
    ) -> None:
        if publish_delay < timedelta(0) or retire_window < timedelta(0):
            raise ValueError("publish_delay and retire_window must not be negative")
        self._uow_factory = uow_factory
        self._clock = clock
        self._box = box
        self.publish_delay = publish_delay
        self.retire_window = retire_window
        self._loaded: dict[str, RSAPrivateKey] = {}
        self._active: tuple[str, RSAPrivateKey, datetime] | None = None
        """The ACTIVE key's kid, loaded key, and until when to trust it without reading."""
        self._lock = threading.Lock()

    # -- use ----------------------------------------------------------------------------------

    def signing_key(self) -> tuple[str, RSAPrivateKey]:
        """The ACTIVE key's kid and loaded private key, promoting a due NEXT key first.

        Creates the first key when there is none. The private key is decrypted and parsed once
        per kid per process, then served from memory; which key is ACTIVE is read again after
        :data:`ACTIVE_KEY_CACHE`, when a NEXT key falls due, or after a change made here.
        """
        now = self._clock.now()
        with self._lock:
            cached = self._active
        if cached is not None and now < cached[2]:
            return cached[0], cached[1]
        keys: list[ToolKey] = []

        def settle(uow: UnitOfWork) -> ToolKey:
            keys[:] = uow.tool_keys.all()
            return self._settle(uow, now)

        active = self._write(settle)
        private = self._load(active)
        due = [
            key.created_at + self.publish_delay
            for key in keys
            if key.state is ToolKeyState.NEXT and key.kid != active.kid
        ]
        with self._lock:
            self._active = (active.kid, private, min([now + ACTIVE_KEY_CACHE, *due]))
        return active.kid, private

    def _forget_active(self) -> None:
        with self._lock:
            self._active = None

    def sign_jwt(self, claims: Mapping[str, Any], headers: Mapping[str, Any] | None = None) -> str:
        """``claims`` as an RS256 JWT signed by the ACTIVE key, with its ``kid`` in the header."""
        kid, key = self.signing_key()
        header = {k: v for k, v in (headers or {}).items() if k not in {"alg", "kid"}}
        return jwt.encode(dict(claims), key, algorithm=ALGORITHM, headers={**header, "kid": kid})

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public key set: NEXT, ACTIVE, and RETIRED keys retired less than
        ``retire_window`` ago. The active key comes first."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            keys = uow.tool_keys.all()
        rank = {ToolKeyState.ACTIVE: 0, ToolKeyState.NEXT: 1, ToolKeyState.RETIRED: 2}
        published = sorted(
            (key for key in keys if self._published(key, now)),
            key=lambda key: (rank[key.state], -key.created_at.timestamp()),
        )
        return {
            "keys": [
                {name: key.public_jwk[name] for name in PUBLIC_MEMBERS if name in key.public_jwk}
                for key in published
            ]
        }

    def keys(self) -> list[ToolKey]:
        """Every key, oldest first, for listings: ``private_key_encrypted`` is blanked."""
        with self._uow_factory() as uow:
            return [_redacted(key) for key in uow.tool_keys.all()]

    def starts_signing_at(self, key: ToolKey) -> datetime:
        """When ``key`` signs (or signed) its first token, if no later key overtakes it."""
        return key.activated_at or key.created_at + self.publish_delay

    # -- change -------------------------------------------------------------------------------

    def ensure_signing_key(self) -> str:
        """The ACTIVE key's kid. On a fresh install there is nothing to wait for: the first key
        is created and activated at once (or the oldest NEXT key when one exists)."""
        now = self._clock.now()
        return self._write(lambda uow: self._settle(uow, now)).kid

    def rotate(self, actor_id: str | None = None) -> ToolKey:
        """Add a new RSA 2048 key as NEXT: published now, signing after ``publish_delay``."""
        now = self._clock.now()
        key, private = self._generate(now, ToolKeyState.NEXT)

        def add(uow: UnitOfWork) -> None:
            uow.tool_keys.add(key)
            self._audit(
                uow, now, actor_id, key.kid, "rotate", None, ToolKeyState.NEXT,
                f"signs from {(now + self.publish_delay).isoformat()}",
            )  # fmt: skip
            uow.commit()

        self._write(add)
        self._forget_active()
        self._remember(key.kid, private)
        return _redacted(key)

    def activate_due(self, now: datetime) -> ToolKey | None:
        """Promote the oldest NEXT key published at least ``publish_delay`` ago to ACTIVE and
        retire the key that was ACTIVE. Returns the promoted key, or ``None``."""

        def promote(uow: UnitOfWork) -> ToolKey | None:
            promoted = self._promote_due(uow, uow.tool_keys.all(), now)
            if promoted is not None:
                uow.commit()
            return promoted

        promoted = self._write(promote)
        self._forget_active()
        return None if promoted is None else _redacted(promoted)

    # -- inside -------------------------------------------------------------------------------

    def _write(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in a fresh transaction; again when a concurrent writer got there first."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._uow_factory() as uow:
                    return work(uow)
            except ConflictError:
                if attempt == WRITE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _settle(self, uow: UnitOfWork, now: datetime) -> ToolKey:
        """Bring the keys to a state with exactly one ACTIVE key and return it (commits when
        anything changed)."""
        keys = uow.tool_keys.all()
        changed = self._promote_due(uow, keys, now) is not None
        active = [key for key in keys if key.state is ToolKeyState.ACTIVE]
        if len(active) > 1:
            # Two workers created a first key at the same moment: keep one, publish both.
            keep = max(active, key=lambda key: (key.activated_at or key.created_at, key.kid))
            for key in active:
                if key is not keep:
                    self._retire(uow, key, now, f"two keys were active; {keep.kid} kept")
            active, changed = [keep], True
        if not active:
            waiting = [key for key in keys if key.state is ToolKeyState.NEXT]
            if waiting:
                first = min(waiting, key=lambda key: (key.created_at, key.kid))
                self._activate(uow, first, now, "no key was active: nothing to wait for")
                active = [first]
            else:
                created, private = self._generate(now, ToolKeyState.ACTIVE)
                uow.tool_keys.add(created)
                self._audit(
                    uow, now, None, created.kid, "create", None, ToolKeyState.ACTIVE,
                    "first key: active at once",
                )  # fmt: skip
                uow.commit()
                self._remember(created.kid, private)
                return created
            changed = True
        if changed:
            uow.commit()
        return active[0]

    def _promote_due(self, uow: UnitOfWork, keys: list[ToolKey], now: datetime) -> ToolKey | None:
        due = [
            key
            for key in keys
            if key.state is ToolKeyState.NEXT and key.created_at + self.publish_delay <= now
        ]
        if not due:
            return None
        promoted = min(due, key=lambda key: (key.created_at, key.kid))
        for key in keys:
            if key.state is ToolKeyState.ACTIVE:
                self._retire(uow, key, now, f"replaced by {promoted.kid}")
        self._activate(uow, promoted, now, "published for the publish delay")
        return promoted

    def _activate(self, uow: UnitOfWork, key: ToolKey, now: datetime, why: str) -> None:
        before = key.state
        key.state, key.activated_at = ToolKeyState.ACTIVE, now
        uow.tool_keys.save(key)
        self._audit(uow, now, None, key.kid, "activate", before, key.state, why)

    def _retire(self, uow: UnitOfWork, key: ToolKey, now: datetime, why: str) -> None:
        before = key.state
        key.state, key.retired_at = ToolKeyState.RETIRED, now
        uow.tool_keys.save(key)
        until = (now + self.retire_window).isoformat()
        self._audit(uow, now, None, key.kid, "retire", before, key.state, f"{why}; JWKS to {until}")

    @staticmethod
    def _audit(
        uow: UnitOfWork,
        now: datetime,
        actor_id: str | None,
        kid: str,
        action: str,
        before: ToolKeyState | None,
        after: ToolKeyState,
        note: str,
    ) -> None:
        before_value = None if before is None else before.value
        record(uow, now, actor_id, ENTITY_TYPE, kid, action, before_value, after.value, note)

    def _published(self, key: ToolKey, now: datetime) -> bool:
        if key.state is not ToolKeyState.RETIRED:
            return True
        return key.retired_at is not None and now - key.retired_at < self.retire_window

    def _generate(self, now: datetime, state: ToolKeyState) -> tuple[ToolKey, RSAPrivateKey]:
        private = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=RSA_BITS)
        jwk = public_jwk(private.public_key())
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        key = ToolKey(
            kid=jwk["kid"],
            public_jwk=jwk,
            private_key_encrypted=self._box.encrypt(pem),
            state=state,
            created_at=now,
            activated_at=now if state is ToolKeyState.ACTIVE else None,
        )
        return key, private

    def _remember(self, kid: str, private: RSAPrivateKey) -> None:
        with self._lock:
            self._loaded.setdefault(kid, private)

    def _load(self, key: ToolKey) -> RSAPrivateKey:
        with self._lock:
            loaded = self._loaded.get(key.kid)
            if loaded is None:
                loaded = self._parse(key)
                self._loaded[key.kid] = loaded
            return loaded

    def _parse(self, key: ToolKey) -> RSAPrivateKey:
        pem = self._box.decrypt(key.private_key_encrypted)
        private = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
        if not isinstance(private, RSAPrivateKey):
            raise ToolKeyError(f"Tool key {key.kid} is not an RSA key.")
        if public_jwk(private.public_key())["kid"] != key.kid:
            raise ToolKeyError(f"Tool key {key.kid}: the stored private key does not match it.")
        return private
