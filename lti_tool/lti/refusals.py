"""The one error a login or launch is refused with, shared by the launch modules."""

from __future__ import annotations


class LaunchRefusedError(Exception):
    """A login or launch we refuse, with a reason a person can act on."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
