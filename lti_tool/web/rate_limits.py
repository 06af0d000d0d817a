"""Rate limits for the few endpoints anyone on the internet may call and that make us work.

``/lti/register`` fetches URLs it is given and stores a pending platform: cheap to ask for,
not cheap to answer, so each client address gets a budget. The counting (moving windows, and
where counts live) is the ``limits`` library's (ADR 0015); this module only decides what is
counted and answers with how long to wait.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimitSpecError(ValueError):
    """A limit such as ``5 per minute; 30 per hour`` that could not be read."""


def parse_limits(spec: str) -> tuple[RateLimitItem, ...]:
    """The limits in ``spec`` (``N per unit`` separated by ``;``); empty means no limit.

    Raises:
        RateLimitSpecError: ``spec`` is not in that form.
    """
    if not spec.strip():
        return ()
    try:
        return tuple(parse_many(spec))
    except ValueError as error:
        raise RateLimitSpecError(
            f"{spec!r} is not a rate limit: write it like '5 per minute; 30 per hour'"
        ) from error


@dataclass(frozen=True)
class Refusal:
    """Over budget: the limit that was hit and the whole seconds until it allows one more."""

    limit: str
    retry_after: int


class RequestLimiter:
    """Counts requests per (endpoint, client) against every limit of ``spec`` at once.

    A refused request is not counted, so a client that keeps knocking is not locked out longer
    than the window. Counts live in ``storage_uri`` (``memory://`` counts per process: with N
    workers a client gets up to N times the budget; give ``redis://…`` to share them).
    """

    def __init__(self, spec: str, storage_uri: str = "memory://") -> None:
        self._limits = parse_limits(spec)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def take(self, endpoint: str, client: str) -> Refusal | None:
        """Count one request of ``client`` to ``endpoint``, or say why it must wait."""
        for item in self._limits:
            if not self._limiter.test(item, endpoint, client):
                reset = self._limiter.get_window_stats(item, endpoint, client).reset_time
                return Refusal(str(item), max(1, math.ceil(reset - time.time())))
        for item in self._limits:
            self._limiter.hit(item, endpoint, client)
        return None
