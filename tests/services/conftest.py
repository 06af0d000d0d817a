"""Shared fixtures of the service tests (credit and stipends)."""

from tests.services.credit_world import credit_container, credit_world

__all__ = ["credit_container", "credit_world"]
