"""What every ``credbridge`` command needs: settings or a clear message, and a container that
is closed when the command ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.bootstrap import Container, build
from lti_tool.domain.errors import DomainError
from lti_tool.settings import Settings, SettingsError, load_settings


def settings_or_exit() -> Settings:
    """The environment's settings; a configuration that must not start is a message, not a trace."""
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


@contextmanager
def database_errors() -> Iterator[None]:
    """A database that is down or not migrated is a message that says what to do, not a trace."""
    try:
        yield
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise click.ClickException(
            f"The database refused the command ({reason}). Is it running, and migrated with "
            "'credbridge db upgrade'? (DATABASE_URL sets which database.)"
        ) from error


@contextmanager
def domain_errors() -> Iterator[None]:
    """A refusal of our own rules (unknown id, bad input) is its message, not a traceback."""
    try:
        yield
    except DomainError as error:
        problems = getattr(error, "problems", []) or []
        lines = "".join(f"\n  {problem}" for problem in problems)
        raise click.ClickException(f"{error.message}{lines}") from error


@contextmanager
def command_container(settings: Settings | None = None, **parts: Any) -> Iterator[Container]:
    """The wired application for one command; its connections are closed afterwards."""
    container = build(settings or settings_or_exit(), **parts)
    try:
        with database_errors():
            yield container
    finally:
        container.lti.http.close()
        container.roster_http.close()
        container.canvas_connector.close()
        container.pdms.close()
        container.engine.dispose()
