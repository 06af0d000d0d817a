"""Multibase base58btc and the Ed25519 Multikey encoding (``publicKeyMultibase``).

A Multikey public key is ``"z" + base58btc(0xed 0x01 || 32 key bytes)``; the ``z`` names
base58btc and ``0xed01`` is the multicodec varint for ``ed25519-pub``. The encoder is a dozen
lines, so we keep it here rather than add a dependency.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


class MultibaseError(ValueError):
    """The text is not multibase base58btc, or not the key type we expected."""


def base58_encode(data: bytes) -> str:
    """Bitcoin-alphabet base58 (leading zero bytes become leading ``1`` characters)."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, remainder = divmod(number, 58)
        out.append(_ALPHABET[remainder])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def base58_decode(text: str) -> bytes:
    """Inverse of :func:`base58_encode`; raises :class:`MultibaseError` on a bad character."""
    number = 0
    for char in text:
        if char not in _INDEX:
            raise MultibaseError(f"{char!r} is not a base58btc character")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc: ``z`` followed by base58."""
    return "z" + base58_encode(data)


def multibase_decode(text: str) -> bytes:
    """Decode multibase base58btc; any other multibase prefix is refused."""
    if not text.startswith("z"):
        raise MultibaseError("multibase value does not start with 'z' (base58btc)")
    return base58_decode(text[1:])


def public_key_to_multikey(public_key: Ed25519PublicKey) -> str:
    """``publicKeyMultibase`` for an Ed25519 public key."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return multibase_encode(ED25519_PUB_PREFIX + raw)


def multikey_to_public_key(public_key_multibase: str) -> Ed25519PublicKey:
    """Parse an Ed25519 ``publicKeyMultibase``; raises :class:`MultibaseError` otherwise."""
    decoded = multibase_decode(public_key_multibase)
    if not decoded.startswith(ED25519_PUB_PREFIX) or len(decoded) != 34:
        raise MultibaseError("publicKeyMultibase is not an Ed25519 public key (0xed01 + 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])
