"""Domain error hierarchy. The web layer maps each class to a clear page and an HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: something a user asked for that the rules do not allow."""

    status_hint = 400
    """The HTTP status a web layer should answer with."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    """The thing asked for does not exist (or the actor may not know it exists)."""

    status_hint = 404


class PermissionDeniedError(DomainError):
    """The actor exists but may not do this."""

    status_hint = 403


class InvalidTransitionError(DomainError):
    """An action that is not allowed in the submission's current state."""

    status_hint = 409

    def __init__(self, state: str, action: str, message: str | None = None) -> None:
        action_words, state_words = action.replace("_", " "), state.replace("_", " ")
        super().__init__(
            message or f"You cannot {action_words} a submission that is {state_words}."
        )
        self.state = state
        self.action = action


class ConflictError(DomainError):
    """Someone else changed the same thing first (optimistic version check)."""

    status_hint = 409


class ValidationError(DomainError):
    """Input that does not make sense, located as precisely as possible."""

    status_hint = 422

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class UploadRejectedError(DomainError):
    """An evidence file that is too large, of a type we do not accept, or disguised."""

    status_hint = 415

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large
        if too_large:
            self.status_hint = 413


class DeliveryError(DomainError):
    """A consumer of an outbox event could not finish its work."""

    retriable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        """Seconds the other side asked us to wait (``Retry-After``), if it said."""


class RetryLater(DeliveryError):
    """Temporary: a timeout, a 429 or a 5xx. The worker tries again with backoff."""


class DeliveryRefused(DeliveryError):
    """Permanent: the answer will not change by retrying (400, 401, 403). A person must look."""

    retriable = False
