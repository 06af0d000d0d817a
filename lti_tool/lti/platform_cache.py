"""Registrations and approved deployments, remembered per process for a short while.

Every launch needs its registration (issuer + client_id) and its deployment's status. Reading
both from the database cost two transactions per launch, more than checking the token's
signature. They change rarely, and only through ``PlatformService``, which tells this cache in
the same process (``on_change``); other worker processes see a change within ``ttl`` seconds.
Only APPROVED deployments are remembered: a pending one is re-read on every launch, so an
approval takes effect at once everywhere, and a rejection within ``ttl``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from lti_tool.domain.lti import PlatformRegistration

DEFAULT_TTL_SECONDS = 30.0


class PlatformCache:
    """A small time-limited cache; thread-safe (one per process, shared by threads)."""

    def __init__(
        self, ttl: float = DEFAULT_TTL_SECONDS, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._monotonic = monotonic
        self._registrations: dict[tuple[str, str], tuple[PlatformRegistration, float]] = {}
        self._approved: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def registration(
        self, issuer: str, client_id: str, load: Callable[[], PlatformRegistration]
    ) -> PlatformRegistration:
        """The cached registration, or ``load()`` (which raises when there is none)."""
        key, now = (issuer, client_id), self._monotonic()
        with self._lock:
            hit = self._registrations.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        registration = load()
        with self._lock:
            self._registrations[key] = (registration, now + self._ttl)
        return registration

    def product_family_seen(self, registration: PlatformRegistration, family: str) -> None:
        """A launch named the LMS's product family (the sign-in records it): remember it
        here too, so the next launches do not look the registration up to compare."""
        key = (registration.issuer, registration.client_id)
        with self._lock:
            hit = self._registrations.get(key)
            if hit is not None and hit[0].id == registration.id:
                self._registrations[key] = (replace(hit[0], product_family=family), hit[1])

    def is_approved(self, registration_id: str, deployment_id: str) -> bool:
        with self._lock:
            until = self._approved.get((registration_id, deployment_id))
        return until is not None and until > self._monotonic()

    def remember_approved(self, registration_id: str, deployment_id: str) -> None:
        with self._lock:
            self._approved[(registration_id, deployment_id)] = self._monotonic() + self._ttl

    def clear(self) -> None:
        """Forget everything (a registration or a deployment decision changed)."""
        with self._lock:
            self._registrations.clear()
            self._approved.clear()
