"""Secrets at rest: tool private keys and connector tokens, encrypted with rotatable keys.

:class:`SecretBox` wraps cryptography's ``MultiFernet``: the first key encrypts, every key
decrypts, so a key is rotated by putting a new one first and keeping the old ones until every
stored secret has been re-encrypted (:meth:`SecretBox.reencrypt`). Nothing here logs, and no
message or ``repr`` ever holds a key, a token or a plaintext.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Self

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lti_tool.settings import Settings

HKDF_INFO = b"credbridge secrets at rest v1"
KEYS_ENV = "CREDBRIDGE_ENCRYPTION_KEYS"
SECRET_KEY_ENV = "SECRET_KEY"  # noqa: S105 (the variable's name, not a secret)
_FERNET_KEY = re.compile(r"[A-Za-z0-9_-]{43}=")
"""A Fernet key as ``Fernet.generate_key()`` writes it: urlsafe base64 of 32 bytes."""


class SecretBoxError(RuntimeError):
    """A stored secret cannot be opened with the configured keys. The message names the setting
    to check and never holds the secret, its ciphertext or a key."""


def derive_key(passphrase: str) -> bytes:
    """A Fernet key derived from any passphrase with HKDF-SHA256 (fixed info, no salt).

    The same passphrase always gives the same key, so a passphrase (or the SECRET_KEY value)
    can be listed in CREDBRIDGE_ENCRYPTION_KEYS to keep decrypting what it encrypted.
    """
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        passphrase.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw)


def fernet_key(entry: str) -> bytes:
    """``entry`` itself when it is a Fernet key, else a key derived from it as a passphrase."""
    entry = entry.strip()
    if not entry:
        raise ValueError("An encryption key must not be empty.")
    if _FERNET_KEY.fullmatch(entry):
        return entry.encode("ascii")
    return derive_key(entry)


class SecretBox:
    """Encrypts short secrets (PEM keys, tokens) as Fernet tokens under rotatable keys.

    Args:
        keys: newest first, each a Fernet key or a passphrase. The first one encrypts.
        source: the environment variable the keys came from, named in error messages.
    """

    def __init__(self, keys: Sequence[str], source: str = KEYS_ENV) -> None:
        if not keys:
            raise ValueError("A SecretBox needs at least one key.")
        self._fernet = MultiFernet([Fernet(fernet_key(entry)) for entry in keys])
        self._count = len(keys)
        self._source = source

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The keys of CREDBRIDGE_ENCRYPTION_KEYS, or one derived from SECRET_KEY when unset."""
        if settings.encryption_keys:
            return cls(settings.encryption_keys, source=KEYS_ENV)
        return cls([settings.secret_key], source=SECRET_KEY_ENV)

    def __repr__(self) -> str:
        return f"SecretBox({self._count} key(s) from {self._source})"

    def encrypt(self, plain: str) -> str:
        """A Fernet token (ASCII) of ``plain`` under the newest key."""
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plaintext of ``token``, trying every key.

        Raises:
            SecretBoxError: no configured key opens the token.
        """
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except (InvalidToken, ValueError, TypeError):
            raise SecretBoxError(self._failure()) from None

    def reencrypt(self, token: str) -> str:
        """``token`` re-encrypted under the newest key (its timestamp is kept).

        Raises:
            SecretBoxError: no configured key opens the token.
        """
        try:
            return self._fernet.rotate(token).decode("ascii")
        except (InvalidToken, ValueError, TypeError):
            raise SecretBoxError(self._failure()) from None

    def _failure(self) -> str:
        if self._source == SECRET_KEY_ENV:
            return (
                "A stored secret cannot be decrypted: the encryption keys changed. "
                f"{KEYS_ENV} is empty, so secrets are encrypted with a key derived from "
                f"{SECRET_KEY_ENV}; check that {SECRET_KEY_ENV} is the value the secret was "
                f"stored under (or list that old value in {KEYS_ENV}, after a new key)."
            )
        return (
            "A stored secret cannot be decrypted: the encryption keys changed. Check "
            f"{KEYS_ENV}: keep the old key(s) listed after the new one until every secret is "
            f"re-encrypted (secrets stored before {KEYS_ENV} was set need the old "
            f"{SECRET_KEY_ENV} value listed there)."
        )
