"""Secrets at rest: round trips, key rotation, clear errors that never leak."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from lti_tool.crypto import SecretBox, SecretBoxError, derive_key
from lti_tool.settings import load_settings

PLAIN = "-----BEGIN PRIVATE KEY-----\nnot really a key\n-----END PRIVATE KEY-----\n"
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def settings(tmp_path: Path, **extra: str):  # type: ignore[no-untyped-def]
    env = {
        "DATABASE_URL": "sqlite://",
        "CREDBRIDGE_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": SECRET_KEY,
        **extra,
    }
    return load_settings(env)


def test_round_trip() -> None:
    box = SecretBox([Fernet.generate_key().decode()])

    token = box.encrypt(PLAIN)

    assert PLAIN not in token
    assert "BEGIN" not in token
    assert box.decrypt(token) == PLAIN
    assert box.encrypt(PLAIN) != token  # a fresh IV every time


def test_old_tokens_decrypt_after_rotation_and_reencrypt_moves_them_to_the_new_key() -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old_token = SecretBox([old_key]).encrypt(PLAIN)
    rotated = SecretBox([new_key, old_key])

    assert rotated.decrypt(old_token) == PLAIN
    moved = rotated.reencrypt(old_token)

    assert moved != old_token
    assert SecretBox([new_key]).decrypt(moved) == PLAIN  # the old key is no longer needed
    with pytest.raises(SecretBoxError):
        SecretBox([old_key]).decrypt(moved)


def test_wrong_keys_raise_an_error_that_names_the_setting_and_leaks_nothing() -> None:
    token = SecretBox(["the old passphrase"]).encrypt(PLAIN)
    other = SecretBox(["a different passphrase"])

    with pytest.raises(SecretBoxError) as raised:
        other.decrypt(token)
    message = str(raised.value)
    assert "CREDBRIDGE_ENCRYPTION_KEYS" in message
    assert "changed" in message
    assert token not in message
    assert PLAIN not in message and "BEGIN" not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__

    with pytest.raises(SecretBoxError) as again:
        other.reencrypt(token)
    assert token not in str(again.value)


def test_garbage_tokens_are_refused_the_same_way() -> None:
    box = SecretBox(["a passphrase"])
    for garbage in ("", "not a token", "ünïcode", "gAAAAA" + "A" * 80):
        with pytest.raises(SecretBoxError):
            box.decrypt(garbage)


def test_repr_hides_the_keys() -> None:
    fernet_key = Fernet.generate_key().decode()
    box = SecretBox([fernet_key, "my passphrase"])

    shown = repr(box) + str(box)

    assert fernet_key not in shown
    assert "my passphrase" not in shown
    assert derive_key("my passphrase").decode() not in shown
    assert "2 key(s)" in shown


def test_a_fernet_key_is_used_as_is_and_a_passphrase_is_derived() -> None:
    fernet_key = Fernet.generate_key()
    passphrase = "correct horse battery staple"

    from_key = SecretBox([fernet_key.decode()]).encrypt(PLAIN)
    from_passphrase = SecretBox([passphrase]).encrypt(PLAIN)

    assert Fernet(fernet_key).decrypt(from_key).decode() == PLAIN
    assert Fernet(derive_key(passphrase)).decrypt(from_passphrase).decode() == PLAIN
    assert derive_key(passphrase) == derive_key(passphrase)  # stable across processes
    assert derive_key(passphrase) != derive_key(passphrase + "!")


def test_settings_keys_newest_first(tmp_path: Path) -> None:
    new_key = Fernet.generate_key().decode()
    old = SecretBox.from_settings(settings(tmp_path, CREDBRIDGE_ENCRYPTION_KEYS="old phrase"))
    both = SecretBox.from_settings(
        settings(tmp_path, CREDBRIDGE_ENCRYPTION_KEYS=f"{new_key}, old phrase")
    )
    token = old.encrypt(PLAIN)

    assert both.decrypt(token) == PLAIN
    assert Fernet(new_key.encode()).decrypt(both.encrypt(PLAIN)).decode() == PLAIN


def test_derived_from_secret_key_by_default(tmp_path: Path) -> None:
    box = SecretBox.from_settings(settings(tmp_path))
    token = box.encrypt(PLAIN)

    assert Fernet(derive_key(SECRET_KEY)).decrypt(token).decode() == PLAIN
    # Setting CREDBRIDGE_ENCRYPTION_KEYS later keeps old secrets readable when the old
    # SECRET_KEY value is listed after the new key.
    moved = SecretBox.from_settings(
        settings(
            tmp_path, CREDBRIDGE_ENCRYPTION_KEYS=f"{Fernet.generate_key().decode()},{SECRET_KEY}"
        )
    )
    assert moved.decrypt(token) == PLAIN


def test_a_changed_secret_key_names_secret_key(tmp_path: Path) -> None:
    token = SecretBox.from_settings(settings(tmp_path)).encrypt(PLAIN)
    changed = SecretBox.from_settings(
        settings(tmp_path, SECRET_KEY="another-secret-key-0123456789-abcdef")
    )

    with pytest.raises(SecretBoxError) as raised:
        changed.decrypt(token)

    assert "SECRET_KEY" in str(raised.value)
    assert token not in str(raised.value)


def test_at_least_one_key() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        SecretBox([])
