"""Issuer signing keys: made on first use, encrypted at rest, loaded once per process.

Every issuer has one current key of each kind (Ed25519 for the Data Integrity proof, RSA 2048 for
the VC-JWT). Rotation retires the current keys and makes new ones; retired keys are never
deleted and stay published at their URLs, so every credential they signed still verifies.

A key's id is its public identity (the ``publicKeyMultibase`` of an Ed25519 key, the RFC 7638
thumbprint of an RSA key); its verification method URL is
``<base>/issuers/<issuer>/keys/<id>``, and that URL serves the public key.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from lti_tool.badges.multikey import public_key_to_multikey
from lti_tool.crypto import SecretBox
from lti_tool.domain.badges import IssuerKey, KeyKind
from lti_tool.domain.errors import ConflictError
from lti_tool.domain.model import AuditEntry, new_id
from lti_tool.jwk import public_jwk
from lti_tool.ports import UnitOfWork, UnitOfWorkFactory

RSA_BITS = 2048
WRITE_ATTEMPTS = 3
PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey


@dataclass(frozen=True)
class SigningKey:
    key: IssuerKey
    private: Any
    """The loaded private key (Ed25519 or RSA)."""
    method: str
    """The verification method URL (``kid`` of the JWT)."""


def _audit(
    uow: UnitOfWork, now: datetime, actor_id: str | None, key: IssuerKey, action: str,
    before: str | None, after: str,
) -> None:  # fmt: skip
    uow.audit.append(
        AuditEntry(
            new_id(),
            now,
            actor_id,
            "issuer_key",
            key.id[:64],
            action,
            before,
            after,
            f"{key.kind.value} key of issuer {key.issuer_id}",
        )
    )


def key_url(base_url: str, issuer_id: str, key_id: str) -> str:
    return f"{base_url}/issuers/{issuer_id}/keys/{key_id}"


def _pem(private: PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _generate(kind: KeyKind) -> tuple[str, str, PrivateKey]:
    """(id, public_key text, private key) of a new key."""
    if kind is KeyKind.ED25519:
        ed = ed25519.Ed25519PrivateKey.generate()
        multibase = public_key_to_multikey(ed.public_key())
        return multibase, multibase, ed
    private = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    jwk = public_jwk(private.public_key())
    return jwk["kid"], json.dumps(jwk, sort_keys=True), private


def public_key_of(key: IssuerKey) -> PublicKey:
    """The public half from its stored text (no private key involved)."""
    if key.kind is KeyKind.ED25519:
        from lti_tool.badges.multikey import multikey_to_public_key

        return multikey_to_public_key(key.public_key)
    import jwt

    loaded = jwt.algorithms.RSAAlgorithm.from_jwk(key.public_key)
    assert isinstance(loaded, rsa.RSAPublicKey)
    return loaded


class IssuerKeyRing:
    """Finds, creates, rotates and loads issuer keys.

    Private keys are decrypted and parsed once per key per process; a loaded key signs in well
    under a millisecond, parsing a PEM costs tens of milliseconds.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, box: SecretBox, base_url: str) -> None:
        self._uow = uow_factory
        self._box = box
        self.base_url = base_url.rstrip("/")
        self._loaded: dict[str, Any] = {}
        self._public: dict[str, PublicKey] = {}
        self._lock = threading.Lock()

    def signing_key(self, issuer_id: str, kind: KeyKind, now: datetime) -> SigningKey:
        """The issuer's current key of ``kind``, made (and committed) on first use."""
        for _ in range(WRITE_ATTEMPTS):
            with self._uow() as uow:
                current = [k for k in uow.issuers.keys_of(issuer_id, kind) if k.retired_at is None]
                if current:
                    key = current[-1]
                    return SigningKey(key, self._load(key), self._url(key))
            try:
                key, private = self._create(issuer_id, kind, now, None)
            except ConflictError:
                continue
            return SigningKey(key, private, self._url(key))
        raise ConflictError("Could not create the issuer's signing key; try again.")

    def rotate(self, issuer_id: str, now: datetime, actor_id: str | None = None) -> list[IssuerKey]:
        """Retire the current keys of both kinds and make new ones, in one transaction."""
        fresh = []
        with self._uow() as uow:
            uow.issuers.get(issuer_id)
            for kind in KeyKind:
                for key in uow.issuers.keys_of(issuer_id, kind):
                    if key.retired_at is None:
                        uow.issuers.save_key(replace(key, retired_at=now))
                        _audit(uow, now, actor_id, key, "retire", "current", "retired")
                key, private = self._build(issuer_id, kind, now)
                uow.issuers.add_key(key)
                _audit(uow, now, actor_id, key, "create", None, "current")
                fresh.append((key, private))
            uow.commit()
        for key, private in fresh:
            self._remember(key.id, private)
        return [replace(key, private_key_encrypted="") for key, _ in fresh]

    def key(self, key_id: str) -> IssuerKey | None:
        with self._uow() as uow:
            return uow.issuers.key(key_id)

    def public_key(self, key: IssuerKey) -> PublicKey:
        with self._lock:
            cached = self._public.get(key.id)
        if cached is None:
            cached = public_key_of(key)
            with self._lock:
                self._public[key.id] = cached
        return cached

    def keys_of(self, issuer_id: str) -> list[IssuerKey]:
        with self._uow() as uow:
            return [replace(k, private_key_encrypted="") for k in uow.issuers.keys_of(issuer_id)]

    def verification_method(self, key: IssuerKey) -> dict[str, Any]:
        """The public document served at the key's URL."""
        controller = f"{self.base_url}/issuers/{key.issuer_id}"
        if key.kind is KeyKind.ED25519:
            return {
                "@context": "https://w3id.org/security/multikey/v1",
                "id": self._url(key),
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": key.public_key,
            }
        jwk = json.loads(key.public_key)
        return {
            "id": self._url(key),
            "type": "JsonWebKey",
            "controller": controller,
            "publicKeyJwk": {name: jwk[name] for name in ("kty", "n", "e", "kid", "alg")},
        }

    # -- inside -------------------------------------------------------------------------------

    def _url(self, key: IssuerKey) -> str:
        return key_url(self.base_url, key.issuer_id, key.id)

    def _build(self, issuer_id: str, kind: KeyKind, now: datetime) -> tuple[IssuerKey, PrivateKey]:
        key_id, public_text, private = _generate(kind)
        key = IssuerKey(
            id=key_id,
            issuer_id=issuer_id,
            kind=kind,
            public_key=public_text,
            private_key_encrypted=self._box.encrypt(_pem(private).decode("ascii")),
            created_at=now,
        )
        return key, private

    def _create(
        self, issuer_id: str, kind: KeyKind, now: datetime, actor_id: str | None
    ) -> tuple[IssuerKey, PrivateKey]:
        key, private = self._build(issuer_id, kind, now)

        def add(uow: UnitOfWork) -> None:
            if any(k.retired_at is None for k in uow.issuers.keys_of(issuer_id, kind)):
                raise ConflictError("Another process made the key first.")
            uow.issuers.add_key(key)
            _audit(uow, now, actor_id, key, "create", None, "current")
            uow.commit()

        with self._uow() as uow:
            add(uow)
        self._remember(key.id, private)
        return key, private

    def _remember(self, key_id: str, private: Any) -> None:
        with self._lock:
            self._loaded[key_id] = private

    def _load(self, key: IssuerKey) -> Any:
        with self._lock:
            loaded = self._loaded.get(key.id)
        if loaded is None:
            pem = self._box.decrypt(key.private_key_encrypted).encode("ascii")
            loaded = serialization.load_pem_private_key(pem, password=None)
            self._remember(key.id, loaded)
        return loaded
