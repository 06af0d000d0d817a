"""Checks of what an admin types about a platform: located problems and a pasted key set."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lti_tool.domain.errors import ValidationError

KeySetInput = Mapping[str, Any] | str | None
"""A pasted JWKS: a dict, its JSON text, or nothing (blank text counts as nothing)."""


class Problems:
    """Collects located problems (``field: what is wrong``) for one ValidationError."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(f"{field}: {message}")

    def raise_if_any(self, message: str) -> None:
        if self.items:
            raise ValidationError(message, list(self.items))


def key_set(pasted: KeySetInput, problems: Problems) -> dict[str, Any] | None:
    """The JWKS as a dict, from a dict or JSON text; one JWK on its own is a set of one."""
    if pasted is None or (isinstance(pasted, str) and not pasted.strip()):
        return None
    data: object = pasted
    if isinstance(pasted, str):
        try:
            data = json.loads(pasted)
        except json.JSONDecodeError as error:
            problems.add("key_set", f"is not valid JSON ({error})")
            return None
    if isinstance(data, Mapping) and "keys" not in data and "kty" in data:
        data = {"keys": [dict(data)]}
    if not isinstance(data, Mapping):
        problems.add("key_set", 'must be a JWKS: a JSON object with a "keys" list')
        return None
    check_key_set(data, problems)
    return dict(data)


def check_key_set(key_set: Mapping[str, Any], problems: Problems) -> None:
    keys = key_set.get("keys")
    if not isinstance(keys, list) or not keys:
        problems.add("key_set", 'must be a JWKS with a non-empty "keys" list')
        return
    kids: set[str] = set()
    for number, key in enumerate(keys, start=1):
        where = f"key_set: key {number}"
        if not isinstance(key, Mapping):
            problems.add(where, "is not a JSON object")
            continue
        kid = key.get("kid")
        if not isinstance(kid, str) or not kid.strip():
            problems.add(where, 'has no "kid" (launch tokens name the key they were signed with)')
        elif kid in kids:
            problems.add(where, f"repeats kid {kid!r}")
        else:
            kids.add(kid)
        if key.get("kty") != "RSA":
            problems.add(where, f'must be an RSA key ("kty": "RSA"), not {key.get("kty")!r}')
        elif not all(isinstance(key.get(part), str) and key.get(part) for part in ("n", "e")):
            problems.add(where, 'needs the RSA public numbers "n" and "e"')
        if "d" in key:
            problems.add(where, "holds a private key: paste only the platform's public keys")
