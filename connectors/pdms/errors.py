"""HTTP failures as the delivery errors the outbox worker understands."""

from __future__ import annotations

from collections.abc import Callable

from connectors.http import HttpError, RetriableError
from lti_tool.domain.delivery import TargetBusy, TargetRefused
from lti_tool.domain.errors import DeliveryError


def translate(error: HttpError, explain: Callable[[str], str] = lambda body: body) -> DeliveryError:
    """429/5xx/timeouts retry later (honouring Retry-After); any other 4xx goes to a person,
    with the target's answer (``explain`` turns the body into words) attached."""
    if isinstance(error, RetriableError):
        return TargetBusy(str(error), status=error.status, retry_after=error.retry_after)
    said = explain(error.body).strip()
    message = f"{error}: {said}" if said else str(error)
    return TargetRefused(message, status=error.status)
