"""Platform key sets: fetched once, refetched (rate-limited) when a token names an unknown
``kid`` so platform key rotation (D2L rotates hourly) does not break launches."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt
import requests

from lti_tool.domain.lti import PlatformRegistration
from lti_tool.lti.refusals import LaunchRefusedError

KEY_REFETCH_INTERVAL_SECONDS = 60.0


class KeySetCache:
    """Platform key sets per registration, refetched at most once a minute on an unknown kid."""

    def __init__(
        self, http: requests.Session, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._http = http
        self._monotonic = monotonic
        self._sets: dict[str, dict[str, Any]] = {}
        self._refetched_at: dict[str, float] = {}
        self._loaded: dict[tuple[str, str], tuple[Mapping[str, Any], jwt.PyJWK]] = {}
        """Keys already built from their JWK, per (registration id, kid), with the JWK they
        came from: building an RSA key from a JWK cost more than verifying with it."""
        self._lock = threading.Lock()

    def _fetch(self, registration: PlatformRegistration) -> dict[str, Any]:
        assert registration.key_set_url is not None
        try:
            response = self._http.get(registration.key_set_url, timeout=10)
            response.raise_for_status()
            key_set = response.json()
        except (requests.RequestException, ValueError) as error:
            raise LaunchRefusedError(
                f"Could not read the platform's public keys from {registration.key_set_url}: "
                f"{error.__class__.__name__}. Check the key set URL of this platform."
            ) from error
        if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
            raise LaunchRefusedError("The platform's key set is not a JWKS (no 'keys' list).")
        kids = {str(entry.get("kid")) for entry in key_set["keys"] if isinstance(entry, dict)}
        with self._lock:
            self._sets[registration.id] = key_set
            for slot in [s for s in self._loaded if s[0] == registration.id and s[1] not in kids]:
                del self._loaded[slot]  # rotated out: a platform rotating hourly adds up
        return key_set

    def key_for(self, registration: PlatformRegistration, kid: str) -> jwt.PyJWK:
        if registration.key_set is not None:
            return self._load(registration.id, _find_entry(registration.key_set, kid))
        with self._lock:
            cached = self._sets.get(registration.id)
        if cached is None:
            return self._load(registration.id, _find_entry(self._fetch(registration), kid))
        try:
            return self._load(registration.id, _find_entry(cached, kid))
        except LaunchRefusedError:
            # An unknown kid: the platform may have rotated. Refetch, but at most once a
            # minute per platform, so a stream of bad tokens cannot hammer its key set URL.
            now = self._monotonic()
            with self._lock:
                last = self._refetched_at.get(registration.id)
                if last is not None and now - last < KEY_REFETCH_INTERVAL_SECONDS:
                    raise
                self._refetched_at[registration.id] = now
            return self._load(registration.id, _find_entry(self._fetch(registration), kid))

    def _load(self, registration_id: str, entry: Mapping[str, Any]) -> jwt.PyJWK:
        """The key of JWK ``entry``, built once: reused while the registration's key set holds
        the very same JWK (a changed or refetched one is built again)."""
        slot = (registration_id, str(entry["kid"]))
        with self._lock:
            hit = self._loaded.get(slot)
        if hit is not None and hit[0] == entry:
            return hit[1]
        try:
            key = jwt.PyJWK.from_dict(dict(entry))
        except jwt.PyJWTError as error:
            raise LaunchRefusedError(
                f"The platform's key {entry['kid']!r} is not usable: {error}"
            ) from error
        with self._lock:
            self._loaded[slot] = (dict(entry), key)
        return key


def _find_entry(key_set: Mapping[str, Any], kid: str) -> Mapping[str, Any]:
    for entry in key_set.get("keys", []):
        if isinstance(entry, dict) and entry.get("kid") == kid:
            return entry
    raise LaunchRefusedError(
        f"The id_token was signed with key {kid!r}, which the platform's key set does not hold."
    )
